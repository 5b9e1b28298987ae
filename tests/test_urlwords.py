"""The page's URL as evidence for the title and the published day (pipeline/urlwords.py,
pipeline/metadata.py; docs/metadata.md, twenty-fifth round): on the real pages of
tests/data/meta with their real URLs, given as a JSONL input's `url` field; the body
never depends on the URL, and nothing changes without one."""
import json
from datetime import date

import pytest

from conftest import DATA, SEEDS
from pipeline.options import Options
from pipeline.process import clean_bytes
from pipeline.runner import run
from pipeline.urlwords import slug_share, slug_words, trim_to_slug, url_day

META_PAGES = DATA / "meta"
PAGE_IDS = sorted(p.stem for p in (META_PAGES / "text").glob("*.txt"))


def _url(page_id: str) -> str:
    return json.loads((META_PAGES / "gold" / f"{page_id}.json").read_text("utf-8"))["url"]


@pytest.mark.parametrize("url, words", [
    # the dev pages' URLs: the slug is the last segment of three words or more
    ("https://venturebeat.com/2019/11/18/new-york-state-attorney-general-investigating-wework-and-former-ceo/",
     ("new", "york", "state", "attorney", "general", "investigating", "wework", "and", "former", "ceo")),
    # accents folded, German's ü written ue; the id and the trailing section left out
    ("https://www.n-tv.de/politik/Trump-spricht-nach-Tanker-Stuermung-ueber-Bodeneinsaetze-id30134161.html",
     ("trump", "spricht", "nach", "tanker", "stuermung", "ueber", "bodeneinsaetze")),
    ("https://www.kicker.de/interimstrainer-schubert-nicht-mehr-viel-zu-verlieren-1019241/artikel#omrss",
     ("interimstrainer", "schubert", "nicht", "mehr", "viel", "zu", "verlieren")),
    # the section names three words too; the slug follows it
    ("https://extension.umn.edu/planting-and-growing-guides/lighting-indoor-plants", ("lighting", "indoor", "plants")),
    # no slug: an id, a two-word segment
    ("https://www.kommersant.ru/doc/7715044", ()),
    ("https://pmc.ncbi.nlm.nih.gov/articles/PMC9902068/", ()),
    (None, ()),
])
def test_slug_words_of_real_urls(url, words):
    assert slug_words(url) == words


@pytest.mark.parametrize("url, day", [
    ("https://venturebeat.com/2019/11/18/new-york-state-attorney-general-investigating-wework-and-former-ceo/",
     date(2019, 11, 18)),
    ("https://www.dailymaverick.co.za/article/2026-01-06-joburg-has-failed-its-informal-traders", date(2026, 1, 6)),
    ("https://www.nine.com.au/world-news/usa/supreme-court-upholds-birthright-citizenship-20260701-p60bhj.html",
     date(2026, 7, 1)),
    # seven digits of an id are no day ("2070077"), nor a year and month alone
    ("https://www.nettavisen.no/kjendis/david-eriksen-dukket-opp-da-tone-damli-fodte-darlig-timing/s/5-95-2070077", None),
    ("https://www.nextgov.com/ideas/2025/12/making-agentic-government-work/410242", None),
    ("https://www.kommersant.ru/doc/7715044", None),
])
def test_url_day_of_real_urls(url, day):
    assert url_day(url) == day


def test_a_title_line_and_the_slug():
    words = slug_words("https://www.bridgestonetire.com/learn/maintenance/ultimate-car-maintenance-checklist/")
    assert slug_share(words, ["The", "Ultimate", "Car", "Maintenance", "Checklist"]) == (1.0, 1.0)
    assert slug_share(words, ["Bridgestone", "Tires"]) == (0.0, 0.0)
    # the site's name after the headline holds none of the slug's words: cut off
    assert trim_to_slug("The Ultimate Car Maintenance Checklist | Bridgestone Tires", words) == \
        ("The Ultimate Car Maintenance Checklist", ["Bridgestone Tires"])
    # a subtitle after a colon is the headline's own (slugs drop them): never cut
    assert trim_to_slug("Ultimate Car Maintenance Checklist: Ten Steps", words) == \
        ("Ultimate Car Maintenance Checklist: Ten Steps", [])


