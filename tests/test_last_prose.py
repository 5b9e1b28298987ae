"""keep.last_prose (pipeline/lastprose.py): a paragraph of prose right below the
article's last kept line, removed by the line model near its threshold, speaking the
article's words, is kept. A real page with its gold (tests/data/last_prose/wcxb-dev-0177:
a security office's ten tips), the shipped model."""
from __future__ import annotations

from conftest import assert_fixed_point, decided_by, engine_with, gold_line_set, page_with_gold
from pipeline.evaluate import norm_line, score_page
from pipeline.process import clean_text

PAGE = "wcxb-dev-0177"


def test_the_last_tip_s_paragraph_is_kept():
    text, gold = page_with_gold("last_prose", PAGE)
    on, off = clean_text(text, engine_with()), clean_text(text, engine_with(last_prose_probability=0.0))
    kept = decided_by(on, "keep.last_prose")
    gold_lines = gold_line_set(gold)
    assert len(kept) == 1 and kept[0].text.startswith("Back up regularly")
    assert norm_line(kept[0].text) in gold_lines
    assert kept[0].line in {d.line for d in decided_by(off, "model.chrome")}  # only what the model removed
    assert not decided_by(off, "keep.last_prose")
    # right below the article's last kept line (the tip's heading), and the last kept line
    by_line = {d.line: d for d in on.decisions}
    above = max(n for n in by_line if n < kept[0].line)
    assert by_line[above].keep and by_line[above].text == "Tip #10 - Back up your data"
    assert not any(d.keep for d in on.decisions if d.line > kept[0].line)  # "Topics" ends it: no prose
    f1_on = score_page(PAGE, "wcxb", on.body, gold).tok_f1
    f1_off = score_page(PAGE, "wcxb", off.body, gold).tok_f1
    assert f1_on > f1_off + 0.01


def test_a_paragraph_the_model_scores_lower_stays_removed():
    text, _ = page_with_gold("last_prose", PAGE)
    assert not decided_by(clean_text(text, engine_with(last_prose_probability=0.5)), "keep.last_prose")


def test_a_paragraph_in_other_words_stays_removed():
    # all of its content words the article's prose must not have (a share of 1.0)
    text, _ = page_with_gold("last_prose", PAGE)
    assert not decided_by(clean_text(text, engine_with(last_prose_share=1.0)), "keep.last_prose")


def test_the_body_with_the_last_paragraph_is_a_fixed_point():
    first = clean_text(page_with_gold("last_prose", PAGE)[0], engine_with())
    assert decided_by(first, "keep.last_prose")
    assert_fixed_point(first)
