"""A cookie-consent dialog kept around the article (pipeline/consent.py,
`position.consent`) on real pages of tests/data/consent.

On sites it has never seen, the line model keeps such a dialog (its paragraphs read as
prose); the shipped model was trained on these very pages and removes them itself. So
the rule is tested on the pages' lines as the rules alone keep them (no line model: the
whole text from the first paragraph on is kept, the footer left closed), which is the
case the rule is for: what it removes is chrome by the gold and the page's score rises;
an article about cookies keeps its paragraphs; the whole pipeline still cleans the pages
and its clean body stays a fixed point."""
from __future__ import annotations

from conftest import DATA
from pipeline.classify import classify
from pipeline.consent import RULE, is_consent_line, is_consent_prompt, mark_consent
from pipeline.evaluate import score_page
from pipeline.language import detect, stopwords
from pipeline.options import Options
from pipeline.process import Engine, clean_bytes, clean_text

CONSENT = DATA / "consent"


def _rules_only(page_id: str):
    lines = (CONSENT / "text" / f"{page_id}.txt").read_text("utf-8").split("\n")
    options = Options()
    page = detect(lines, options.language_sample_chars, options.language_seed)
    lexicon = Engine.load(options).lexicon.for_site(None, None)
    return classify(lines, page, lexicon, stopwords(page.code), use_model=False, footer_max_body_ratio=0.0,
                    footer_prose_check=True)


def _body(result) -> str:
    return "\n\n".join(result.lines[n - 1] for n in result.kept_numbers()) + "\n"


def _gold(page_id: str) -> str:
    return (CONSENT / "gold" / f"{page_id}.txt").read_text("utf-8")


def _f1(page_id: str, body: str) -> float:
    return score_page(page_id, "fundus", body, _gold(page_id)).tok_f1


def test_consent_words_in_compounds_and_other_scripts():
    assert is_consent_line("cookielawinfo-checkbox-analytics 11 months This cookie is set by GDPR Cookie Consent plugin.")
    assert is_consent_line("Wir verwenden Drittanbieter-Cookies")
    assert is_consent_line("当サイトではクッキーを使用します")
    assert not is_consent_line("The court issued an advisory opinion.")
    assert is_consent_prompt("We and our 100 partners store and/or access information on a device, such as cookies.")
    assert not is_consent_prompt("Pour an egg-nog, grab the cookies, and get a towel.")


def test_a_cookie_table_longer_than_the_article_is_removed():
    # fundus-za-DailyMaverick-20250522: the plugin's dialog and table of cookies
    # outweigh the article, so no footer rule could open at "Cookie Settings"
    page = "fundus-za-DailyMaverick-20250522"
    result = _rules_only(page)
    before = _body(result)
    mark_consent(result, min_lines=3)
    removed = [d for d in result.decisions.values() if d.rule == RULE]
    assert len(removed) > 50
    gold = _gold(page)
    assert not any(d.text in gold for d in removed)
    assert _f1(page, _body(result)) > _f1(page, before) + 0.1


def test_the_consent_paragraphs_after_a_footer_link_are_removed():
    # fundus-us-Reuters-20230516: "Cookies, opens new tab" (a short link label) above the
    # dialog does not stop it; the dialog's paragraphs go
    page = "fundus-us-Reuters-20230516"
    result = _rules_only(page)
    before = _body(result)
    mark_consent(result, min_lines=3)
    removed = [d.text for d in result.decisions.values() if d.rule == RULE]
    assert any(text.startswith("When you visit our website, we store cookies") for text in removed)
    gold = _gold(page)
    assert not any(text in gold for text in removed)
    assert _f1(page, _body(result)) > _f1(page, before)


def test_an_article_about_cookies_keeps_its_paragraphs():
    # readability-aclu: an article on web tracking names third-party cookies in several
    # close paragraphs, after a sentence naming them higher up: its own subject
    result = _rules_only("readability-aclu")
    mark_consent(result, min_lines=3)
    assert not any(d.rule == RULE for d in result.decisions.values())


def test_the_rule_can_be_turned_off():
    result = _rules_only("fundus-za-DailyMaverick-20250522")
    mark_consent(result, min_lines=0)
    assert not any(d.rule == RULE for d in result.decisions.values())


def test_the_whole_pipeline_cleans_the_pages_and_the_body_is_a_fixed_point():
    for page in ("fundus-za-DailyMaverick-20250522", "fundus-us-Reuters-20230516", "readability-aclu"):
        path = CONSENT / "text" / f"{page}.txt"
        result = clean_bytes(path.read_bytes(), name=path.name, engine=Engine.load(Options()))
        assert _f1(page, result.body) > 0.9
        again = clean_text(result.body)
        assert not [d for d in again.decisions if not d.keep]
        assert again.body == result.body


def test_the_embed_consent_box_of_german_publishers_is_chrome():
    # two sites, one template: the box standing in for an embedded video or post until
    # the reader allows it (pipeline/data/lexicon/multi.toml, `embed_consent`)
    for page, first in (("fundus-de-Gamestar-20240428", "Empfohlener redaktioneller Inhalt"),
                        ("fundus-de-DieZeit-20230428", "Empfohlener redaktioneller Inhalt")):
        path = CONSENT / "text" / f"{page}.txt"
        result = clean_bytes(path.read_bytes(), name=path.name, engine=Engine.load(Options()))
        removed = [d.text for d in result.decisions if d.rule == "lexicon.embed_consent"]
        assert first in removed and len(removed) >= 4
        assert any(text.startswith("Ich bin damit einverstanden, dass mir") for text in removed)
        gold = _gold(page)
        assert not any(text in gold for text in removed)
        assert "einverstanden" not in result.body