def _run(tmp_path, name: str, with_url: bool) -> dict[str, dict]:
    corpus = tmp_path / f"{name}.jsonl"
    corpus.write_text("".join(json.dumps({"id": page_id, "text": (META_PAGES / "text" / f"{page_id}.txt").read_text("utf-8"),
                                          **({"url": _url(page_id)} if with_url else {})}) + "\n"
                              for page_id in PAGE_IDS), "utf-8")
    run([str(corpus)], tmp_path / name, Options(doc_time_limit=0))
    return {page_id: {"meta": json.loads((tmp_path / name / f"{page_id}.json").read_text("utf-8")),
                      "body": (tmp_path / name / f"{page_id}.txt").read_text("utf-8")} for page_id in PAGE_IDS}


def test_jsonl_urls_are_evidence_and_the_body_does_not_move(tmp_path):
    plain, with_url = _run(tmp_path, "plain", False), _run(tmp_path, "url", True)
    for page_id in PAGE_IDS:
        a, b = plain[page_id], with_url[page_id]
        assert a["body"] == b["body"]
        assert [(d["line"], d["text"]) for d in a["meta"]["removed"]] == [(d["line"], d["text"]) for d in b["meta"]["removed"]]
        assert b["meta"]["url"] == _url(page_id)
    # Bild: the title read holds the slug's words, and says so; shown as before
    bild = with_url["fundus-de-Bild-20230515"]["meta"]
    assert bild["title"] == plain["fundus-de-Bild-20230515"]["meta"]["title"] == \
        "Bubi-Bomber wieder da: Thioune fordert Geduld mit Niemiec"
    assert "its words in the URL" in bild["metadata_evidence"]["title"]["signals"]
    assert bild["metadata_evidence"]["title"]["how"].endswith(", its words in the URL")
    # Correctiv: /2026/05/21/ in the URL is the day under the title too
    correctiv = with_url["fundus-de-Correctiv-20260524"]["meta"]
    assert correctiv["published"].startswith("2026-05-21")
    evidence = correctiv["metadata_evidence"]["published"]
    assert "the day in the URL too" in evidence["signals"] and evidence["how"].endswith(", the same day in the URL")
    assert evidence["confidence"] > plain["fundus-de-Correctiv-20260524"]["meta"]["metadata_evidence"]["published"]["confidence"]
    # no URL signal without a URL
    for page in plain.values():
        assert not any("URL" in s for ev in page["meta"]["metadata_evidence"].values() for s in ev.get("signals", []))


def test_the_day_in_the_url_where_the_text_gives_another(engine):
    """Seed 003 prints its publication stamp (2025-06-04, 12:42 IST) under the title; the
    same day in a URL confirms it (its time and zone stand), a day apart is a zone's
    difference (the text's stands), a day months away gives the URL's day, the text's
    reading kept in the evidence. Its body is the same whatever the URL."""
    raw = (SEEDS / "003_3ee7487b8204e483.txt").read_bytes()
    plain = clean_bytes(raw, "003.txt", engine)
    same = clean_bytes(raw, "003.txt", engine, url="https://www.example.in/news/2025/06/04/article-of-the-day/")
    near = clean_bytes(raw, "003.txt", engine, url="https://www.example.in/news/2025-06-03/article-of-the-day/")
    other = clean_bytes(raw, "003.txt", engine, url="https://www.example.in/news/20250201/article-of-the-day/")
    assert plain.body == same.body == near.body == other.body
    assert plain.metadata["published"] == same.metadata["published"] == near.metadata["published"] == \
        "2025-06-04T12:42:00+05:30"
    assert "the day in the URL too" in same.metadata["metadata_evidence"]["published"]["signals"]
    assert "a day from the URL's" in near.metadata["metadata_evidence"]["published"]["signals"]
    assert other.metadata["published"] == "2025-02-01" and other.metadata["published_from"] == "the day in the URL"
    evidence = other.metadata["metadata_evidence"]["published"]
    assert evidence["line"] is None and "2025-06-04T12:42:00+05:30" in evidence["how"]
    assert "another day in the text" in evidence["signals"]
