"""Decoding and normalisation on real files written to disk."""
import codecs

import pytest

from conftest import SEEDS, SEED_GOLD
from pipeline.decode import decode
from pipeline.document import Rejected, Status
from pipeline.normalise import normalise
from pipeline.process import clean_bytes

SEED = "001_4d8637c95e606681"


def seed_text() -> str:
    return (SEEDS / f"{SEED}.txt").read_text("utf-8")


def gold_body() -> str:
    return (SEED_GOLD / f"{SEED}.txt").read_text("utf-8")


@pytest.mark.parametrize("encoding,prefix", [
    ("utf-8", b""),
    ("utf-8", codecs.BOM_UTF8),
    ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE),
    ("utf-16-le", b""),  # UTF-16 without a BOM
])
def test_unicode_encodings_clean_to_the_gold_body(tmp_path, engine, encoding, prefix):
    path = tmp_path / "page.txt"
    path.write_bytes(prefix + seed_text().encode(encoding))
    result = clean_bytes(path.read_bytes(), path.name, engine)
    assert result.status is Status.CLEANED
    assert result.body == gold_body()


def test_cp1252_file_is_detected(tmp_path, engine):
    # Seed 001 holds only characters cp1252 has (curly quotes, no-break spaces).
    path = tmp_path / "page.txt"
    path.write_bytes(seed_text().encode("cp1252"))
    text, encoding = decode(path.read_bytes())
    assert encoding.lower().replace("_", "-") in {"cp1252", "windows-1252"}
    assert "“promote mutually beneficial" in text
    assert clean_bytes(path.read_bytes(), path.name, engine).body == gold_body()


def test_mojibake_is_repaired_and_curly_quotes_stay(tmp_path, engine):
    # The classic damage: UTF-8 bytes read as cp1252 and saved again as UTF-8.
    import ftfy.bad_codecs  # noqa: F401  registers the browsers' lenient windows-1252

    damaged = seed_text().encode("utf-8").decode("sloppy-windows-1252").encode("utf-8")
    assert "Chinaâ€™s".encode() in damaged
    result = clean_bytes(damaged, "page.txt", engine)
    assert "China’s" in result.body and "â€" not in result.body
    assert result.body == gold_body()


def test_invalid_utf8_bytes_inside_a_utf8_page_are_read_as_cp1252(engine):
    data = seed_text().encode("utf-8").replace("Meanwhile,".encode(), b"Meanwhile\x96")
    text, encoding = decode(data)
    assert "Meanwhile–" in text and "China’s" in text
    assert "with cp1252" in encoding


@pytest.mark.parametrize("data,words", [
    (b"", "empty"),
    (b"   \n\n\t  \n", "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "PNG"),
    (b"PK\x03\x04" + bytes(range(256)) * 8, "zip"),
    (bytes(range(256)) * 64, "binary"),
])
def test_bad_input_is_rejected_with_a_reason(engine, data, words):
    result = clean_bytes(data, "bad.txt", engine)
    assert result.status is Status.REJECTED
    assert words.lower() in result.reason.lower()


def test_decode_rejects_with_message():
    with pytest.raises(Rejected, match="empty"):
        decode(b"")


def test_normalise_spaces_invisibles_and_trailing_white_space():
    text = "a\u00a0b\u2009c\u200bd\ufeff  \r\n\u3000e\t \r\nf\x07g"
    assert normalise(text) == "a b cd\ne\nfg"


def test_normalise_keeps_line_count_so_line_numbers_hold():
    text = "one\n\n\n\ntwo\r\nthree\u2028four"
    assert normalise(text).split("\n") == ["one", "", "", "", "two", "three", "four"]


def test_normalise_nfc():
    assert normalise("Cafe\u0301") == "Café"


def test_fast_ngram_extraction_equals_langdetects_own():
    """pipeline.language replaces langdetect's n-gram extraction for speed: it must give
    the very same list (order included) on real pages in several scripts."""
    from langdetect import detector_factory

    from conftest import PAGES, SEEDS
    from pipeline.language import _ngrams

    detector_factory.init_factory()
    texts = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt")) + sorted((PAGES / "text").glob("*.txt"))]
    texts += ["ÉCOLE Ünïcode ДОМ дом 東京 한국어 हिंदी में पढें  ABC abc Ab aB\u0219\u021b", "   ", "A"]
    for text in texts:
        detector = detector_factory._factory.create()
        detector.append(text)
        detector.cleaning_text()
        assert _ngrams(detector.text, detector.word_lang_prob_map) == detector._extract_ngrams()


def test_fast_language_detection_equals_langdetects_own():
    """pipeline.language re-does langdetect's detector for speed (same arithmetic, same
    seeded random draws): languages and probabilities must be exactly langdetect's."""
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    from conftest import PAGES, SEEDS
    from pipeline.language import _detect_langs

    texts = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt")) + sorted((PAGES / "text").glob("*.txt"))]
    texts += ["ÉCOLE Ünïcode ДОМ дом 東京 한국어 हिंदी में पढें  ABC abc Ab aB\u0219\u021b", "A", "Hello world http://x.org a@b.cc"]
    for seed in (0, 7):
        for text in texts:
            for sample in (text, text[:300]):
                DetectorFactory.seed = seed
                try:
                    expected = [(g.lang, g.prob) for g in detect_langs(sample)]
                except LangDetectException:
                    expected = "no features"
                try:
                    got = [(g.lang, g.prob) for g in _detect_langs(sample, seed)]
                except LangDetectException:
                    got = "no features"
                assert got == expected


def test_ftfy_skipped_only_where_it_changes_nothing():
    """normalise skips ftfy on lines it cannot change: the result must be ftfy's own, on
    real pages and on mojibake, entities, controls and decomposed accents."""
    import ftfy

    from conftest import PAGES, SEEDS
    from pipeline.normalise import _FTFY, _fix_text

    texts = [p.read_text("utf-8") for p in sorted(SEEDS.glob("*.txt")) + sorted((PAGES / "text").glob("*.txt"))]
    texts += ["plain line\nsÃ³ mojibake â€™ here\n&amp; entity\n<b> then &amp; again\n\x1b[0m esc\r\nCafe\u0301\n"
              "ГўВЂВ\u201cx\nहिंदी में पढें\n한국어 기사\n\u0915\u093c nukta\nÃ©tÃ©\x85next"]
    for text in texts:
        assert _fix_text(text) == ftfy.fix_text(text, _FTFY)
