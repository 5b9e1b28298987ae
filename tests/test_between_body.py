"""keep.between_body: on a page whose body is mostly short lines (lists, tables,
headings), a line the line model removed between two body lines is kept when its body
probability reaches list_keep_probability and its text is once on the page
(pipeline/classify.py, _keep_between_body). Real pages with gold, the shipped model."""
from __future__ import annotations

from pathlib import Path

from pipeline.evaluate import score_page
from pipeline.options import Options
from pipeline.process import Engine, clean_bytes, clean_text

DATA = Path(__file__).resolve().parent / "data"
LIST_PAGE = DATA / "comments" / "text" / "wcxb-dev-4449.txt"  # DIY projects: a name, then its paragraph
LIST_GOLD = DATA / "comments" / "gold" / "wcxb-dev-4449.txt"
PROJECTS = ["Industrial Pipe Bookshelf", "Reclaimed Wood Arrows", "DIY Lanterns", "Rustic Fireplace Mantel",
            "Cornhole Boards", "DIY Murphy Bed"]

ON = Engine.load(Options(doc_time_limit=0))
# keep.introduced (tests/test_introduced.py) off too: it would keep the first item, under
# "... my friends' favorite projects are:", by itself.
OFF = Engine.load(Options(doc_time_limit=0, list_keep_probability=1.0, introduced_min_words=0))


def _clean(path: Path, engine: Engine):
    return clean_bytes(path.read_bytes(), path.name, engine)


def test_the_items_of_a_list_page_are_kept_between_its_body_lines():
    gold = LIST_GOLD.read_text("utf-8")
    on, off = _clean(LIST_PAGE, ON), _clean(LIST_PAGE, OFF)
    kept = [d for d in on.decisions if d.rule == "keep.between_body"]
    assert [d.text for d in kept] == PROJECTS
    assert all(d.keep and name in gold for d, name in zip(kept, PROJECTS))
    assert all("between body lines" in d.reason and "body probability" in d.reason for d in kept)
    # Without the rule the model removes them; each run of them (in the page's non-blank
    # lines) has lines the model keeps as body right above and below it, the first under
    # "... my friends' favorite projects are:".
    off_rule = {d.line: d.rule for d in off.decisions}
    assert all(off_rule[d.line] == "model.chrome" for d in kept)
    nonblank = [n for n, text in enumerate(on.lines, 1) if text.strip()]
    rescued = {d.line for d in kept}
    kept_off = set(off.metadata["lines_kept"])
    for k, n in enumerate(nonblank):
        if n in rescued:
            above, below = nonblank[k - 1], nonblank[k + 1]
            assert above in rescued or above in kept_off
            assert below in rescued or below in kept_off
    first = nonblank.index(kept[0].line)
    assert on.lines[nonblank[first - 1] - 1].endswith("projects are:")
    before, after = score_page("off", "wcxb", off.body, gold), score_page("on", "wcxb", on.body, gold)
    assert after.tok_r > before.tok_r and after.tok_f1 > before.tok_f1
    assert after.tok_p == before.tok_p == 1.0
    # keep.between_body decides first; without it the sentence ending in a colon still
    # takes back the block right under it (the first project's name), and only that.
    intro = _clean(LIST_PAGE, Engine.load(Options(doc_time_limit=0, list_keep_probability=1.0)))
    assert [d.text for d in intro.decisions if d.rule == "keep.introduced"] == PROJECTS[:1]


def test_the_clean_list_page_is_a_fixed_point():
    first = _clean(LIST_PAGE, ON)
    second = clean_text(first.body, ON)
    assert second.metadata["removed"] == []
    assert second.body == first.body


def test_pages_of_prose_paragraphs_are_left_as_they_were():
    """The news pages of tests/data/pages: their bodies are prose paragraphs, so the rule
    keeps nothing there (the captions and teasers between paragraphs stay removed)."""
    for path in sorted((DATA / "pages" / "text").glob("sh-*.txt")):
        on, off = _clean(path, ON), _clean(path, OFF)
        assert not any(d.rule == "keep.between_body" for d in on.decisions), path.name
        assert on.body == off.body, path.name


def test_the_settings_and_the_off_switch():
    assert (Options().list_keep_probability, Options().list_page_share) == (0.25, 0.6)
    off = _clean(LIST_PAGE, OFF)
    high_share = _clean(LIST_PAGE, Engine.load(Options(doc_time_limit=0, list_page_share=1.0)))
    assert not any(d.rule == "keep.between_body" for d in off.decisions)
    # A page qualifies only when enough of its body lines are not prose paragraphs.
    assert not any(d.rule == "keep.between_body" for d in high_share.decisions)
