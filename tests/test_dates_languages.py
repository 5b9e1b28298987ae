"""Dates in other languages than English (pipeline/dates.py with pipeline/data/months.json),
read from real lines of the test pages: each line is looked up in its page, then read."""
from __future__ import annotations

import json
from importlib import resources

import pytest

from conftest import DATA, SEEDS
from pipeline.dates import _PATTERNS, _month_numbers, dates_in, find_dates
from pipeline.metadates import find_moments


def _line_of(page: str, text: str) -> str:
    """The page's line holding `text` (the test fails if the page has none)."""
    for line in (DATA / page).read_text("utf-8").splitlines():
        if text in line:
            return line
    raise AssertionError(f"{page} has no line with {text!r}")


@pytest.mark.parametrize("page, text, values", [
    # de: day. month year, "um" and "Uhr" round the time
    ("comments/text/fundus-de-NetzpolitikOrg-20240428.txt", "28. April 2024 um 10:17", ["2024-04-28T10:17"]),
    ("consent/text/fundus-de-DieZeit-20230428.txt", "Aktualisiert am 28. April 2023", ["2023-04-28T20:22"]),
    ("meta/text/fundus-de-Correctiv-20260524.txt", "21. Mai 2026", ["2026-05-21"]),
    # de, tr, pl: dotted day.month.year
    ("meta/text/fundus-de-Bild-20230515.txt", "15.05.2023 - 13:52 Uhr", ["2023-05-15T13:52"]),
    ("encodings/fundus-tr-NTVTR-20240430.txt", "Son Güncelleme : 30.04.2024", ["2024-04-30T16:49"]),
    ("encodings/fundus-pl-Rzeczpospolita-20260419.txt", "Aktualizacja: 19.04.2026",
     ["2026-04-19T19:45", "2026-04-19T19:05"]),
    # sv: weekday, day month year
    ("meta/text/fundus-se-Aftonbladet-20260108.txt", "torsdag 8 januari 2026", ["2026-01-08"]),
    ("captions/text/fundus-se-Aftonbladet-20260802.txt", "söndag 2 augusti 2026", ["2026-08-02"]),
    # ja, zh, ko: year-month-day with 年月日 / 년월일, or dotted / slashed year first
    ("captions/text/fundus-jp-TokyoShimbun-20250113.txt", "2025年1月13日", ["2025-01-13T20:01"]),
    ("encodings/readability-qq.txt", "TNW中文站2016年10月14日", ["2016-10-14T07:17"]),
    ("pages/text/sh-9da36ae4714bfccc.txt", "2012년 11월 06일", ["2012-11-06"]),
    ("captions/text/fundus-kr-HankookIlbo-20260712.txt", "입력 2026.07.12", ["2026-07-12T22:09"]),
    ("comments/text/readability-pixnet.txt", "#1 小鳳 於 2013/12/28", ["2013-12-28T10:28"]),
])
def test_dates_of_other_languages_on_real_lines(page, text, values):
    line = _line_of(page, text)
    assert [d.value for d in find_dates(line)] == values
    assert dates_in(line) == tuple(find_dates(line))


@pytest.mark.parametrize("line, value", [
    # Lines of dev pages (readability-folha, sh-11ea381ad92b5448, readability-cnet-svg,
    # readability-videos-2, fundus-it-IlGiornale, sh-3c6d3381ef52ca26, fundus-no-NRK,
    # fundus-se-Expressen), and the forms of languages the dev set lacks.
    ("21.dez.2018 às 12h55", "2018-12-21T12:55"),
    ("sexta-feira, 22 de outubro de 2010 às 20:13", "2010-10-22T20:13"),
    ("1 de diciembre de 2017 3:00 AM PST", "2017-12-01T03:00:00-08:00"),
    ("1 mars 2019 à 15:20", "2019-03-01T15:20"),
    ("Marco Pizzorno 4 Febbraio 2025 - 14:41", "2025-02-04T14:41"),
    ("Текст: Венера Ерофеева·24 сентября 2018", "2018-09-24"),
    ("Publisert 05.08.2024, kl. 13.05", "2024-08-05T13:05"),
    ("Publicerad 23 okt 2025 kl 10.23", "2025-10-23T10:23"),
    ("12 mars 2024 à 14h05", "2024-03-12T14:05"),
    ("3 травня 2024", "2024-05-03"),
    ("3 Μαΐου 2024", "2024-05-03"),
    ("2024. május 3. 14:05", "2024-05-03T14:05"),
    ("3 tháng 12 năm 2024", "2024-12-03"),
    ("3. toukokuuta 2024", "2024-05-03"),
    ("3 ARALIK 2024", "2024-12-03"),
    ("5. května 2024", "2024-05-05"),
    ("3 mai 2024", "2024-05-03"),
    ("Diterbitkan 3 Agustus 2024", "2024-08-03"),
    # Arabic (and the Levantine names), Urdu, Hebrew, Hindi, Bengali, Thai (the Buddhist
    # era's year: 2567 is 2024), as their news sites write a published date
    ("نشر في 5 ديسمبر 2024 - 14:30", "2024-12-05T14:30"),
    ("آخر تحديث: 12 تشرين الأول 2023", "2023-10-12"),
    ("اپ ڈیٹ 10 جنوری 2025", "2025-01-10"),
    ("פורסם: 5 בדצמבר 2024, 10:30", "2024-12-05T10:30"),
    ("अपडेटेड: 5 दिसंबर 2024, 10:30 AM", "2024-12-05T10:30"),
    ("प्रकाशित: 12 मई 2025", "2025-05-12"),
    ("প্রকাশিত: 12 মে 2024", "2024-05-12"),
    ("วันที่ 5 ธ.ค. 2567 14:30 น.", "2024-12-05T14:30"),
    ("5 ธันวาคม 2567", "2024-12-05"),
    # in the script's own digits (read as ASCII ones, the same spans)
    ("نشر في ٥ ديسمبر ٢٠٢٤ - ١٤:٣٠", "2024-12-05T14:30"),
    ("প্রকাশ: ৫ ডিসেম্বর ২০২৪", "2024-12-05"),
    ("۱۰ جنوری ۲۰۲۵", "2025-01-10"),
    ("๕ ธ.ค. ๒๕๖๗", "2024-12-05"),
])
def test_dates_of_other_languages_read_to_iso(line, value):
    assert [d.value for d in find_dates(line)] == [value]
    assert dates_in(line) == tuple(find_dates(line))


