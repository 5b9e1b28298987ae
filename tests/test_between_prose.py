"""keep.between_prose (pipeline/midprose.py): a paragraph of prose, once on the page,
that the line model removed near its threshold between two kept lines is kept. A real
page with its gold (tests/data/between_prose/wcxb-dev-4441: a newsletter post), the
shipped model."""
from __future__ import annotations

from conftest import assert_fixed_point, decided_by, engine_with, gold_line_set, page_with_gold
from pipeline.evaluate import norm_line, score_page
from pipeline.midprose import _stops
from pipeline.process import clean_text

PAGE = "wcxb-dev-4441"
LINE = "I export them as PDFs or text files and upload them to ChatGPT."


def test_the_paragraph_between_two_kept_paragraphs_is_kept():
    text, gold = page_with_gold("between_prose", PAGE)
    on, off = clean_text(text, engine_with()), clean_text(text, engine_with(between_prose_probability=0.0))
    kept = decided_by(on, "keep.between_prose")
    assert [d.text for d in kept] == [LINE]
    assert norm_line(kept[0].text) in gold_line_set(gold)
    assert kept[0].line in {d.line for d in decided_by(off, "model.chrome")}  # only what the model removed
    assert not decided_by(off, "keep.between_prose")
    # the nearest lines above and below are kept, and were kept without the rule too
    above = max(d.line for d in on.decisions if d.line < kept[0].line)
    below = min(d.line for d in on.decisions if d.line > kept[0].line)
    for d in off.decisions:
        if d.line in (above, below):
            assert d.keep
    f1_on = score_page(PAGE, "wcxb", on.body, gold).tok_f1
    f1_off = score_page(PAGE, "wcxb", off.body, gold).tok_f1
    assert f1_on > f1_off + 0.01


def test_a_paragraph_the_model_scores_lower_stays_removed():
    text, _ = page_with_gold("between_prose", PAGE)
    assert not decided_by(clean_text(text, engine_with(between_prose_probability=0.5)), "keep.between_prose")


def test_a_paragraph_printed_twice_stays_removed():
    # the same paragraph printed again at the page's end: no longer once on the page
    text, _ = page_with_gold("between_prose", PAGE)
    assert not decided_by(clean_text(text + "\n\n" + LINE + "\n", engine_with()), "keep.between_prose")


def test_a_line_ending_in_a_bare_quotation_mark_is_no_sentence():
    assert _stops('He said: "We will build it."')
    assert _stops("It works (mostly).")
    assert not _stops('Trump dismisses health rumors and accuses the media of being "sick"')
    assert not _stops("A heading with no mark")


def test_the_body_with_the_paragraph_is_a_fixed_point():
    first = clean_text(page_with_gold("between_prose", PAGE)[0], engine_with())
    assert decided_by(first, "keep.between_prose")
    assert_fixed_point(first)
