"""A news stream above the article whose first teaser joins the article's opening
paragraphs (classify's _article_below, rule position.stream), on a real page
(tests/data/stream)."""
from conftest import engine_with, page_with_gold
from pipeline.evaluate import score_page
from pipeline.process import clean_text

PAGE = "readability-yahoo-2"
OPENING = "MOSCOW (AP) — An unmanned Russian cargo spaceship heading to the International Space Station"
OTHER_STORY = "Fashion designer Tom Ford has announced that he would not be dressing future first lady"


def _clean(**changes):
    text, gold = page_with_gold("stream", PAGE)
    return clean_text(text, engine_with(**changes)), gold


def test_the_article_opens_below_the_stream():
    result, gold = _clean()
    first = result.body.splitlines()[0]
    assert first.startswith(OPENING)
    assert OTHER_STORY not in result.body
    by_text = {d.text.strip(): d for d in result.removed}
    teaser = next(d for t, d in by_text.items() if t.startswith("An unmanned Russian cargo spaceship"))
    # The teaser itself is then named for what it is, a copy of the article's paragraphs.
    assert teaser.rule == "dup.body_repeat"
    other = next(d for t, d in by_text.items() if t.startswith(OTHER_STORY))
    assert other.rule == "position.stream"
    assert f"teaser on line {teaser.line} repeats the article's opening on line" in other.reason
    # Off, the teaser opens the body and the article's opening paragraphs go as
    # near-copies of it.
    off, _ = _clean(stream_copy_share=2.0)
    assert not any(d.rule == "position.stream" for d in off.removed)
    assert off.body.startswith("An unmanned Russian cargo spaceship") and OPENING not in off.body
    # The article's paragraphs are all kept, each once, in the gold's order.
    article = [p for p in gold.split("\n\n") if p.startswith(("MOSCOW (AP)", "The Progress MS-04", "Local people"))]
    assert len(article) == 3
    positions = [result.body.find(p) for p in article]
    assert -1 not in positions and positions == sorted(positions)
    assert all(result.body.count(p) == 1 for p in article)


def test_a_summary_right_above_the_article_is_its_own():
    # The first paragraph joins the next two, with nothing between: a summary, not a
    # stream (fewer than three body lines between), so nothing moves.
    para1 = ("The city council voted on Tuesday to expand the river park along the old harbour, "
             "after two years of public hearings on its cost and design.")
    para2 = ("The plan adds three kilometres of footpaths and a cycle lane that will link the "
             "northern districts with the centre by the end of next year.")
    summary = para1 + " " + para2
    lines = ["Local News", "", summary, "", para1, "", para2, "",
             "Work is expected to begin in the spring, once the last contracts have been signed by the council."]
    result = clean_text("\n".join(lines), engine_with())
    assert not any(d.rule == "position.stream" for d in result.removed)
    assert result.body.splitlines()[0] == summary