@pytest.mark.parametrize("line", [
    # A month word without a day and a year is not a date.
    "Im Mai wurde das Gesetz im Bundestag beschlossen, die Länder stimmten zu.",
    "Der Mai 2024 war der wärmste seit Beginn der Messungen.",
    "La sonde a atteint Mars après sept mois de voyage.",
    "Mars 2024 : la planète rouge au plus près de la Terre.",
    "François Hollande se rendra à Doha le 4 mai afin d'assister à la signature du contrat.",
    # Slashed day/month numbers are never read (12/01 is 1 December or 12 January).
    "Publié le 12/01/2024 à 10:05",
    # A year-first date inside a URL path, a dotted version number.
    "https://www.example.com/2024/12/03/a-story.html",
    "Firmware 1.2.2024.5 and 10.11.2025.3",
    # A Buddhist era's year needs a Thai month before it: a price or a count is no year.
    "ราคา 2567 บาท", "It sold 2567 copies on 5 sales days.",
])
def test_month_words_and_numbers_that_are_not_dates(line):
    assert find_dates(line) == []


def test_english_dates_read_as_before():
    """The English patterns run first: their reading of these lines is unchanged."""
    assert [d.value for d in find_dates("Monday, November 24, 2025")] == ["2025-11-24"]
    assert [d.value for d in find_dates("13 Jan, 2026")] == ["2026-01-13"]
    assert [d.value for d in find_dates("Sept. 5, 2019 at 3:30 p.m. EDT")] == ["2019-09-05T15:30:00-04:00"]


def test_month_names_are_data_and_each_names_one_month():
    data = json.loads((resources.files("pipeline") / "data" / "months.json").read_text("utf-8"))
    numbers: dict[str, int] = {}
    for language, table in data["languages"].items():
        assert table["date_order"] in ("DMY", "YMD"), language
        assert len(table["months"]) == 12, language
        for number, names in enumerate(table["months"], 1):
            for name in names:
                assert name == name.lower(), (language, name)
                assert numbers.setdefault(name, number) == number, (language, name)
                assert _month_numbers(table["date_order"])[name] == number


def test_seed_lines_read_no_new_dates():
    """On the seeds' lines every date found is one an English pattern reads at the same
    place: the other languages' patterns add nothing there (the seeds' output stays byte
    for byte the same)."""
    checked = 0
    for seed in sorted(SEEDS.glob("*.txt")):
        for line in seed.read_text("utf-8").splitlines():
            english = {(m.start(), m.end()) for p in _PATTERNS for m in p.finditer(line)}
            for found in find_dates(line):
                assert (found.start, found.end) in english, (seed.name, line)
                checked += 1
    assert checked >= 8  # the seeds hold 8 dates


@pytest.mark.parametrize("line, language, day", [
    # wcxb-dev-0366 (English) writes its published date "09.10.2024" for 10 September.
    ("09.10.2024", "en", "2024-09-10"),
    ("09.10.2024", "de", "2024-10-09"),
    ("25.06.2019", "en", "2019-06-25"),  # 25 is no month: day first on any page
    ("05.05.2024", "en", "2024-05-05"),
])
def test_dotted_dates_on_english_pages_read_month_first_where_ambiguous(line, language, day):
    assert find_moments(line, language)[0].day.isoformat() == day


def test_every_month_name_is_read_as_its_month():
    # a name the patterns' word cannot be (a mark in it: Hindi's "सितंबर"; under three
    # letters: "मई"; a dot: Thai's "ธ.ค.") is read by the alternation, each in its
    # language's order, and Thai's with the Buddhist era's year too
    data = json.loads((resources.files("pipeline") / "data" / "months.json").read_text("utf-8"))
    checked = 0
    for language, table in data["languages"].items():
        for number, names in enumerate(table["months"], 1):
            for name in names:
                year = " năm 2024" if name[-1].isdigit() else " 2024"  # "tháng 1 năm 2024", as vi writes it
                lines = [f"5 {name}{year}"] if table["date_order"] == "DMY" else [f"2024. {name} 5."]
                lines += [f"5 {name} 2567"] if table.get("era") == "buddhist" else []
                for line in lines:
                    assert [d.value for d in find_dates(line)] == [f"2024-{number:02d}-05"], (language, line)
                    checked += 1
    assert checked > 400