"""A line's own shape, from its text alone: the per-line half of the line model's features
(the neighbourhood half is computed over the page in features.py).

Everything here depends on the stripped line and the page's stoplist only, so results are
memoised per line across pages (pipeline.memo.LineMemo).  Character classes are counted for
all lines of a page at once with numpy; the regexes run only on lines holding a character
every match needs.
"""
from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from operator import itemgetter

import numpy as np

from pipeline.language import (SCRIPT_SENTENCE_ENDS, cjk_function_chars, ends_unmarked, guess_codes, stopwords,
                               thai_function_words)

try:  # the per-character loops in C (pipeline/linemodel/_shape.c), built at install when a compiler is there
    import pipeline._shape as _kernel
except ImportError:  # the Python below, which gives the same values (tests/test_shape_kernel.py)
    _kernel = None
if _kernel is not None and not all(hasattr(_kernel, name) for name in ("configure_row", "line_row")):
    _kernel = None  # a build older than this source (not built again since): the Python

NAN = float("nan")

# Japanese / Chinese have no jusText stoplist and no spaces: grammatical particles and
# function characters (pipeline/data/stoplists.json, "_cjk_function_chars") play the role
# of stopwords.  Korean uses the jusText list (it has spaces).
_CJK_END = "。！？"


def pick_stoplist(language, words_lower) -> frozenset:
    """The language's stoplist; unknown language: the one covering most of the words."""
    if language:
        return stopwords(language)
    best, best_hits = frozenset(), 0
    sample = words_lower[:3000]
    for code in guess_codes():
        sl = stopwords(code)
        hits = sum(1 for w in sample if w in sl)
        if hits > best_hits:
            best, best_hits = sl, hits
    return best


_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# A link, a handle or an e-mail address. The e-mail part (`\S+@\S+\.\w+` as a regex)
# is checked by _has_email: as a regex it backtracks quadratically on a long line with
# no spaces (a 100,000-character line took 26 s).
_URLISH = re.compile(r"https?://|www\.|(?:^|\s)@\w+|\.(?:com|org|net|co\.uk)\b", re.I)
_DOT_WORD = re.compile(r"\.\w")
_DATEISH_FORMS = (
    r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|"
    r"\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b|"
    r"\b(?:19|20)\d{2}\b|(?<!\d)\d+\s*(?:min|mins|minutes|hours?|days?)\b")
# Every form starts with a digit or a month's first letter: the look-ahead turns any other
# starting place down at once, where the regex engine tried all seven forms (the same
# matches, 2.5 times faster on the dev set's lines with digits).
_DATEISH = re.compile(r"(?=[\djfmasond])(?:" + _DATEISH_FORMS + ")", re.I)
_DATEISH_MATCH = _DATEISH.match
_SEPS = re.compile(r"\s[|/•·»>]+\s|>>|\|")
_BULLET = re.compile(r"^(?:[-*•·▪●◦–—>]+|\d{1,3}[.)])\s+")
_FIRST = itemgetter(0)
_END_PUNCT = set(".!?…" + _CJK_END + SCRIPT_SENTENCE_ENDS)
_TRAIL = "\"'”’»)]}*  "
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-"})


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).translate(_QUOTES)
    s = _BULLET.sub("", re.sub(r"\s+", " ", s).strip())
    return s.casefold()




# Character classes of a whole page, counted per line with numpy instead of per-character
# Python calls.  Each bit is the very predicate the plain code used (str.isalpha, ...,
# the _CJK ranges, the characters the regexes need), so counts are identical; the "needs"
# bits only let a line skip a regex or translate that cannot match or change it.
_C_ALPHA, _C_UPPER, _C_DIGIT, _C_SPACE, _C_CJK, _C_DECIMAL, _C_QUOTE, _C_SEP, _C_OTHERSPACE, _C_SENT = (
    1 << b for b in range(10))
_N_CLASSES = 10
_SEP_CHARS = "|/•·»>"        # every _SEPS match contains one of them
_SENT_CHARS = ".!?。！？" + SCRIPT_SENTENCE_ENDS  # every sentence-end match starts with one of them


def _char_bits(c: str) -> int:
    """The class bits of one character (used for astral characters, and in tests)."""
    b = 0
    if c.isalpha():
        b |= _C_ALPHA | (_C_UPPER if c.isupper() else 0)
    if c.isdigit():
        b |= _C_DIGIT
    if c.isdecimal():
        b |= _C_DECIMAL
    if c.isspace():
        b |= _C_SPACE | (_C_OTHERSPACE if c != " " else 0)
    if _CJK.match(c):
        b |= _C_CJK
    if ord(c) in _QUOTES:
        b |= _C_QUOTE
    if c in _SEP_CHARS:
        b |= _C_SEP
    if c in _SENT_CHARS:
        b |= _C_SENT
    return b


