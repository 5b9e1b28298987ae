"""The user's five pages clean to their gold bodies and metadata."""
import pytest

from conftest import SEEDS, SEED_GOLD, gold_meta, seed_ids
from pipeline.document import Status
from pipeline.process import clean_bytes


@pytest.mark.parametrize("seed_id", seed_ids())
def test_seed_body_equals_gold(seed_id, engine):
    result = clean_bytes((SEEDS / f"{seed_id}.txt").read_bytes(), f"{seed_id}.txt", engine)
    assert result.status is Status.CLEANED
    assert result.body == (SEED_GOLD / f"{seed_id}.txt").read_text("utf-8")


@pytest.mark.parametrize("seed_id", seed_ids())
def test_seed_metadata_equals_gold(seed_id, engine):
    result = clean_bytes((SEEDS / f"{seed_id}.txt").read_bytes(), f"{seed_id}.txt", engine)
    gold = gold_meta(seed_id)
    for key in ("title", "author", "published", "language"):
        assert result.metadata[key] == gold[key], key
    for key in ("site_name", "description"):
        if key in gold:
            assert result.metadata[key] == gold[key], key
    assert result.metadata["lines_kept"] == gold["body_lines"]


def test_every_removed_line_has_rule_and_reason(engine):
    for seed_id in seed_ids():
        result = clean_bytes((SEEDS / f"{seed_id}.txt").read_bytes(), f"{seed_id}.txt", engine)
        for removed in result.metadata["removed"]:
            assert removed["rule"] and "." in removed["rule"]
            assert removed["reason"].strip()
            assert removed["text"].strip()


def test_excerpt_without_chrome_loses_nothing_and_gets_no_title(engine):
    seed_id = "004_d30738805927d43f"
    result = clean_bytes((SEEDS / f"{seed_id}.txt").read_bytes(), f"{seed_id}.txt", engine)
    assert result.metadata["removed"] == []
    assert result.metadata["title"] is None


def test_published_date_is_kept_apart_from_the_page_date(engine):
    result = clean_bytes((SEEDS / "003_3ee7487b8204e483.txt").read_bytes(), "003.txt", engine)
    assert result.metadata["published"] == "2025-06-04T12:42:00+05:30"
    assert result.metadata["page_date"] == "2025-11-26T13:41:00+05:30"


def test_news_stream_copy_of_the_article_is_removed_as_duplicate(engine):
    result = clean_bytes((SEEDS / "000_e6a63afea518df2a.txt").read_bytes(), "000.txt", engine)
    rules = {r["line"]: r["rule"] for r in result.metadata["removed"]}
    assert rules[22] == "dup.title"
    assert rules[23] == "dup.body_repeat"
