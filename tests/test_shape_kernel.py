"""The line shape's C kernel (`pipeline._shape`, from pipeline/linemodel/_shape.c) against
the Python it stands in for: every character predicate over all of Unicode (against
`str`'s methods and `re` itself), every function on every line of the seeds and the test
pages and on lines of special cases, and the line model's whole feature matrix with and
without the kernel. Without a C compiler the kernel is not built and the Python runs."""
from __future__ import annotations

import itertools
import math
import random
import re

import numpy as np
import pytest

from conftest import DATA, SEEDS, skip_without_c_build
from pipeline import language, lineshape, linewords
from pipeline.linemodel import blocks, features
from pipeline.linemodel import shape as sh

try:
    import pipeline._shape as kernel
except ImportError:
    kernel = None
built = pytest.mark.skipif(kernel is None, reason="the shape kernel is not built (no C compiler at install)")

ALL = "".join(map(chr, range(0x110000)))  # every code point once, lone surrogates too
SPECIAL = [
    "Straße STRASSE ß ẞ", "ﬁne ﬂow ﬃ", "İstanbul İZMİR ıi", "ΟΔΥΣΣΕΥΣ Οδυσσεύς σς Σ", "𝐀𝐁𝐂 𝟘𝟙 😀 𐐀𐐨 𞤀",
    "e\u0301te\u0301 n\u0303 a\u0308\u0304", "٣٤٥ ۱۲ १२३ ๑๒ ᠐ ①② ²³ ½ Ⅻ", "snake_case __init__ _ a_1",
    "「日本語の文章です。」 한국어 中文，测试。", "a | b » c · d >> e / f • g", "- item", "• item", "12. Item",
    "1234. no", "3) x", "—  dash", "> quote", "Ende.\u00a0Neu!\u2003Ja?’ Nein.” (so). Da.\n", "x.\n",
    "\u00a0\u2003lead", "tab\there", "www.example.com user@example.org https://x.y", "(c) © 2024", "",
    "¿Qué? ¡Sí! Ελληνικά; ... ", "Hindi। Urdu۔ Armenian։ Ethiopic። Myanmar။ Khmer។ Tibetan།",
    "x\ud800y", "ǅemal ǈ ǋ Dž", "K Å ſ", "\u0345\u0399 ΐ ΰ",
    "รัฐบาลจะเดินหน้าแก้ไขปัญหาเศรษฐกิจของประเทศอย่างต่อเนื่อง โดยเฉพาะการลดค่าครองชีพ", "หน้าแรก ข่าว กีฬา",
]


def _real_lines():
    paths = sorted(SEEDS.glob("*.txt")) + sorted(DATA.rglob("*.txt"))
    lines = {line for p in paths for line in p.read_text("utf-8", errors="replace").split("\n")}
    return sorted(lines | {line.strip() for line in lines}) + SPECIAL


LINES = _real_lines()
STOPLISTS = [frozenset(), language.stopwords("en"), language.stopwords("de"),
             frozenset({"straße", "i̇stanbul", "οδυσσευσ", "ﬁne", "é", "the", "日本語の文章です"})]


def _random_lines(n=3000, seed=15):
    """Short strings over the characters each kernel function treats specially."""
    alphabet = list(" \t\n\u00a0\u2003.!?。！？।|/•·»>-*▪●◦–—()\"'”’‘“«,:_0123456789٣१aAzZßİıΣσς日한𝐀😀\u0301ﬁ@")
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 14))) for _ in range(n)]


def _bit_table(pred) -> np.ndarray:
    return np.fromiter(map(pred, ALL), dtype=bool, count=0x110000)


def _positions(pattern: str, text: str = ALL) -> np.ndarray:
    hits = np.zeros(len(text), dtype=bool)
    hits[[m.start() for m in re.finditer(pattern, text)]] = True
    return hits


# --- every predicate, over all of Unicode ---------------------------------------------

