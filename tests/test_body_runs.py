"""keep.between_cohesive and keep.header_run (pipeline/classify.py): body the line model
drops, taken back when it sits in a run of lines that speak the article's vocabulary.
Real pages with gold (tests/data/body_runs, tests/data/header_body), the shipped model."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from pipeline.evaluate import norm_line, score_page
from pipeline.options import Options
from pipeline.process import Engine, clean_text

DATA = Path(__file__).resolve().parent / "data"


def _page(folder: str, page: str) -> tuple[str, str]:
    return ((DATA / folder / "text" / f"{page}.txt").read_text("utf-8"),
            (DATA / folder / "gold" / f"{page}.txt").read_text("utf-8"))


def _engine(**changes) -> Engine:
    return Engine.load(dataclasses.replace(Options(doc_time_limit=0), **changes))


def _gold_lines(gold: str) -> set[str]:
    return {norm_line(line) for line in gold.split("\n") if line.strip()}


def _rules(result, rule: str) -> list[str]:
    return [d.text for d in result.decisions if d.rule == rule]


# The shipped model was trained on these pages and keeps their body itself; a stricter
# threshold makes it drop runs of body lines, as the fold models do on unseen sites.
STRICT = {"line_model_threshold": 0.9}


def test_runs_between_body_lines_that_speak_the_article_are_kept():
    on, off = _engine(**STRICT), _engine(**STRICT, between_min_lines=0)
    for page in ("readability-dropbox-blog", "readability-royal-road"):
        text, gold = _page("body_runs", page)
        with_rule, without = clean_text(text, on), clean_text(text, off)
        kept = _rules(with_rule, "keep.between_cohesive")
        assert len(kept) >= 8, page
        assert all(norm_line(line) in _gold_lines(gold) for line in kept), page
        assert not _rules(without, "keep.between_cohesive")
        f1_on = score_page(page, "readability", with_rule.body, gold).tok_f1
        f1_off = score_page(page, "readability", without.body, gold).tok_f1
        assert f1_on > f1_off + 0.005, page


def test_the_header_run_that_continues_the_article_is_kept():
    for folder, page, least in (("header_body", "readability-tumblr", 10), ("body_runs", "wcxb-dev-1781", 2)):
        text, gold = _page(folder, page)
        on, off = clean_text(text, _engine()), clean_text(text, _engine(header_run_min_lines=0))
        kept = _rules(on, "keep.header_run")
        assert len(kept) >= least, page
        assert all(norm_line(line) in _gold_lines(gold) for line in kept), page
        assert not _rules(off, "keep.header_run")
        assert set(kept) <= set(_rules(off, "position.header"))
        assert score_page(page, "x", on.body, gold).tok_f1 > score_page(page, "x", off.body, gold).tok_f1 + 0.05
    text, _ = _page("body_runs", "wcxb-dev-1781")
    byline = clean_text(text, _engine())
    assert "Dr. Allen" in _rules(byline, "position.header")  # the byline above the run stays removed


def test_bodies_with_kept_runs_are_fixed_points():
    for folder, page, engine in (("header_body", "readability-tumblr", _engine()),
                                 ("body_runs", "wcxb-dev-1781", _engine()),
                                 ("body_runs", "readability-dropbox-blog", _engine(**STRICT)),
                                 ("body_runs", "readability-royal-road", _engine(**STRICT))):
        first = clean_text(_page(folder, page)[0], engine)
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
    result = clean_text(text, _engine())
    assert {"World news", "Sports"} <= set(_rules(result, "position.header"))
    assert not _rules(result, "keep.clean_header")
