"""HTML input: sniffed from content, extracted by trafilatura, then line-cleaned."""
import gzip
import json
import re
from collections import Counter

import pytest

from conftest import PAGES
from pipeline.document import Status
from pipeline.extract import looks_like_html
from pipeline.process import clean_bytes

IDS = sorted(p.name.removesuffix(".html.gz") for p in (PAGES / "html").glob("*.html.gz"))


def token_f1(pred: str, gold: str) -> float:
    p, g = Counter(re.findall(r"\w+", pred.lower())), Counter(re.findall(r"\w+", gold.lower()))
    overlap = sum((p & g).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(g.values())
    return 2 * precision * recall / (precision + recall)


@pytest.mark.parametrize("page_id", IDS)
def test_html_page_is_extracted_close_to_gold(page_id, engine):
    markup = gzip.decompress((PAGES / "html" / f"{page_id}.html.gz").read_bytes())
    result = clean_bytes(markup, f"{page_id}.html", engine)
    assert result.status is Status.CLEANED
    assert result.metadata["format"] == "html"
    assert result.metadata["extractor"] in {"trafilatura", "justext"}
    gold = (PAGES / "gold" / f"{page_id}.txt").read_text("utf-8")
    assert token_f1(result.body, gold) > 0.75


def test_html_is_sniffed_from_content_not_the_name(engine):
    markup = gzip.decompress((PAGES / "html" / "wcxb-dev-4500.html.gz").read_bytes())
    assert looks_like_html(markup)
    as_txt = clean_bytes(markup, "saved-page.txt", engine)
    assert as_txt.metadata["format"] == "html"
    gold = json.loads((PAGES / "gold" / "wcxb-dev-4500.json").read_text("utf-8"))
    assert as_txt.metadata["title"] and gold["title"].split(":")[0] in as_txt.metadata["title"]


def test_text_dump_is_not_taken_for_html():
    text = (PAGES / "text" / "wcxb-dev-4500.txt").read_bytes()
    assert not looks_like_html(text)
