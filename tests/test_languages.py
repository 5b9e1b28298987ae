"""Pages whose language the stoplists miss (tests/data/languages): the article is still
found by its shape and the line model, not kept whole with the page's menus."""
from __future__ import annotations

from conftest import DATA
from pipeline.evaluate import score_page
from pipeline.process import clean_text

PAGES = DATA / "languages"


def test_a_page_with_the_wrong_stoplist_still_gets_its_header_removed(engine):
    # Zulu, detected as Swahili: no line has a Swahili stopword share, so before
    # 2026-12-02 "no paragraph looks like prose" kept all 90 menu lines with the article.
    page = "fundus-za-EyethuNews-20251125"
    text = (PAGES / "text" / f"{page}.txt").read_text("utf-8")
    gold = (PAGES / "gold" / f"{page}.txt").read_text("utf-8")
    result = clean_text(text, engine)
    assert result.metadata["language"] != "zu"  # the case this is about: a wrong stoplist
    removed = {r["text"]: r["rule"] for r in result.metadata["removed"]}
    for menu in ("Amajuba", "Used Cars For Sale", "Durban University of Technology: Your gateway to a brighter future"):
        assert removed.get(menu) == "position.header", menu
    # the article's first paragraph opens the body
    first = next(line for line in gold.split("\n") if line.startswith("Uhlalele ovalweni"))
    assert first in result.body.split("\n")
    assert "keep.no_body_found" not in result.metadata["rules"]
    score = score_page(page, "fundus", result.body, gold)
    assert score.tok_p > 0.8 and score.tok_r > 0.9, score
