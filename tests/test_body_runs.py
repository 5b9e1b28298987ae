"""keep.between_cohesive and keep.header_run (pipeline/classify.py): body the line model
drops, taken back when it sits in a run of lines that speak the article's vocabulary.
Real pages with gold (tests/data/body_runs, tests/data/header_body), the shipped model."""
from __future__ import annotations

from conftest import engine_with, gold_line_set, page_with_gold
from pipeline.evaluate import norm_line, score_page
from pipeline.process import clean_text


def _rules(result, rule: str) -> list[str]:
    return [d.text for d in result.decisions if d.rule == rule]


# The shipped model was trained on these pages and keeps their body itself; a stricter
# threshold makes it drop runs of body lines, as the fold models do on unseen sites.
STRICT = {"line_model_threshold": 0.9}


def test_runs_between_body_lines_that_speak_the_article_are_kept():
    on, off = engine_with(**STRICT), engine_with(**STRICT, between_min_lines=0)
    for page in ("readability-dropbox-blog", "readability-royal-road"):
        text, gold = page_with_gold("body_runs", page)
        with_rule, without = clean_text(text, on), clean_text(text, off)
        kept = _rules(with_rule, "keep.between_cohesive")
        assert len(kept) >= 8, page
        assert all(norm_line(line) in gold_line_set(gold) for line in kept), page
        assert not _rules(without, "keep.between_cohesive")
        f1_on = score_page(page, "readability", with_rule.body, gold).tok_f1
        f1_off = score_page(page, "readability", without.body, gold).tok_f1
        assert f1_on > f1_off + 0.005, page


def test_the_header_run_that_continues_the_article_is_kept():
    for folder, page, least in (("header_body", "readability-tumblr", 10), ("body_runs", "wcxb-dev-1781", 2)):
        text, gold = page_with_gold(folder, page)
        on, off = clean_text(text, engine_with()), clean_text(text, engine_with(header_run_min_lines=0))
        kept = _rules(on, "keep.header_run")
        assert len(kept) >= least, page
        assert all(norm_line(line) in gold_line_set(gold) for line in kept), page
        assert not _rules(off, "keep.header_run")
        assert set(kept) <= set(_rules(off, "position.header"))
        assert score_page(page, "x", on.body, gold).tok_f1 > score_page(page, "x", off.body, gold).tok_f1 + 0.05
    text, _ = page_with_gold("body_runs", "wcxb-dev-1781")
    byline = clean_text(text, engine_with())
    assert "Dr. Allen" in _rules(byline, "position.header")  # the byline above the run stays removed


def test_bodies_with_kept_runs_are_fixed_points():
    for folder, page, engine in (("header_body", "readability-tumblr", engine_with()),
                                 ("body_runs", "wcxb-dev-1781", engine_with()),
                                 ("body_runs", "readability-dropbox-blog", engine_with(**STRICT)),
                                 ("body_runs", "readability-royal-road", engine_with(**STRICT))):
        first = clean_text(page_with_gold(folder, page)[0], engine)
        second = clean_text(first.body, engine)
        assert second.metadata["removed"] == [], page
        assert second.body == first.body, page


def test_a_menu_a_clean_layout_text_brings_is_still_its_header():
    # Read by the rules alone, a header run is kept only when it speaks the body's words
    # (the fixed point of a kept header run); a menu above the article is removed.
    text = "\n\n".join(["Site Name", "Home", "World news", "Sports",
                        "The government said on Monday that the new rules for the export of minerals "
                        "will take effect in the spring, after months of talks.",
                        "Officials said the measures were needed to protect supply for the industry."]) + "\n"
    result = clean_text(text, engine_with())
    assert {"World news", "Sports"} <= set(_rules(result, "position.header"))
    assert not _rules(result, "keep.clean_header")