@built
def test_word_and_digit_classes_are_re_s_over_all_of_unicode():
    # ALL holds every code point once, in order: equal splits mean equal \w sets, equal
    # substitutions equal \d sets
    assert kernel.words(ALL) == tuple(re.findall(r"\w+", ALL))
    assert kernel.mask_digits(ALL) == re.sub(r"\d+", "0", ALL)
    preds = np.array([kernel.predicates(c) for c in range(0x110000)], dtype=bool)
    assert np.array_equal(preds[:, 0], _positions(r"\w"))
    assert np.array_equal(preds[:, 1], _positions(r"\d"))
    assert np.array_equal(preds[:, 2], _positions(r"\s"))
    assert np.array_equal(preds[:, 2], _bit_table(str.isspace))  # str.strip's whitespace is re's \s
    assert np.array_equal(preds[:, 3], _positions(sh._CJK.pattern))
    # the classes of _SENT's closers and _BULLET's marks, read off the regexes themselves
    closer = np.fromiter((sh._SENT.fullmatch("." + c + " ") is not None for c in ALL), dtype=bool, count=0x110000)
    bullet = np.fromiter((sh._BULLET.fullmatch(c + " ") is not None for c in ALL), dtype=bool, count=0x110000)
    assert np.array_equal(preds[:, 4], closer) and closer.sum() == 5
    assert np.array_equal(preds[:, 5], bullet) and bullet.sum() == 10
    for c in "_٣१𝟘":
        assert kernel.predicates(ord(c))[0]


@built
def test_class_bits_are_str_s_predicates_over_all_of_unicode():
    got = np.fromiter(map(kernel.char_bits, range(0x110000)), dtype=np.int64, count=0x110000)
    want = np.zeros(0x110000, dtype=np.int64)
    alpha, upper, space = _bit_table(str.isalpha), _bit_table(str.isupper), _bit_table(str.isspace)
    want[alpha] |= sh._C_ALPHA
    want[alpha & upper] |= sh._C_UPPER
    want[_bit_table(str.isdigit)] |= sh._C_DIGIT
    want[_bit_table(str.isdecimal)] |= sh._C_DECIMAL
    want[space] |= sh._C_SPACE
    want[space & (np.arange(0x110000) != ord(" "))] |= sh._C_OTHERSPACE
    want[_positions(sh._CJK.pattern)] |= sh._C_CJK
    want[list(sh._QUOTES)] |= sh._C_QUOTE
    want[list(map(ord, sh._SEP_CHARS))] |= sh._C_SEP
    want[list(map(ord, sh._SENT_CHARS))] |= sh._C_SENT
    assert np.array_equal(got, want)
    # the plain per-character definition agrees (BMP table and astral characters)
    assert np.array_equal(got[:0x10000], sh._bmp_bits())
    astral = [0x10400, 0x1D400, 0x1D7D8, 0x1F600, 0x1E900, 0x20000, 0xE0041, 0x10FFFF]
    assert [kernel.char_bits(c) for c in astral] == [sh._char_bits(chr(c)) for c in astral]
    # the sets the regexes scan for are the sets the bits name
    sent = np.fromiter((sh._SENT.fullmatch(c + " ") is not None for c in ALL), dtype=bool, count=0x110000)
    seps = np.fromiter((sh._SEPS.fullmatch(" " + c + " ") is not None for c in ALL), dtype=bool, count=0x110000)
    assert np.array_equal(sent, (got & sh._C_SENT) > 0)
    assert np.array_equal(seps, (got & sh._C_SEP) > 0)


@built
def test_scripts_table_over_all_of_unicode():
    """Every code point's script through the kernel's table is script_of's."""
    got = lineshape.scripts_of(ALL)
    assert got == language.script_letters(ALL)
    assert list(got) == list(language.script_letters(ALL))  # the same order
    assert sum(got.values()) > 120_000
    # the scan filled the table for every code point: each entry names script_of's script
    names = [None, None] + lineshape._SCRIPT_NAMES
    assert 0 not in lineshape._SCRIPT_TABLE
    assert [names[e] for e in lineshape._SCRIPT_TABLE] == [language.script_of(c) for c in ALL]


# --- each function on real lines and special cases ---------------------------------------

@built
def test_words_equal_re_s_split():
    for line in LINES + _random_lines():
        assert kernel.words(line) == linewords._words_py(line), line
    assert kernel.words("a_b c") == ("a_b", "c")


