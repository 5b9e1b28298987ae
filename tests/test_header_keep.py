"""A header-zone line the line model reads as body is kept (`keep.header_body`, from
`header_keep_probability`, 0.6 since the fourth round of 2026-12-02), and the settle pass,
which reads the clean body again by the rules alone, leaves it kept: before, it took the
line away again as page header, so the option changed no page (docs/quality.md)."""
from __future__ import annotations

from conftest import PAGES
from pipeline.options import Options
from pipeline.process import Engine
from pipeline.single import clean_one

PAGE = PAGES / "text" / "sh-c4a3637c6696f238.txt"
LEAD = "Характеристики бега можно увеличить за счет кодов"


def _line_of(text: str) -> int:
    return PAGE.read_text("utf-8").split("\n").index(text) + 1


def test_the_lead_above_the_first_paragraph_is_kept():
    # sh-c4a3637c6696f238 (tests/data/pages): a Russian how-to whose gold starts with a
    # short lead line (no full stop) above the first long paragraph; the line model reads
    # it as body, the header position alone would remove it
    gold = (PAGES / "gold" / "sh-c4a3637c6696f238.txt").read_text("utf-8")
    assert gold.startswith(LEAD + "\n")
    n = _line_of(LEAD)
    page = clean_one(str(PAGE), engine=Engine.load(Options()))
    assert n in page.metadata["lines_kept"]
    assert page.body.startswith(LEAD + "\n")
    # never kept: the position removes it (the rules' page header)
    never = clean_one(str(PAGE), engine=Engine.load(Options(header_keep_probability=1.0)))
    assert n not in never.metadata["lines_kept"]
    # and the menu above it stays removed in both
    assert _line_of("Таблица нормативов") not in page.metadata["lines_kept"]
