"""What a page prints below its reader comments is no article (pipeline/comments.py,
`position.after_comments`): real pages of tests/data/comments with their gold, the
shipped model and options."""
from __future__ import annotations

import pytest
from conftest import engine_with, gold_line_set, page_with_gold
from pipeline.comments import AFTER_RULE, RULE
from pipeline.evaluate import norm_line, score_page
from pipeline.process import clean_text

# sh-232a43fb15abde80 (macrumors.com, English): a guide box ("iPhone 11 vs iPhone 11 Pro"
# and its blurb) under "[ 167 comments ]"; fundus-fr-LeFigaro-20241122 (French): teasers
# of other stories ("REPORTAGE - ...") under "10 commentaires". The line model keeps some
# of their lines as prose.
PAGES = {"sh-232a43fb15abde80": "sh", "fundus-fr-LeFigaro-20241122": "fundus"}


def _decided(result, rule: str) -> list:
    return [d for d in result.decisions if d.rule == rule]


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_lines_kept_below_the_comment_section_are_removed(page):
    text, gold = page_with_gold("comments", page)
    on = clean_text(text, engine_with())
    off = clean_text(text, engine_with(after_comments_share=0))
    removed = _decided(on, AFTER_RULE)
    assert removed and not _decided(off, AFTER_RULE)
    last_comment = max(d.line for d in _decided(on, RULE))
    assert all(d.line > last_comment for d in removed)
    # they were kept without the rule, and none is in the gold body
    kept_off = {d.line for d in off.decisions if d.keep}
    assert {d.line for d in removed} <= kept_off
    gold_lines = gold_line_set(gold)
    assert not any(norm_line(d.text) in gold_lines for d in removed)
    # nothing below the comments is left; above them, the body is as it was
    assert not [d for d in on.decisions if d.keep and d.line > last_comment]
    assert [d.line for d in on.decisions if d.keep] == sorted(n for n in kept_off if n < last_comment)
    assert score_page(page, PAGES[page], on.body, gold).tok_f1 > \
        score_page(page, PAGES[page], off.body, gold).tok_f1 + 0.02


def test_lines_below_outweighing_the_article_above_stay():
    # the guard: with the kept words above the first section required to be 1,000 times
    # those below, the rule leaves the page as it was (an article below a section found
    # above it is not cut)
    text, _ = page_with_gold("comments", "sh-232a43fb15abde80")
    guarded = clean_text(text, engine_with(after_comments_share=1000))
    off = clean_text(text, engine_with(after_comments_share=0))
    assert not _decided(guarded, AFTER_RULE)
    assert guarded.body == off.body


def test_a_page_without_lines_below_its_comments_is_unchanged():
    # fundus-de-NetzpolitikOrg-20240428: 12 comments, nothing kept below them
    text, _ = page_with_gold("comments", "fundus-de-NetzpolitikOrg-20240428")
    on = clean_text(text, engine_with())
    assert _decided(on, RULE) and not _decided(on, AFTER_RULE)
    assert on.body == clean_text(text, engine_with(after_comments_share=0)).body


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_body_is_a_fixed_point(page):
    text, _ = page_with_gold("comments", page)
    engine = engine_with()
    first = clean_text(text, engine)
    assert _decided(first, AFTER_RULE)
    again = clean_text(first.body, engine)
    assert again.metadata["removed"] == []
    assert again.body == first.body