@built
def test_class_counts_equal_numpy_s():
    texts = [t for t in LINES + _random_lines() if t]
    assert kernel.class_counts(texts) == sh._class_counts(texts).tolist()
    assert kernel.class_counts([]) == []


@built
def test_line_parts_equal_the_python():
    for stop in STOPLISTS:
        for line in LINES + _random_lines():
            words = linewords._words_py(line)
            counts = sh._class_counts([line]).tolist()[0] if line else [0] * sh._N_CLASSES
            for n_cjk, n_sentc, n_sepc in ((counts[4], counts[9], counts[7]), (1, 1, 1)):
                want = sh._line_parts_py(line, words, stop, n_cjk, n_sentc, n_sepc)
                got = kernel.line_parts(line, words, stop, n_cjk, n_sentc, n_sepc)
                assert got == want, (line, stop and sorted(stop)[:3])
                assert kernel.line_parts(line, list(words), set(stop), n_cjk, n_sentc, n_sepc) == want
    # the stopword test lowers each word as str.lower does (İ lowers to two characters)
    assert kernel.line_parts("İstanbul STRASSE Straße", ("İstanbul", "STRASSE", "Straße"),
                             frozenset({"i̇stanbul", "straße"}), 0, 0, 0)[2] == 2


@built
def test_sentence_separator_bullet_and_digit_scans_equal_re():
    for line in LINES + _random_lines():
        assert kernel.counts(line) == (len(sh._SENT.findall(line)), len(sh._SEPS.findall(line))), line
        m = sh._BULLET.match(line)
        assert kernel.bullet_end(line) == (m.end() if m else -1), line
        assert kernel.mask_digits(line) == sh._DIGITS.sub("0", line), line


def _date_lines(n=4000, seed=9):
    """Strings built of the date-ish regex's pieces, its case twins and near misses."""
    pieces = ["Jan", "jan", "JANUARY", "ſep", "Sept", "SEPTEMBER", "oct.", "Nov", "dec", "Mai", "ja", "mar_", "İ",
              "K", "x", "_", "5", "12", "2024", "1999", "2100", "03", "٣", "१२", "-", "/", ".", ":", " ", "  ", "\n",
              "\u00a0", "min", "mins", "minutes", "hour", "hours", "day", "Days", "ago", "é", "日"]
    rng = random.Random(seed)
    return ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 10))) for _ in range(n)]


@built
def test_dateish_count_equals_findall():
    # re's IGNORECASE twins of the months' letters: both ASCII cases, and ſ for s; nothing else
    for letter in set("janfebmaraprmayjunjulaugsepoctnovdec"):
        twins = set(re.findall("(?i)" + letter, ALL))
        assert twins == {letter, letter.upper()} | ({"ſ"} if letter == "s" else set()), letter
    lines = LINES + _random_lines() + _date_lines()
    matched = 0
    for line in lines:
        want = len(sh._DATEISH.findall(line))
        assert kernel.count_dateish(line, sh._DATEISH.match) == want, line
        matched += want > 0
    assert matched > 1000


@built
def test_content_words_and_stopword_count_equal_the_python():
    stops = STOPLISTS + [frozenset({"i̇stanbul", "strasse", "οδυσσευσ", "fine", "ss"})]  # casefold's forms
    for line in LINES + _random_lines() + _date_lines():
        assert kernel.content_set(line) == blocks._content_set_py(line), line
        for stop in stops:
            without = kernel.content_without(line, stop)
            assert type(without) is frozenset and without == frozenset(blocks._content_set_py(line) - stop), line
        words = linewords._words_py(line)
        if words:
            for stop in stops:
                want = sum(map(stop.__contains__, " ".join(words).casefold().split(" ")))
                assert kernel.count_stops(words, stop) == want, line
    assert kernel.count_stops(("Straße", "İstanbul", "ΟΔΥΣΣΕΥΣ"), stops[-1]) == 3


