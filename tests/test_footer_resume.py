"""A footer marker below which the article resumes opens no footer (classify's
_article_resumes): a widget inside the article, on a real dev page (tests/data/footer)."""
from conftest import engine_with, page_with_gold
from pipeline.evaluate import score_page
from pipeline.process import clean_text

PAGE = "wcxb-dev-0094"
LATER = "Madry pointed out another example in which a machine learning algorithm"


def _clean(**changes):
    text, gold = page_with_gold("footer", PAGE)
    return clean_text(text, engine_with(**changes)), gold


def test_the_article_below_a_related_articles_box_is_kept():
    result, gold = _clean()
    removed = {d.text.strip(): d for d in result.removed}
    # The box's title goes, the paragraphs below it stay (its three teaser titles stay
    # too here: the line model reads them as body, and no footer takes them now).
    assert removed["Related Articles"].rule == "lexicon.widget_header"
    assert LATER in result.body
    assert not any("after the footer marker 'Related Articles' on line 223" in d.reason for d in result.removed)
    # Off, the box opens the footer and the rest of the article is lost.
    off, _ = _clean(footer_resume_lines=0)
    assert LATER not in off.body
    assert any("after the footer marker 'Related Articles' on line 223" in d.reason for d in off.removed)
    on_f1 = score_page(PAGE, "", result.body, gold).tok_f1
    off_f1 = score_page(PAGE, "", off.body, gold).tok_f1
    assert on_f1 > off_f1 + 0.05 and on_f1 > 0.9


def test_the_real_footer_still_opens():
    result, _ = _clean()
    footer = [d for d in result.removed if d.rule == "position.footer"]
    assert footer and all(d.line > 223 for d in footer)
