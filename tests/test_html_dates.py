"""HTML mode, the published date (pipeline/html_headline.py `headline_dates`,
pipeline/metadata.py `_published_beside_headline`): trafilatura's date gives way to the
date the page prints beside its <h1> when that date is not trafilatura's; an "Updated"
date there is never taken. Real dev pages in tests/data/html_dates/ with their gold."""
import gzip
import json

import pytest

from conftest import DATA
from pipeline.comments import html_lines
from pipeline.evaluate_meta import field_right
from pipeline.html_headline import headline_dates, page_headline
from pipeline.metadata import _published_beside_headline
from pipeline.process import clean_bytes

PAGES = DATA / "html_dates"


def _page(folder, page_id: str, engine):
    markup = gzip.decompress((folder / f"{page_id}.html.gz").read_bytes())
    gold = json.loads((folder / f"{page_id}.json").read_text("utf-8"))
    return markup.decode("utf-8"), gold, clean_bytes(markup, f"{page_id}.html", engine).metadata


@pytest.mark.parametrize("page_id, shown_line", [
    ("wcxb-dev-0019", "Dec 12, 2025"),  # trafilatura: 2025-12-02
    ("wcxb-dev-0056", "Friday, December 19, 2025"),  # trafilatura: 2025-06-23
])
def test_the_date_beside_the_headline_wins_over_another_trafilatura_date(page_id, shown_line, engine):
    markup, gold, meta = _page(PAGES, page_id, engine)
    assert field_right("published", meta["published"], gold["date"]), meta["published"]
    how = meta["metadata_evidence"]["published"]["how"]
    assert how.startswith("HTML metadata: the date beside the page's <h1>") and f"('{shown_line}')" in how
    assert "trafilatura's date" in how and "is not shown there" in how
    assert meta["published_from"] == "HTML metadata: the date beside the page's <h1>"
    dates = headline_dates(html_lines(markup), page_headline(markup), meta["language"])
    assert dates[0] == (meta["published"], shown_line)


def test_an_updated_date_beside_the_headline_is_not_the_published_date(engine):
    markup, gold, meta = _page(PAGES, "wcxb-dev-0246", engine)
    lines = [" ".join(line.split()) for line in html_lines(markup)]
    headline = page_headline(markup)
    at = lines.index(headline)
    updated = [line for line in lines[at:at + 12] if line.startswith("Updated") and "2025" in line]
    assert updated  # the page shows "Updated ... 2025" under its headline
    assert all(iso[:4] != "2025" for iso, _ in headline_dates(lines, headline, "en"))
    assert meta["published"] == gold["date"] == "2024-08-01"
    assert meta["metadata_evidence"]["published"]["how"] == "HTML metadata (trafilatura)"


def test_trafilaturas_date_stands_when_the_page_shows_it_beside_the_headline(engine):
    # junge Welt prints 26.04.2024 above its headline; trafilatura reads the same day.
    markup, _, meta = _page(DATA / "meta_html", "fundus-de-JungeWelt-20240426", engine)
    dates = headline_dates(html_lines(markup), page_headline(markup), "de")
    assert any(iso == "2024-04-26" for iso, _ in dates)
    assert meta["published"] == "2024-04-26" and meta["published_from"] == "HTML metadata"


def test_a_day_apart_is_a_time_zone_and_trafilaturas_date_stands():
    how = "HTML metadata (trafilatura)"
    assert _published_beside_headline("2024-12-03", how, [("2024-12-04", "2024/12/04")]) == ("2024-12-03", how)
    value, why = _published_beside_headline("2024-12-03", how, [("2024-12-09", "9 December 2024")])
    assert value == "2024-12-09" and "9 December 2024" in why
    assert _published_beside_headline(None, how, [])[0] is None
    assert _published_beside_headline(None, how, [("2024-12-09", "9 December 2024")])[0] == "2024-12-09"
