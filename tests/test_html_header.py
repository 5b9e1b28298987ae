"""HTML mode keeps the lines above the first paragraph of trafilatura's text: trafilatura
has already cut the page header, and the header-position rule (a text-dump rule) removed
ledes and lists there (docs/comments-and-html.md)."""
import gzip
from dataclasses import replace
from pathlib import Path

from pipeline.options import Options
from pipeline.process import Engine, clean_bytes

DATA = Path(__file__).parent / "data" / "html_header"
MATERIALS = ["Planter saucer, small shallow dish or desired platform", "Floral foam oasis", "Ruler", "Spoon",
             "Floral wire pins or paper clips", "Small plants (from a florist or nursery)", "Moss", "Tweezers"]


def _clean(engine):
    markup = gzip.decompress((DATA / "readability-ehow-1.html.gz").read_bytes())
    return clean_bytes(markup, "readability-ehow-1.html", engine)


def test_html_keeps_the_list_above_the_first_paragraph(engine):
    gold = (DATA / "readability-ehow-1.gold.txt").read_text("utf-8")
    result = _clean(engine)
    kept = {d.text.lstrip("- "): d.rule for d in result.kept}
    for item in MATERIALS:
        assert item in gold
        assert kept.get(item) == "keep.html_header", item
    assert not [d for d in result.removed if d.rule == "position.header"]


def test_the_header_rule_still_applies_to_html_when_asked():
    engine = Engine.load(replace(Options(), html_header_position=True))
    result = _clean(engine)
    removed = {d.text.lstrip("- "): d.rule for d in result.removed}
    assert all(removed.get(item) == "position.header" for item in MATERIALS)
    assert not [d for d in result.kept if d.rule == "keep.html_header"]