@lru_cache(maxsize=1)
def _bmp_bits() -> np.ndarray:
    """Class bits of every BMP code point (static table, built once, ~20 ms)."""
    chars = "".join(map(chr, range(0x10000)))
    bits = np.zeros(0x10000, dtype=np.uint16)

    def flag(pred, bit):
        bits[np.fromiter(map(pred, chars), dtype=bool, count=0x10000)] |= bit
    flag(str.isalpha, _C_ALPHA)
    flag(lambda c: c.isalpha() and c.isupper(), _C_UPPER)
    flag(str.isdigit, _C_DIGIT)
    flag(str.isdecimal, _C_DECIMAL)
    flag(str.isspace, _C_SPACE)
    flag(lambda c: c.isspace() and c != " ", _C_OTHERSPACE)
    for lo, hi in ((0x3040, 0x30ff), (0x3400, 0x4dbf), (0x4e00, 0x9fff), (0xac00, 0xd7af), (0xf900, 0xfaff)):
        bits[lo:hi + 1] |= _C_CJK
    for chars_, bit in ((list(map(chr, _QUOTES)), _C_QUOTE), (_SEP_CHARS, _C_SEP), (_SENT_CHARS, _C_SENT)):
        for c in chars_:
            bits[ord(c)] |= bit
    return bits


_BIT_ROWS = ((np.arange(1 << _N_CLASSES)[:, None] >> np.arange(_N_CLASSES)) & 1).astype(np.int64)  # bits -> 0/1 row


def _class_counts_list(texts: list[str]) -> list[list[int]]:
    """_class_counts(texts).tolist(): in C where the kernel is built (the same predicates,
    checked over all of Unicode by tests/test_shape_kernel.py)."""
    if _kernel is not None:
        return _kernel.class_counts(texts)
    return _class_counts(texts).tolist()


def _class_counts(texts: list[str]) -> np.ndarray:
    """lines x classes: how many characters of each line have each class bit.

    A page's characters take few distinct bit sets (a dozen or so): the characters are
    counted per (line, bit set) with one bincount, then each bit set's count goes to its
    bits with one small integer product (half the time of summing ten 0/1 columns per
    line with reduceat; the same integers)."""
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table = _bmp_bits()
    astral = codes > 0xFFFF
    if astral.any():
        bits = table[np.where(astral, 0, codes)]
        bits[astral] = [_char_bits(chr(c)) for c in codes[astral].tolist()]
    else:
        bits = table[codes]
    n = len(texts)
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=n)  # all > 0
    kinds = np.flatnonzero(np.bincount(bits, minlength=1 << _N_CLASSES))  # the bit sets present
    kind_of = np.zeros(1 << _N_CLASSES, dtype=np.int64)
    kind_of[kinds] = np.arange(len(kinds))
    line = np.repeat(np.arange(n, dtype=np.int64), lens)
    per_kind = np.bincount(line * len(kinds) + kind_of[bits], minlength=n * len(kinds)).reshape(n, len(kinds))
    return per_kind @ _BIT_ROWS[kinds]


# A line's shape features, in the order line_shape returns them (features.py's registry
# reads them by name).  A list, not a named tuple: building one by keyword cost more than
# the rest of line_shape.
SHAPE_FEATURES = (
    "log_chars", "n_words", "log_words", "stop_density", "stop_count", "end_punct", "end_colon",
    "n_sentences", "comma_rate", "title_ratio", "upper_ratio", "digit_ratio", "alpha_ratio",
    "n_separators", "urlish", "bullet", "dateish", "cjk_ratio", "avg_word_len", "first_char_lower",
    "has_copyright", "good",
)


_URLISH_DOT = re.compile(r"www\.|\.(?:com|org|net|co\.uk)\b", re.I)  # _URLISH's alternatives without @ or ://
_SENT = re.compile("[.!?。！？" + SCRIPT_SENTENCE_ENDS + r"][\"'”’)]?(?:\s|$)")
_WS = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")


