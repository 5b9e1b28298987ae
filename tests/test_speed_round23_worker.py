"""The twenty-third round's shortcuts in the worker's steps against the code they replace,
on real text: the language step's n-gram rows of a sample's tokens in one C call
(pipeline._langtrials.GramRows) against the word caches' rows and langdetect's own
n-grams, the detector with and without it against langdetect itself, and a new n-gram's
profile row copied in C (copy_row) against numpy's assignment."""
import random

import numpy as np
import pytest
from langdetect import detector_factory

from conftest import PAGES, SEEDS, SHARED_EVAL, skip_without_c_build
from pipeline import language
from pipeline.normalise import normalise

# Characters of every kind the normalisation and langdetect's capital rule treat apart:
# capitals and runs of them, title case, dotted and dotless i, sharp s, final sigma,
# Latin-1 signs langdetect drops, General Punctuation (a space to it), Romanian commas,
# Farsi yeh, Latin Extended Additional on both sides of U+1EA0, kana, Bopomofo, kanji it
# maps, Hangul, astral letters, digits, a lone surrogate, spaces and tabs.
_POOL = ("aAbBzZéÉ ǅǄǆİıßẞΣσςЖж日本語東京ｶＡａⅫⅻ1٣ \t\u00a0\u00ab\u00d7\u2019\u2014\u0219\u021b\u06cc\u064a"
         "\u1e00\u1ea1\u1ec3\u3042\u30a2\u3105\u31a0\uac00\ud55c\U0001d400\U0001f600\ud800,.-")


def _known():
    detector_factory.init_factory()
    return detector_factory._factory.word_lang_prob_map


def _texts():
    """Prepared samples (what _detect_langs splits into tokens) of the seeds and the test
    pages, whole lines of them, and odd texts."""
    paths = sorted(SEEDS.rglob("*.txt")) + sorted(PAGES.parent.rglob("*.txt"))
    out = []
    for path in paths:
        lines = normalise(path.read_text("utf-8", errors="replace")).split("\n")
        out.append(language._prepare(language._sample(lines, 3000)))
        out += [language._prepare(line) for line in lines[:40]]
    rng = random.Random(23)
    out += ["".join(rng.choice(_POOL) for _ in range(rng.randint(0, 60))) for _ in range(3000)]
    out += ["", " ", "  ", "a", "a ", " a", "a b", "ABC DEF ", "McDONALD iPhone NASA ", "x" * 500 + " y",
            "ǅemal ǅǅ Ǆǅ ", "𝐀𝐁 𝐀b ", "日本語のテキスト ", "ΣΑΣ σας ", "İstanbul ŞİŞLİ ı "]
    return out


def _plain_rows(text: str, known) -> bytes:
    """The rows of the tokens but the last, each followed by a space, by langdetect's
    n-gram rules (_word_ngrams, one token at a time as _ngrams reads them), then _rows."""
    grams = []
    for token in text.split(" ")[:-1]:
        grams += language._word_ngrams((token + " ").translate(language._NORMALISED), known)
    return language._rows(grams, known)


def test_gram_rows_is_built_and_used():
    skip_without_c_build("the word caches (_TOKEN_ROWS, _WORD_ROWS)")
    assert language._gram_rows(_known()) is not None


def test_gram_rows_equal_the_token_caches_and_langdetects_ngrams():
    """GramRows.rows gives the bytes the token caches join (with emptied caches, so every
    word is worked out again) and the rows of langdetect's n-grams, on every sample and
    line of the seeds and test pages and 3,000 random texts of odd characters."""
    known = _known()
    grams = language._gram_rows(known)
    if grams is None:
        pytest.skip("pipeline._langtrials not built")
    texts = _texts()
    assert len(texts) > 5000
    through_c = 0
    for text in texts:
        language._TOKEN_ROWS.clear()
        language._WORD_ROWS.clear()
        fast = grams.rows(text, language._added_row)
        cached = b"".join(map(language._TOKEN_ROWS.__getitem__, text.split(" ")[:-1]))
        assert fast == cached == _plain_rows(text, known), repr(text)
        through_c += len(fast) // 4
    assert through_c > 100_000


