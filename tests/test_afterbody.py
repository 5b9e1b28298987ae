"""Stray short lines below the article (pipeline/afterbody.py, `position.after_article`)
on real pages of tests/data: what the rule removes is chrome by the gold, the page's
score rises, the rule can be turned off, and the clean body stays a fixed point."""
from __future__ import annotations

from conftest import DATA
from pipeline.afterbody import RULE, stretches
from pipeline.evaluate import score_page
from pipeline.options import Options
from pipeline.process import Engine, clean_bytes, clean_text

COMMENTS = DATA / "comments"


def _clean(page_id: str, **options):
    path = COMMENTS / "text" / f"{page_id}.txt"
    return clean_bytes(path.read_bytes(), name=path.name, engine=Engine.load(Options(**options)))


def _f1(page_id: str, body: str) -> float:
    gold = (COMMENTS / "gold" / f"{page_id}.txt").read_text("utf-8")
    return score_page(page_id, "sh", body, gold).tok_f1


def test_guides_teased_below_the_article_are_removed():
    # sh-232a43fb15abde80 (macrumors.com): after the article, a "Related Roundup" widget,
    # then guide teasers ("iOS 13: Dark Mode" ...) whose titles the model keeps alone
    # between removed lines; they share no word with the MacBook article.
    # (position.after_comments, which takes every kept line below the comment section, off:
    # this rule alone is measured)
    page = "sh-232a43fb15abde80"
    on, off = _clean(page, after_comments_share=0), _clean(page, stray_max_words=0, after_comments_share=0)
    removed = [d for d in on.decisions if d.rule == RULE]
    assert [d.text for d in removed] == ["iOS 13: Dark Mode", "iOS 13: Health and Activity", "iOS 13: Photos"]
    gold = (COMMENTS / "gold" / f"{page}.txt").read_text("utf-8")
    assert not any(d.text in gold for d in removed)
    assert all("sharing 0 of its" in d.reason for d in removed)
    assert not any(d.rule == RULE for d in off.decisions)
    assert _f1(page, on.body) > _f1(page, off.body)


def test_the_clean_body_is_a_fixed_point():
    result = _clean("sh-232a43fb15abde80")
    again = clean_text(result.body)
    assert not [d for d in again.decisions if not d.keep]
    assert again.body == result.body


def test_stretches_split_at_removed_lines():
    # German page (fundus-de-NetzpolitikOrg-20240428): the author box below the article,
    # "Carla Siepmann" and her contact line, stands alone and shares no word with it
    # (with the byline's name read, position.author_box takes her name line first: off here)
    result = _clean("fundus-de-NetzpolitikOrg-20240428", author_box_max_after=0)
    kept = {d.line for d in result.decisions if d.keep}
    numbers = [d.line for d in result.decisions]
    decided = {d.line: d for d in result.decisions}
    runs = stretches(decided, numbers)
    assert [n for run in runs for n in run] == sorted(kept)
    for a, b in zip(runs, runs[1:]):
        assert any(not decided[n].keep for n in numbers if a[-1] < n < b[0])
    assert {d.text for d in result.decisions if d.rule == RULE} == {
        "Carla Siepmann", "Kontakt: carla_siepmann@mailbox.org, @CarlaSiepmann"}


def test_the_author_box_rule_takes_the_writers_name_first():
    result = _clean("fundus-de-NetzpolitikOrg-20240428")
    rules = {d.text: d.rule for d in result.decisions if not d.keep}
    assert rules["Carla Siepmann"] == "position.author_box"
    assert rules["Kontakt: carla_siepmann@mailbox.org, @CarlaSiepmann"] == RULE