@built
def test_record_signatures_equal_the_regexes():
    """blocks._signatures in C against signature / tail_signature's regexes: on every line,
    its digit-masked form, and random strings of letters, digits (\\d and other \\w
    digits), the connectors ' ’ . - , underscores and Unicode white space."""
    texts = [t.strip() for t in LINES + _random_lines() + _date_lines() if t.strip()]
    masked = [norm for _, norm in (sh.norm_and_shape(t, c) for t, c in zip(texts, sh._class_counts(texts).tolist()))]
    rng = random.Random(8)
    alphabet = list(" \t\u00a0\u2003'’.-_aZ1٣²½ßΣ日|()")
    built_lines = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 16))) for _ in range(20000)]
    for line in LINES + masked + built_lines + ["a.b.c d-e'f g’h", "a..b -a a- .a. x'", "one", "", " ", "a  b"]:
        assert kernel.signatures(line) == blocks._signatures_py(line), line
        assert blocks._signatures_py(line) == ("h" + blocks.signature(line), "t" + blocks.tail_signature(line))


@built
def test_cohesion_counts_equal_the_python():
    """The lexical cohesion's counts in C (_overlap's hits, the page overlap's run hits)
    against the Python: on every seed and test page's lines (their content words, the
    stoplist given and none), members and runs drawn at random, and on pages of random
    sets over a small vocabulary (many words in several lines and runs)."""
    rng = random.Random(16)
    pages = [[t.strip() for t in p.read_text("utf-8", errors="replace").split("\n") if t.strip()]
             for p in sorted(SEEDS.glob("*.txt")) + sorted(DATA.rglob("*.txt"))]
    cases = [blocks.page_content_words(texts, stop) for texts in pages if texts
             for stop in (frozenset(), language.stopwords("en"))]
    vocab = [f"w{i}" for i in range(12)] + ["日本", "straße", "ß"]
    cases += [[frozenset(rng.sample(vocab, rng.randrange(0, 6))) for _ in range(rng.randrange(1, 40))]
              for _ in range(300)]
    for cw in cases:
        n = len(cw)
        for _ in range(3):
            members = sorted(rng.sample(range(n), rng.randrange(0, n + 1)))
            assert kernel.overlap_hits(cw, members) == blocks._overlap_hits_py(cw, members).tolist()
            rid = np.cumsum([0] + [rng.random() < 0.3 for _ in range(n - 1)]).tolist()
            long_enough = [rng.random() < 0.6 for _ in range(n)]
            assert kernel.run_hits(cw, rid, long_enough) == blocks._run_hits_py(cw, rid, long_enough).tolist()


@built
def test_line_row_equals_line_shape_s_python():
    """The whole line_shape row in C against its Python, value, type and NaN's bits: on
    every line, and on random strings over the characters its own tests read (links,
    e-mail, copyright marks, the trailing characters and sentence ends, commas, colons)."""
    rng = random.Random(17)
    alphabet = list(" .,:;/@()©cCoOnNwW1٣aZß日\"'”’»)]}*\u00a0!?…。।:x") + ["://", "www.", ".com", "(c)", "(C)", ".co.uk"]
    built_lines = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 14))).strip() for _ in range(20000)]
    texts = [t.strip() for t in LINES + _random_lines() + _date_lines() + built_lines if t.strip()]
    counts = sh._class_counts(texts).tolist()
    for stop in STOPLISTS:
        for t, c in zip(texts, counts):
            got, want = kernel.line_row(t, linewords._words_py(t), stop, c), sh._line_shape_py(t, linewords._words_py(t), stop, c)
            if got is None:  # mostly CJK: the Python's
                assert c[4] > len(t) * 0.3, t
                continue
            assert all(map(_same, got, want)), (t, got, want)
            assert np.array(got).tobytes() == np.array(want).tobytes(), t  # NaN's bits too


@built
def test_record_positions_equal_the_python():
    """record_features' signature -> line numbers in C against the Python (its lru-cached
    signatures), keys and lists in the same order, on every test page's masked lines with
    random short flags."""
    rng = random.Random(18)
    pages = [[t.strip() for t in p.read_text("utf-8", errors="replace").split("\n") if t.strip()]
             for p in sorted(SEEDS.glob("*.txt")) + sorted(DATA.rglob("*.txt"))] + [SPECIAL]
    for texts in pages:
        masked = [s for _, _, s in features._per_line([t for t in texts if t], frozenset())] if any(texts) else []
        for _ in range(3):
            short = [rng.random() < 0.7 for _ in masked]
            got, want = kernel.record_where(masked, short), blocks._record_where_py(masked, short)
            assert list(got.items()) == list(want.items())


