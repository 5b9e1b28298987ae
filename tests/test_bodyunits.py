"""keep.wrapped_paragraph and keep.bullet_run (pipeline/bodyunits.py): a hard-wrapped
paragraph and a bullet list are one unit, kept together. Real page excerpts with their
gold (tests/data/bodyunits, tests/data/header_body), the shipped model."""
from __future__ import annotations

from conftest import assert_fixed_point, engine_with, page_with_gold
from pipeline.bodyunits import bullet_runs, wrap_width, wrapped_paragraphs
from pipeline.evaluate import norm_line, score_page
from pipeline.normalise import normalise
from pipeline.options import Options
from pipeline.process import clean_text


def _rules(result, rule: str) -> list[str]:
    return [d.text for d in result.decisions if d.rule == rule]


def _in_gold(line: str, gold: str) -> bool:
    # WCXB's gold joins a wrapped paragraph into one line: a kept line is a piece of it
    return norm_line(line) in norm_line(" ".join(gold.split()))


def test_the_wrap_width_is_read_from_hard_wrapped_pages_only():
    widths = {page: wrap_width(normalise(page_with_gold(folder, page)[0]).split("\n"))
              for folder, page in (("bodyunits", "readability-ietf-1"), ("bodyunits", "wcxb-dev-0086"),
                                   ("bodyunits", "sh-156770d676ce7990"), ("header_body", "readability-tumblr"))}
    assert widths == {"readability-ietf-1": 68, "wcxb-dev-0086": 78,  # an RFC (72, indent cut), a post
                      "sh-156770d676ce7990": None, "readability-tumblr": None}
    lines = normalise(page_with_gold("bodyunits", "readability-ietf-1")[0]).split("\n")
    paragraphs = wrapped_paragraphs(lines, 68)
    assert list(range(15, 22)) in paragraphs  # the abstract: 7 lines, the last one short
    assert all(p == list(range(p[0], p[-1] + 1)) for p in paragraphs)  # none runs past a blank line
    spaced = "\n\n".join(line for line in lines if line).split("\n")  # the clean body's layout
    assert len(wrapped_paragraphs(spaced, 68)) == len(paragraphs)


def test_a_wrapped_paragraph_is_kept_whole():
    for page in ("readability-ietf-1", "wcxb-dev-0086"):
        text, gold = page_with_gold("bodyunits", page)
        on, off = clean_text(text, engine_with()), clean_text(text, engine_with(wrapped_paragraphs=False))
        kept = _rules(on, "keep.wrapped_paragraph")
        assert len(kept) >= 2, page
        assert all(_in_gold(line, gold) for line in kept), page
        assert not _rules(off, "keep.wrapped_paragraph")
    text, gold = page_with_gold("bodyunits", "wcxb-dev-0086")
    on, off = clean_text(text, engine_with()), clean_text(text, engine_with(wrapped_paragraphs=False))
    assert score_page("w", "x", on.body, gold).tok_f1 > score_page("w", "x", off.body, gold).tok_f1


def test_a_wrapped_paragraph_that_reads_as_prose_opens_the_article():
    # The RFC's lines alone are all too short for a paragraph (12 words ending a
    # sentence): no line opens the article and nothing positional is removed. Its
    # wrapped abstract reads as prose and opens it; the masthead above is the header.
    text, _ = page_with_gold("bodyunits", "readability-ietf-1")
    on, off = clean_text(text, engine_with()), clean_text(text, engine_with(wrapped_paragraphs=False))
    assert _rules(on, "keep.body_start") == ["This draft describes a protocol by which client-side applications,"]
    assert "remoteStorage" in _rules(on, "position.header")
    assert not _rules(off, "keep.body_start") and _rules(off, "keep.no_body_found")


def test_a_bullet_list_mostly_kept_is_kept_whole():
    text, gold = page_with_gold("header_body", "readability-tumblr")
    on, off = clean_text(text, engine_with()), clean_text(text, engine_with(bullet_run_share=0.0))
    kept = _rules(on, "keep.bullet_run")
    assert len(kept) >= 20
    assert all(_in_gold(line, gold) for line in kept)
    assert not _rules(off, "keep.bullet_run")
    assert score_page("t", "x", on.body, gold).tok_f1 > score_page("t", "x", off.body, gold).tok_f1 + 0.1


def test_a_chrome_menu_of_bullets_stays_removed():
    text, _ = page_with_gold("bodyunits", "sh-156770d676ce7990")
    lines = normalise(text).split("\n")
    menu = [run for marker, run in bullet_runs(lines) if marker == "-"]
    assert len(menu) == 1 and len(menu[0]) == 13  # "- Campaign" ... "- Become A Contributor"
    result = clean_text(text, engine_with())
    assert not _rules(result, "keep.bullet_run")
    removed = {d.line for d in result.decisions if not d.keep}
    assert set(menu[0]) <= removed


def test_bodies_with_kept_units_are_fixed_points():
    for folder, page in (("bodyunits", "readability-ietf-1"), ("bodyunits", "wcxb-dev-0086"),
                         ("header_body", "readability-tumblr")):
        first = clean_text(page_with_gold(folder, page)[0], engine_with())
        assert_fixed_point(first, page)


def test_the_options_are_checked():
    for bad in ({"bullet_run_share": 1.5}, {"bullet_run_share": -0.1}, {"wrapped_paragraphs": 1}):
        try:
            Options(**bad)
        except ValueError as error:
            assert str(error).startswith(next(iter(bad)))
        else:
            raise AssertionError(bad)