def _may_be_urlish_dot(s: str) -> bool:
    """False only where _URLISH_DOT cannot match: each of its matches holds "w." or a "."
    before c, o or n, and under IGNORECASE `re` matches no other character than the two
    cases to w, c, o or n (checked over all of Unicode by tests/test_speed_paths.py).
    Substring tests, where the case-insensitive search tried its alternatives at every
    place of a line holding a full stop (most prose)."""
    return (".c" in s or ".o" in s or ".n" in s or "w." in s or ".C" in s or ".O" in s or ".N" in s
            or "W." in s)


def _has_email(s: str) -> bool:
    r"""What `\S+@\S+\.\w+` finds, in linear time: in one run of non-space characters,
    an "@" after its first character, then a "." and a word character after at least
    one character more."""
    for token in s.split():
        at = token.find("@", 1)
        if at > 0 and _DOT_WORD.search(token, at + 2):
            return True
    return False


def _line_parts_py(s: str, words, stop: frozenset, n_cjk: int, n_sentc: int, n_sepc: int) -> tuple:
    """The integers line_shape reads off a line's words and text: (latin words, their
    characters, their stopwords, those starting with a letter, of which capitals, sentence
    ends, separators, bullet 0/1). The kernel's line_parts computes the same in C."""
    # CJK runs count as one "word" per ~2 characters so length features stay comparable.
    latin_words = [w for w in words if not _CJK.search(w)] if n_cjk else words
    alpha_first = list(filter(str.isalpha, map(_FIRST, latin_words)))
    return (len(latin_words), sum(map(len, latin_words)), sum(map(stop.__contains__, map(str.lower, latin_words))),
            len(alpha_first), sum(map(str.isupper, alpha_first)),
            len(_SENT.findall(s)) if n_sentc else 0,  # the regexes run only on lines holding
            len(_SEPS.findall(s)) if n_sepc else 0,   # a character every match needs
            1 if _BULLET.match(s) else 0)


def _line_parts(s: str, words, stop: frozenset, n_cjk: int, n_sentc: int, n_sepc: int) -> tuple:
    if _kernel is not None and (stop.__class__ is frozenset or stop.__class__ is set):
        return _kernel.line_parts(s, words, stop, n_cjk, n_sentc, n_sepc)
    return _line_parts_py(s, words, stop, n_cjk, n_sentc, n_sepc)


def _dateish(s: str) -> int:
    """len(_DATEISH.findall(s)); the kernel tries the regex only where a form can start (a
    digit after no digit, a month's first letters at a word boundary), findall at every place."""
    if _kernel is not None:
        return _kernel.count_dateish(s, _DATEISH_MATCH)
    return len(_DATEISH.findall(s))


def line_shape(s: str, words: list, stop: frozenset, counts: list) -> list:
    """Shape features of one stripped line (SHAPE_FEATURES); `counts` is its row of
    _class_counts. In one kernel call where it is built (the same values and types;
    tests/test_shape_kernel.py), but for a line of mostly CJK characters."""
    if _kernel is not None and (stop.__class__ is frozenset or stop.__class__ is set):
        row = _kernel.line_row(s, words, stop, counts)
        if row is None:
            row = _line_shape_py(s, words, stop, counts)
    else:
        row = _line_shape_py(s, words, stop, counts)
    if not stop and _THAI_LETTER.search(s) is not None:
        _thai_stopwords(row, s)  # a page with no stoplist: its Thai lines count function words
    if s[-1] >= "\u0e00" and not row[5] and ends_unmarked(s):
        _ends_a_sentence(row)  # one comparison for a line of any other script
    return row


_THAI_LETTER = re.compile("[\u0e01-\u0e2e]")


@lru_cache(maxsize=1)
def _thai_function_word() -> re.Pattern:
    # the longest first, so that "เนื่องจาก" is one function word, not "จาก" inside it
    return re.compile("|".join(map(re.escape, sorted(thai_function_words(), key=lambda w: (-len(w), w)))))


def _thai_stopwords(row: list, s: str) -> None:
    """stop_density and stop_count of a line holding Thai on a page with no stoplist: its
    Thai function words (pipeline/data/stoplists.json, "_thai_function_words"), found where
    they stand (Thai writes no space between words), per word as the line counts words
    (the \\w pieces its vowel and tone marks leave), as a stoplist's words are per word
    elsewhere. Without it a Thai line's stopword density was missing, as a menu's or a
    number's is, and the model read Thai prose as chrome (ciphered dev pages,
    docs/quality.md, twenty-fifth round). `good` follows the density, as line_shape sets it."""
    n_func = len(_thai_function_word().findall(s))
    n_words = row[1]
    if not n_words:
        return
    density = min(1.0, n_func / n_words)
    row[3] = density
    row[4] = row[4] + n_func
    row[21] = 1.0 if n_words >= 10 and density >= 0.2 and (row[5] or n_words >= 25) else 0.0