def test_gram_rows_read_rows_made_before_and_after_the_table():
    """A table built when _ROW_OF already holds rows reads them; a gram first met through
    the table gets its row by _added_row, which _ROW_OF then holds; a second table (the
    profile map read again) agrees with the first."""
    known = _known()
    if language._GramRows is None:
        pytest.skip("pipeline._langtrials not built")
    first = language._GramRows(known, language._ROW_OF, language._NORMALISED)
    text = "Wörter, die noch keine Zeile haben: Quizfragen jœx ŋæð ұқә "
    rows = np.frombuffer(first.rows(text, language._added_row), dtype=np.int32).tolist()
    assert rows == np.frombuffer(_plain_rows(text, known), dtype=np.int32).tolist()
    second = language._GramRows(known, language._ROW_OF, language._NORMALISED)
    assert second.rows(text, language._added_row) == first.rows(text, language._added_row)
    assert second.known is known


def test_detect_with_and_without_gram_rows_equals_langdetect():
    """The detector with GramRows and with the word caches (the fallback without the
    build) gives langdetect's own answer on the seeds and the test pages."""
    paths = sorted(PAGES.parent.rglob("*.txt")) + sorted(SEEDS.rglob("*.txt"))
    assert len(paths) > 30
    kernel = language._GramRows
    try:
        for path in paths:
            lines = path.read_text("utf-8", errors="replace").split("\n")
            reference = language.detect(lines, 3000, 0, backend="langdetect")
            language._GramRows = kernel
            assert language.detect(lines, 3000, 0) == reference, path.name
            language._GramRows = None
            language._TOKEN_ROWS.clear()
            language._WORD_ROWS.clear()
            assert language.detect(lines, 3000, 0) == reference, path.name
    finally:
        language._GramRows = kernel


@pytest.mark.skipif(not (SHARED_EVAL / "dev" / "text").is_dir(), reason="needs the development set (../shared/eval)")
def test_gram_rows_equal_the_token_caches_on_all_dev_samples():
    """The 1,086 dev pages' 3,000-character samples, as detect prepares them."""
    known = _known()
    grams = language._gram_rows(known)
    if grams is None:
        pytest.skip("pipeline._langtrials not built")
    paths = sorted((SHARED_EVAL / "dev" / "text").glob("*.txt"))
    for path in paths:
        lines = normalise(path.read_bytes().decode("utf-8", "replace")).split("\n")
        text = language._prepare(language._sample(lines, 3000))
        cached = b"".join(map(language._TOKEN_ROWS.__getitem__, text.split(" ")[:-1]))
        assert grams.rows(text, language._added_row) == cached, path.name
    assert len(paths) > 1000


def test_copy_row_writes_numpys_doubles_and_refuses_the_rest():
    """copy_row writes every profile row as numpy's assignment of the list writes it (the
    same bits), and leaves the matrix alone (False) for a row out of range, a list of
    another length or of non-floats, a float32, a non-contiguous or read-only matrix."""
    known = _known()
    if language._copy_row is None:
        pytest.skip("pipeline._langtrials not built")
    rows = list(known.values())
    fast, plain = np.zeros((len(rows), len(rows[0]))), np.zeros((len(rows), len(rows[0])))
    for row, values in enumerate(rows):
        assert language._copy_row(fast, row, values) is True
        plain[row] = values
    assert fast.view(np.uint64).tobytes() == plain.view(np.uint64).tobytes()
    small = np.zeros((4, len(rows[0])))
    read_only = small.copy()
    read_only.flags.writeable = False
    for matrix, row, values in ((small, 4, rows[0]), (small, -1, rows[0]), (small, 0, rows[0][:-1]),
                                (small, 0, [1] * len(rows[0])), (small, 0, tuple(rows[0])),
                                (small.astype(np.float32), 0, rows[0]), (np.zeros((8, len(rows[0])))[::2], 0, rows[0]),
                                (read_only, 0, rows[0]), (bytearray(8 * len(rows[0])), 0, rows[0])):
        before = bytes(memoryview(matrix).cast("B")) if isinstance(matrix, bytearray) else matrix.tobytes()
        assert language._copy_row(matrix, row, values) is False
        after = bytes(memoryview(matrix).cast("B")) if isinstance(matrix, bytearray) else matrix.tobytes()
        assert after == before
