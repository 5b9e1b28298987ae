"""HTML mode, which of trafilatura's texts is the article (pipeline/extract.py
`_own_extraction`): where the text trafilatura keeps after comparing its extraction with
its fallback extractors is mostly not prose and its own extraction is clearly more prose,
its own extraction is taken under `extract.trafilatura_own`, recorded in the metadata."""
import gzip
from pathlib import Path

from pipeline.evaluate import score_page
from pipeline.extract import _prose_words, extract_html
from pipeline.process import clean_bytes

DATA = Path(__file__).parent / "data"


def test_the_article_not_the_slideshow_trafilatura_preferred(engine):
    folder = DATA / "html_extract"
    markup = gzip.decompress((folder / "readability-bug-1255978.html.gz").read_bytes())
    gold = (folder / "readability-bug-1255978.gold.txt").read_text("utf-8")
    result = clean_bytes(markup, "readability-bug-1255978.html", engine)
    choice = result.metadata["extraction"]
    assert choice["rule"] == "extract.trafilatura_own"
    assert "12% prose" in choice["reason"]  # the slideshow's captions: few prose lines
    assert "1/50" not in result.body and "United goin down" not in result.body
    assert "Zeev Sharon and Michael Forrest Jones both run hotel start-ups in the US." in result.body
    assert score_page("p", "readability", result.body, gold).tok_f1 > 0.9


def test_a_page_of_prose_keeps_trafilaturas_text_and_has_no_choice(engine):
    folder = DATA / "html_code"
    markup = gzip.decompress((folder / "readability-aclu.html.gz").read_bytes())
    extraction = extract_html(markup.decode("utf-8"))
    words, prose = _prose_words(extraction.text)
    assert prose / words >= 0.6 and extraction.choice is None
    assert "extraction" not in clean_bytes(markup, "readability-aclu.html", engine).metadata


def test_prose_words_count_long_lines_that_end_like_a_sentence():
    text = ("1/50\nGETTY IMAGES\n"
            "The chief executive said she would approach the pregnancy the same way as before.\n"
            "A caption of twelve words that does not end like a sentence at all here")
    assert _prose_words(text) == (3 + 14 + 15, 14)
