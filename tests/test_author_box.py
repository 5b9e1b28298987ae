"""The writer's bio box at the end of the article (pipeline/authorbox.py,
`position.author_box`) on real pages of tests/data/author_box.

The line model keeps these boxes (their lines read as prose), the gold bodies leave them
out; the rule finds them by the byline's name, read from the same page."""
from __future__ import annotations

from conftest import DATA
from pipeline.authorbox import RULE, mark_author_box
from pipeline.classify import classify
from pipeline.evaluate import score_page
from pipeline.language import detect, stopwords
from pipeline.options import Options
from pipeline.process import Engine, clean_text

BOXES = DATA / "author_box"
CR_MAIDS = "wcxb-dev-0128"  # byline "by Karina Cohen | May 19, 2024", her box under the article
RESTAURANT = "wcxb-dev-0153"  # byline "By Lisa Jennings", her bio line under the tags


def _text(page_id: str) -> str:
    return (BOXES / "text" / f"{page_id}.txt").read_text("utf-8")


def _gold(page_id: str) -> str:
    return (BOXES / "gold" / f"{page_id}.txt").read_text("utf-8")


def _f1(page_id: str, body: str) -> float:
    return score_page(page_id, "wcxb", body, _gold(page_id)).tok_f1


def test_the_writers_box_is_removed_and_the_score_rises():
    engine = Engine.load()
    off = Engine.load(Options(author_box_max_after=0))
    for page_id, first in ((CR_MAIDS, "Karina Cohen"), (RESTAURANT, "Lisa Jennings is a veteran restaurant")):
        result = clean_text(_text(page_id), engine)
        assert result.metadata["author"] in first
        removed = [d.text for d in result.removed if d.rule == RULE]
        assert removed and removed[0].startswith(first)
        gold = _gold(page_id)
        assert not any(text in gold for text in removed)
        without = clean_text(_text(page_id), off)
        assert not [d for d in without.removed if d.rule == RULE]
        assert _f1(page_id, result.body) > _f1(page_id, without.body)
        assert clean_text(result.body, engine).body == result.body  # the clean body is a fixed point


def test_the_box_goes_on_with_the_paragraphs_naming_the_writer():
    removed = [d.text for d in clean_text(_text(CR_MAIDS), Engine.load()).removed if d.rule == RULE]
    assert removed[0] == "Karina Cohen"
    assert removed[1].startswith("Karina Cohen is the owner of CR Maids")
    assert any(text.startswith("Karina holds a Global Executive MBA") for text in removed)
    assert any(text.startswith("When she’s not leading CR Maids, Karina") for text in removed)


def _model_read(page_id: str):
    lines = _text(page_id).split("\n")
    options = Options()
    page = detect(lines, options.language_sample_chars, options.language_seed)
    lexicon = Engine.load(options).lexicon.for_site(None, None)
    return classify(lines, page, lexicon, stopwords(page.code))


def test_only_a_full_name_near_the_end():
    result = _model_read(CR_MAIDS)
    kept = result.kept_numbers()
    mark_author_box(result, ["Karina"], None, 6)  # one word opens many a sentence: not enough
    mark_author_box(result, [], None, 6)
    assert result.kept_numbers() == kept
    mark_author_box(result, ["Karina Cohen"], 50, 0)  # 0: off
    assert result.kept_numbers() == kept
    box = [n for n in kept if result.lines[n - 1].startswith("Karina Cohen")]
    after = len([n for n in kept if n > box[0]])
    mark_author_box(result, ["Karina Cohen"], 50, after - 1)  # the box's first line too far from the end
    assert box[0] in result.kept_numbers()
    mark_author_box(result, ["Karina Cohen"], 50, after)
    assert box[0] not in result.kept_numbers()
    assert result.decisions[box[0]].rule == RULE


HARBERSON = "wcxb-dev-4617"  # byline "By Sara Harberson In", box heading "About Sara Harberson"
NADALIM = "sh-23aaecd14171f96c"  # Portuguese: heading "Sobre Carlos Nadalim", bio naming him later


def test_a_section_after_the_byline_is_not_part_of_the_name():
    result = clean_text(_text(HARBERSON), Engine.load())
    assert result.metadata["author"] == "Sara Harberson"


def test_the_boxs_heading_goes_with_it():
    engine = Engine.load()
    off = Engine.load(Options(author_box_max_after=0))
    for page_id, heading in ((HARBERSON, "About Sara Harberson"), (NADALIM, "Sobre Carlos Nadalim")):
        result = clean_text(_text(page_id), engine)
        removed = [d for d in result.removed if d.rule == RULE]
        assert removed[0].text.strip() == heading
        # The bio under the heading goes too, and nothing of the gold.
        assert len(removed) >= 2 and heading.split(" ", 1)[1] in removed[1].text
        gold = _gold(page_id)
        assert not any(d.text.strip() in gold for d in removed)
        without = clean_text(_text(page_id), off)
        assert heading in without.body
        assert _f1(page_id, result.body) > _f1(page_id, without.body)
        assert clean_text(result.body, engine).body == result.body  # the clean body is a fixed point