def _ends_a_sentence(row: list) -> None:
    """A line of Thai or Lao (language.ends_unmarked) ends a sentence as a full stop ends
    one elsewhere: end_punct, and `good` as _line_shape_py reckons it with end_punct."""
    row[5] = 1.0  # end_punct
    n_words, stop_density = row[1], row[3]
    if n_words >= 10 and (stop_density != stop_density or stop_density >= 0.2):
        row[21] = 1.0  # good


def _line_shape_py(s: str, words: list, stop: frozenset, counts: list) -> list:
    n_letters, n_upper, digits, n_space, n_cjk, n_decimal, _, n_sepc, _, n_sentc = counts
    cjk_ratio = n_cjk / max(1, len(s))
    n_latin, latin_chars, n_stop, n_alpha_first, n_title, n_sent, n_seps, bullet = _line_parts(
        s, words, stop, n_cjk, n_sentc, n_sepc)
    n_words = n_latin + n_cjk / 2.0
    if n_cjk > len(s) * 0.3:
        # function characters per CJK char, scaled to be on a par with European stop densities
        func = cjk_function_chars()
        n_func = sum(1 for ch in s if ch in func)
        stop_density = min(1.0, 2.5 * n_func / max(1, n_cjk))
        n_stop = n_stop + n_func
    elif stop and n_latin:
        stop_density = n_stop / n_latin
    else:
        stop_density = NAN
    t = s.rstrip(_TRAIL)
    end = t[-1:] if t else ""
    nonspace = (len(s) - n_space) or 1
    title = n_title / n_alpha_first if n_alpha_first else NAN
    upper = n_upper / n_letters if n_letters else 0.0
    if "@" in s or "://" in s:
        urlish = 1.0 if _URLISH.search(s) or _has_email(s) else 0.0
    else:
        urlish = 1.0 if "." in s and _may_be_urlish_dot(s) and _URLISH_DOT.search(s) else 0.0
    end_punct = 1.0 if end in _END_PUNCT else 0.0
    good = 1.0 if (n_words >= 10 and (stop_density != stop_density or stop_density >= 0.2)
                   and (end_punct or n_words >= 25)) else 0.0
    return [  # SHAPE_FEATURES
        math.log1p(len(s)),  # log_chars
        n_words,  # n_words
        math.log1p(n_words),  # log_words
        stop_density,  # stop_density
        n_stop,  # stop_count
        end_punct,  # end_punct
        1.0 if end == ":" else 0.0,  # end_colon
        n_sent,  # n_sentences
        s.count(",") / max(1.0, n_words),  # comma_rate
        title,  # title_ratio
        upper,  # upper_ratio
        digits / nonspace,  # digit_ratio
        n_letters / nonspace,  # alpha_ratio
        n_seps,  # n_separators
        urlish,  # urlish
        1.0 if bullet else 0.0,  # bullet
        _dateish(s) if n_decimal else 0,  # dateish
        cjk_ratio,  # cjk_ratio
        latin_chars / n_latin if n_latin else NAN,  # avg_word_len
        1.0 if s[:1].islower() else 0.0,  # first_char_lower
        1.0 if ("©" in s or "(c)" in s or "(C)" in s) else 0.0,  # has_copyright
        good,  # good
    ]


if _kernel is not None:  # line_row's sets and regexes: shape.py's own
    _kernel.configure_row(_TRAIL, "".join(sorted(_END_PUNCT)), _DATEISH_MATCH, _URLISH.search, _URLISH_DOT.search,
                          _has_email, NAN)


def norm_and_shape(s: str, counts: list) -> tuple[str, str]:
    """(_norm(s), its digit-masked shape), skipping the steps that cannot change s."""
    t = unicodedata.normalize("NFKC", s)
    if t != s:
        t = _norm(s)
        return t, _DIGITS.sub("0", t)
    if _kernel is not None:  # the same steps in C (tests/test_shape_kernel.py)
        return _kernel.norm_tail(t, counts[6], counts[8], counts[5])
    if counts[6]:  # quote characters
        t = t.translate(_QUOTES)
    if counts[8] or "  " in t:  # whitespace other than single spaces (s is stripped)
        t = _WS.sub(" ", t).strip()
    t = _BULLET.sub("", t).casefold()
    # casefold makes no digits, so without decimal digits in s there are none to mask
    return t, (_DIGITS.sub("0", t) if counts[5] else t)


