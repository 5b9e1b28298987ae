"""Photo galleries in text dumps (pipeline/gallery.py: `position.gallery`,
`position.gallery_counter`) on real pages of tests/data/gallery.

The rule reads the decisions the other rules left; it is tested on the pages' lines as
the rules alone keep them (no line model: the whole text from the first paragraph on is
kept, as the line model of a site it has not seen keeps a gallery's captions), and on
the whole pipeline."""
from __future__ import annotations

from conftest import DATA
from pipeline.classify import classify
from pipeline.evaluate import score_page
from pipeline.gallery import COUNTER_RULE, RULE, counter, galleries, mark_galleries
from pipeline.language import detect, stopwords
from pipeline.options import Options
from pipeline.process import Engine, clean_text

GALLERY = DATA / "gallery"
INDEPENDENT = "readability-bug-1255978"  # a hotel article with "Business news in pictures" inside it
SPACE = "sh-c50845a7158af12e"  # moon landers, with a gallery of the landers


def _text(page_id: str) -> str:
    return (GALLERY / "text" / f"{page_id}.txt").read_text("utf-8")


def _gold(page_id: str) -> str:
    return (GALLERY / "gold" / f"{page_id}.txt").read_text("utf-8")


def _rules_only(text: str):
    lines = text.split("\n")
    options = Options()
    page = detect(lines, options.language_sample_chars, options.language_seed)
    lexicon = Engine.load(options).lexicon.for_site(None, None)
    words = stopwords(page.code)
    return classify(lines, page, lexicon, words, use_model=False, footer_max_body_ratio=0.0,
                    footer_prose_check=True), words


def _body(result) -> str:
    return "\n\n".join(result.lines[n - 1] for n in result.kept_numbers()) + "\n"


def _f1(page_id: str, source: str, body: str) -> float:
    return score_page(page_id, source, body, _gold(page_id)).tok_f1


def _mark(result, words, headline=None):
    options = Options()
    mark_galleries(result, words, headline, options.gallery_min_items, options.gallery_max_cohesion,
                   options.gallery_min_article)


def test_counter_forms():
    assert counter("Image 3 of 5") == (3, 5, "")
    assert counter("12/50 Blockbusters aid Pinewood expansion") == (12, 50, "Blockbusters aid Pinewood expansion")
    assert counter("Foto 2 von 9") == (2, 9, "")
    assert counter("1 / 5") == (1, 5, "")
    assert counter("24/7 customer service") is None  # k > N
    assert counter("1/14/2020 meeting") is None  # a date
    assert counter("Part 3 of 3") is None  # not a picture's counter
    assert counter("3 of 11 comments") == (3, 11, "comments")  # a counter's form, but alone on its page


def test_fractions_ratings_and_lone_counters_are_no_gallery():
    lines = ["1/4 cup (60g) sourdough starter", "3/4 cup water", "7/8 teaspoon salt",  # 3 of 8: too few
             "5/5", "5/5", "5/5",  # a rating: k does not count up
             "1 / 5", "text", "1 / 5", "text", "1 / 5"]  # separate slideshows, their first picture each
    assert galleries(lines, list(range(1, len(lines) + 1)), 3) == []


def test_a_gallery_of_other_stories_inside_the_article_is_removed():
    result, words = _rules_only(_text(INDEPENDENT))
    before = _body(result)
    _mark(result, words, headline="The seven secrets that hotel owners don't want you to know")
    removed = [d.text for d in result.ordered() if d.rule == RULE]
    assert removed[:4] == ["Business news in pictures", "50 show all", "Business news in pictures",
                           "1/50 United goin down"]
    assert "50/50 Blackpool pier is on sale for £12.6m" in removed
    assert any(text.startswith("Blackpool’s central pier has been put up for sale") for text in removed)
    gold = _gold(INDEPENDENT)
    assert not any(text in gold for text in removed)
    # the article on either side stays
    kept = _body(result)
    assert "5. Beware the wall-mounted hairdryer" in kept and "6. Mini bars almost always lose money" in kept
    assert _f1(INDEPENDENT, "readability", kept) > _f1(INDEPENDENT, "readability", before) + 0.3


def test_a_gallery_the_headline_counts_is_the_article():
    result, words = _rules_only(_text(INDEPENDENT))
    before = _body(result)
    _mark(result, words, headline="Business news in 50 pictures")
    assert _body(result) == before


def test_a_gallery_page_without_an_article_around_it_keeps_its_captions():
    # the gallery alone, as its own page: no article of gallery_min_article words beside it
    lines = _text(INDEPENDENT).split("\n")
    start = lines.index("Business news in pictures")
    end = lines.index("6. Mini bars almost always lose money")
    result, words = _rules_only("\n".join(lines[start:end]))
    before = _body(result)
    _mark(result, words)
    assert not [d for d in result.ordered() if d.rule == RULE]
    assert _body(result) == before  # its counters carry the pictures' titles: kept


def test_the_articles_own_gallery_loses_only_its_counters():
    result, words = _rules_only(_text(SPACE))
    before = _body(result)
    _mark(result, words)
    assert not [d for d in result.ordered() if d.rule == RULE]
    counters = [d.text for d in result.ordered() if d.rule == COUNTER_RULE]
    assert counters == [f"Image {k} of 5" for k in range(1, 6)]
    kept = _body(result)
    assert "An artist's concept of Blue Origin's Blue Moon lander." in kept
    assert _f1(SPACE, "sh", kept) > _f1(SPACE, "sh", before)


def test_whole_pipeline_and_fixed_point():
    engine = Engine.load()
    result = clean_text(_text(INDEPENDENT), engine)
    removed = {d.text: d.rule for d in result.removed}
    # the shipped model saw this page in training and removes part of the gallery itself
    assert removed.get("Business news in pictures") == RULE
    assert removed.get("3/50 Natalie Massenet Leaves Net-a-Porter") == RULE
    assert all(line not in result.body for line in ("1/50 United goin down", "50/50 Blackpool pier is on sale for £12.6m"))
    again = clean_text(result.body, engine)
    assert again.body == result.body
    space = clean_text(_text(SPACE), engine)
    assert {d.text: d.rule for d in space.removed}.get("Image 3 of 5") == COUNTER_RULE
    assert clean_text(space.body, engine).body == space.body
    off = clean_text(_text(INDEPENDENT), Engine.load(Options(gallery_min_items=0)))
    assert not [d for d in off.removed if d.rule in (RULE, COUNTER_RULE)]