def _norm_tail_py(t, quotes, spaces, digits):
    """shape.norm_and_shape's steps after its NFKC test, as its Python runs them."""
    if quotes:
        t = t.translate(sh._QUOTES)
    if spaces or "  " in t:
        t = sh._WS.sub(" ", t).strip()
    t = sh._BULLET.sub("", t).casefold()
    return t, (sh._DIGITS.sub("0", t) if digits else t)


@built
def test_norm_tail_equals_the_python_steps():
    for line in LINES + _random_lines() + _date_lines():
        for flags in itertools.product((0, 1), repeat=3):
            assert kernel.norm_tail(line, *flags) == _norm_tail_py(line, *flags), (line, flags)


@built
def test_scripts_equal_script_letters():
    for line in LINES + _random_lines():
        got = lineshape.scripts_of(line)
        want = language.script_letters(line)
        assert got == want and list(got) == list(want), line


def _same(a, b):
    return type(a) is type(b) and (a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b)))


@built
def test_line_shape_and_norm_with_and_without_the_kernel(monkeypatch):
    texts = [t.strip() for t in LINES + _random_lines() + _date_lines() if t.strip()]
    counts = sh._class_counts(texts).tolist()
    assert sh._class_counts_list(texts) == counts
    for stop in STOPLISTS:
        with_c = [(sh.line_shape(t, linewords._words_py(t), stop, c), sh.norm_and_shape(t, c))
                  for t, c in zip(texts, counts)]
        monkeypatch.setattr(sh, "_kernel", None)
        plain = [(sh.line_shape(t, linewords._words_py(t), stop, c), sh.norm_and_shape(t, c))
                 for t, c in zip(texts, counts)]
        monkeypatch.undo()
        for t, (row_c, norm_c), (row_p, norm_p) in zip(texts, with_c, plain):
            assert len(row_c) == len(row_p) == len(sh.SHAPE_FEATURES)
            assert all(map(_same, row_c, row_p)), t
            assert norm_c == norm_p, t


@built
def test_feature_matrix_and_shape_line_with_and_without_the_kernel(monkeypatch):
    pages = [p.read_text("utf-8", errors="replace").split("\n")
             for p in sorted(SEEDS.glob("*.txt")) + sorted(DATA.rglob("*.txt"))]
    pages.append(SPECIAL)

    def run():
        for cached in (linewords.words_of, blocks.content_words, blocks._content_without, blocks._signatures):
            cached.cache_clear()
        out = []
        for lines in pages:
            for language_code in (None, "en"):
                idx, X = features.feature_matrix(lines, language_code)
                out.append((idx, X.tobytes()))
            for n, t in enumerate(lines, 1):
                shape = lineshape.shape_line(n, t, language.stopwords("en"), None).__dict__
                out.append({**shape, "scripts": list(shape["scripts"].items())})  # their order too
        return out

    with_c = run()
    monkeypatch.setattr(sh, "_kernel", None)
    monkeypatch.setattr(lineshape, "_kernel", None)
    monkeypatch.setattr(linewords, "_c_words", None)
    monkeypatch.setattr(blocks, "_kernel", None)
    plain = run()
    monkeypatch.undo()
    for cached in (linewords.words_of, blocks.content_words, blocks._content_without, blocks._signatures):
        cached.cache_clear()
    assert with_c == plain


def test_the_shape_kernel_is_built_where_a_compiler_is():
    """setup.py builds the kernel at install when there is a C compiler and Python's
    headers; it is optional, so a failed build would otherwise go unseen."""
    skip_without_c_build("the Python")
    assert kernel is not None, "the shape kernel is not built: pip install -e . (or setup.py build_ext --inplace)"
    assert sh._kernel is kernel and lineshape._kernel is kernel and blocks._kernel is kernel
    assert linewords._c_words is kernel.words
