"""Header-zone lines the line model reads as body (`header_keep_probability`), on a real
page of tests/data/header_body, and the clean body's fixed point with them kept.

A line above the article's first prose paragraph is page header (`position.header`)
unless the model scores it at least `header_keep_probability` (`keep.header_body`). The
clean body is read again by the rules alone (one paragraph a line: no model), where such
a line stands above the first paragraph again; there the header zone is kept
(`keep.clean_header`) so that cleaning the clean body removes nothing."""
from __future__ import annotations

import dataclasses

from conftest import DATA
from pipeline.evaluate import score_page
from pipeline.options import Options
from pipeline.process import Engine, clean_text

PAGE = "readability-tumblr"


def _text() -> str:
    return (DATA / "header_body" / "text" / f"{PAGE}.txt").read_text("utf-8")


def _gold() -> str:
    return (DATA / "header_body" / "gold" / f"{PAGE}.txt").read_text("utf-8")


def _engine(header_keep_probability: float) -> Engine:
    # keep.header_run (tests/test_header_run.py) off: these tests are about the option alone
    return Engine.load(dataclasses.replace(Options(), header_keep_probability=header_keep_probability,
                                           header_run_min_lines=0))


def _f1(body: str) -> float:
    return score_page(PAGE, "readability", body, _gold()).tok_f1


def _rules(result, rule: str) -> list[str]:
    return [d.text for d in result.decisions if d.rule == rule]


def test_the_list_above_the_first_paragraph_is_header_when_never_kept():
    result = clean_text(_text(), _engine(1.0))
    header = _rules(result, "position.header")
    assert "+ Added Slime Block" in header
    assert not _rules(result, "keep.header_body")


def test_header_lines_the_model_reads_as_body_are_kept_and_are_the_article():
    never = clean_text(_text(), _engine(1.0))
    result = clean_text(_text(), _engine(0.6))
    kept = _rules(result, "keep.header_body")
    assert len(kept) >= 30 and "+ Added Slime Block" in kept
    gold = _gold()
    assert all(line in gold for line in kept)
    assert "Powered by Tumblr" not in result.body  # the blog's header is still removed
    assert _f1(result.body) > _f1(never.body) + 0.3


def test_the_clean_body_with_kept_header_lines_is_a_fixed_point():
    engine = _engine(0.6)
    first = clean_text(_text(), engine)
    second = clean_text(first.body, engine)
    assert second.metadata["removed"] == []
    assert second.body == first.body
    assert "+ Added Slime Block" in _rules(second, "keep.clean_header")


def test_a_clean_layout_text_loses_its_header_when_header_lines_are_never_kept():
    # The rules-only reading keeps the header zone only when header lines can be kept:
    # with 1.0 a paragraph-per-line text's header is removed as before.
    text = "\n\n".join(["Site Name", "Home", "World news",
                        "The government said on Monday that the new rules for the export of minerals "
                        "will take effect in the spring, after months of talks.",
                        "Officials said the measures were needed to protect supply for the industry."]) + "\n"
    never = clean_text(text, _engine(1.0))
    assert "World news" in _rules(never, "position.header")
    kept = clean_text(text, _engine(0.6))
    assert "World news" in _rules(kept, "keep.clean_header")


def test_real_pages_stay_fixed_points_with_header_lines_kept():
    engine = _engine(0.6)
    pages = [path for folder in ("pages", "comments", "languages", "consent", "header_body")
             for path in sorted((DATA / folder / "text").glob("*.txt"))]
    checked = 0
    for path in pages:
        first = clean_text(path.read_text("utf-8"), engine)
        if first.status.name != "CLEANED":
            continue
        second = clean_text(first.body, engine)
        assert second.metadata["removed"] == [], path.name
        assert second.body == first.body, path.name
        checked += 1
    assert checked >= 10
