"""A block the page prints twice, both copies kept: the later copy goes
(pipeline/repeats.py, `dup.repeated_run`). Real pages of tests/data/repeats with their
gold, the shipped model and options."""
from __future__ import annotations

from conftest import engine_with, gold_line_set, page_with_gold
from pipeline.evaluate import norm_line, score_page
from pipeline.lexicon import fold
from pipeline.process import clean_text
from pipeline.repeats import RULE


def _decided(result, rule: str) -> list:
    return [d for d in result.decisions if d.rule == rule]


def test_the_later_copy_of_a_block_printed_twice_is_removed():
    # wcxb-dev-4245: the contact form at the top and again at the bottom
    text, gold = page_with_gold("repeats", "wcxb-dev-4245")
    on = clean_text(text, engine_with())
    off = clean_text(text, engine_with(repeated_run_min_lines=0))
    removed = _decided(on, RULE)
    assert len(removed) >= 6 and not _decided(off, RULE)
    # consecutive lines, each the copy of a line higher up the page, all kept without the rule
    lines = text.split("\n")
    numbers = [d.line for d in removed]
    assert [n for n in range(numbers[0], numbers[-1] + 1) if lines[n - 1].strip()] == numbers
    for d in removed:
        assert any(fold(lines[n - 1]) == fold(d.text) for n in range(1, numbers[0]))
    kept_off = {d.line for d in off.decisions if d.keep}
    # (without the rule, the copy's last line, "How Can We Help?(Required)", goes too, as a
    # repeat of the title the metadata reader took from the first copy)
    assert {d.rule for d in off.decisions if d.line in set(numbers) - kept_off} == {"dup.title"}
    assert len(set(numbers) & kept_off) >= 6
    # none is in the gold; every other decision is the same; the page's F1 rises
    gold_lines = gold_line_set(gold)
    assert not any(norm_line(d.text) in gold_lines for d in removed)
    assert {d.line for d in on.decisions if d.keep} == kept_off - set(numbers)
    assert score_page("wcxb-dev-4245", "wcxb", on.body, gold).tok_f1 > \
        score_page("wcxb-dev-4245", "wcxb", off.body, gold).tok_f1 + 0.02


def test_the_body_is_a_fixed_point():
    text, _ = page_with_gold("repeats", "wcxb-dev-4245")
    engine = engine_with()
    first = clean_text(text, engine)
    assert _decided(first, RULE)
    assert clean_text(first.body, engine).metadata["removed"] == []


def test_lists_repeated_under_each_product_stay():
    # wcxb-dev-4883: four-line feature lists repeat under several products and the gold
    # keeps every copy; runs of six lines (the shipped length) do not repeat, runs of four
    # would cost gold lines
    text, gold = page_with_gold("repeats", "wcxb-dev-4883")
    shipped = clean_text(text, engine_with())
    off = clean_text(text, engine_with(repeated_run_min_lines=0))
    assert not _decided(shipped, RULE) and shipped.body == off.body
    short = clean_text(text, engine_with(repeated_run_min_lines=4))
    gold_lines = gold_line_set(gold)
    assert any(norm_line(d.text) in gold_lines for d in _decided(short, RULE))
    assert score_page("wcxb-dev-4883", "wcxb", short.body, gold).tok_f1 < \
        score_page("wcxb-dev-4883", "wcxb", off.body, gold).tok_f1


def _plain_repeated_runs(numbers, keys, kept, min_lines):
    """The first version's loop (every line folded, every window looked at): the lines
    it removes, the reference the gated version must equal."""
    first_at, removed = {}, []
    for i in range(len(numbers) - min_lines + 1):
        window = tuple(keys[i:i + min_lines])
        first = first_at.get(window)
        if first is None or not all(kept[first:first + min_lines]):
            first_at[window] = i
            continue
        if i - first < min_lines or not all(kept[i:i + min_lines]):
            continue
        removed += [numbers[j] for j in range(i, i + min_lines)]
    return sorted(set(removed))


def test_the_kept_lines_gate_removes_what_every_window_looked_at_removes():
    # Speed: only kept lines are folded (through the page's memo) and a page whose kept
    # lines hold fewer than 2 * min_lines repeated keys is left at once. The real pages
    # of the test data, with their decisions before the rule, at several run lengths.
    from conftest import DATA
    from pipeline.repeats import mark_repeated_runs
    import pipeline.process as process

    pages = sorted(p for p in DATA.rglob("*.txt") if p.parent.name == "text")
    before, found = {}, 0
    original = process.mark_repeated_runs
    for min_lines in (2, 3, 6):
        for path in pages:
            text = path.read_text("utf-8")
            process.mark_repeated_runs = lambda result, n, memo=None: before.__setitem__(path.name, result)
            try:
                clean_text(text, engine_with())
            finally:
                process.mark_repeated_runs = original
            result = before[path.name]
            numbers = [n for n, line in enumerate(result.lines, 1) if line.strip()]
            keys = [fold(result.lines[n - 1]) for n in numbers]
            kept = [result.decisions[n].keep for n in numbers]
            expected = _plain_repeated_runs(numbers, keys, kept, min_lines)
            mark_repeated_runs(result, min_lines)
            got = sorted(n for n, d in result.decisions.items() if d.rule == RULE)
            assert got == expected, (path.name, min_lines)
            found += bool(got)
    assert found >= 3, found  # some pages do hold blocks kept twice at these lengths
