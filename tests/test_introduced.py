"""keep.introduced (pipeline/classify.py): the block a body line ending in a colon
announces (code, a program's output, a list), which the line model removed line by line,
is kept. A real page with its gold (tests/data/body_runs/wcxb-dev-2862: the Go blog's
"Defer, Panic, and Recover"), the shipped model."""
from __future__ import annotations

from conftest import assert_fixed_point, decided_by, engine_with, gold_line_set, page_with_gold
from pipeline.evaluate import norm_line, score_page
from pipeline.process import clean_text

PAGE = "wcxb-dev-2862"


def test_the_code_and_output_a_sentence_announces_are_kept():
    text, gold = page_with_gold("body_runs", PAGE)
    on, off = clean_text(text, engine_with()), clean_text(text, engine_with(introduced_min_words=0))
    kept = decided_by(on, "keep.introduced")
    gold_lines = gold_line_set(gold)
    assert len(kept) >= 10
    assert all(norm_line(d.text) in gold_lines for d in kept)  # every line taken back is the article's
    assert {"func CopyFile(dstName, srcName string) (written int64, err error) {", "Calling g.",
            "Panicking!"} <= {d.text for d in kept}
    assert not decided_by(off, "keep.introduced")
    assert {d.line for d in kept} <= {d.line for d in decided_by(off, "model.chrome")}  # only what the model removed
    # each kept block stands right under a body line ending in a colon, or under another kept line
    by_line = {d.line: d for d in on.decisions}
    for d in kept:
        above = max(n for n in by_line if n < d.line and by_line[n].text.strip())
        assert by_line[above].rule == "keep.introduced" or by_line[above].text.rstrip().endswith(":")
    f1_on = score_page(PAGE, "wcxb", on.body, gold).tok_f1
    f1_off = score_page(PAGE, "wcxb", off.body, gold).tok_f1
    assert f1_on > f1_off + 0.01


def test_a_label_ending_in_a_colon_introduces_nothing():
    # "Output:" is a label, not a sentence (fewer than 4 words): the block under it is
    # left to the model, as are the blocks under "Photo:" or "Sources:".
    text, _ = page_with_gold("body_runs", PAGE)
    assert "The program will output:\n" in text
    result = clean_text(text.replace("The program will output:\n", "Output:\n"), engine_with())
    label = next(d.line for d in result.decisions if d.text == "Output:")
    assert not [d for d in decided_by(result, "keep.introduced") if label < d.line <= label + 3]


def test_the_body_with_introduced_blocks_is_a_fixed_point():
    first = clean_text(page_with_gold("body_runs", PAGE)[0], engine_with())
    assert decided_by(first, "keep.introduced")
    assert_fixed_point(first)
