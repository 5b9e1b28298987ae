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


# Article 1 of the Universal Declaration of Human Rights, in the UN's published
# translations: prose sentences that end in their script's own full stop.
UDHR_ARTICLE_1 = {
    "hi": "सभी मनुष्यों को गौरव और अधिकारों के मामले में जन्मजात स्वतन्त्रता और समानता प्राप्त है।",
    "ur": "تمام انسان آزاد اور حقوق و عزت کے اعتبار سے برابر پیدا ہوئے ہیں۔",
    "am": "የሰው ልጅ ሁሉ ሲወለድ ነጻና በክብርና በመብትም እኩልነት ያለው ነው።",
    "hy": "Բոլոր մարդիկ ծնվում են ազատ ու հավասար իրենց արժանապատվությամբ ու իրավունքներով։",
}


def test_prose_in_other_scripts_ends_a_sentence():
    """A Hindi, Urdu, Amharic or Armenian sentence ends in a danda, "۔", "።" or "։", not
    ".": the line's shape (the rules' ends_sentence) and the line model's end_punct and
    n_sentences read it as a sentence end; the same line cut before its mark does not."""
    from pipeline.linemodel.shape import SHAPE_FEATURES, _class_counts, line_shape
    from pipeline.lineshape import shape_line
    from pipeline.linewords import words_of

    end_punct, n_sentences = SHAPE_FEATURES.index("end_punct"), SHAPE_FEATURES.index("n_sentences")
    for language, sentence in UDHR_ARTICLE_1.items():
        for text, ends in ((sentence, True), (sentence[:-1], False)):
            assert shape_line(1, text, frozenset(), None).ends_sentence is ends, (language, text)
            row = line_shape(text, words_of(text), frozenset(), _class_counts([text])[0].tolist())
            assert (row[end_punct], row[n_sentences] >= 1) == (float(ends), ends), (language, text)
