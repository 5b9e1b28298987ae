"""Line classifier for plain-text page dumps: article body vs. page chrome.

Gradient-boosted tree ensembles (trained offline with scikit-learn, see
training/train_line_model.py) are stored as plain JSON in data/line_model.json and scored
here with numpy (all lines and trees of a page at once; `_Forest.raw` is the plain walk they
must agree with), so the runtime needs only numpy, jusText (for its stoplists) and
pyahocorasick (long lines inside longer ones).

Stage 1 scores every non-blank line from its own shape (length, stopword density,
punctuation, casing, separators, ...) and from its neighbourhood (the blank-line-delimited
run it sits in, nearby lines, distance to the page's densest stretch of prose, templated
repeats and time stamps around it).  An optional stacked stage 2 re-scores lines from their
neighbours' stage-1 probabilities; it is used only if the model file contains it (it did not
improve site-grouped cross-validation, so the shipped model is stage 1 alone).
"""
from __future__ import annotations

import json
import math
import re
import sys
import unicodedata
from operator import itemgetter
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick
import numpy as np

from pipeline.language import guess_codes, stopwords
from pipeline.memo import LineMemo

__all__ = ["LineScore", "PageScores", "score_lines", "score_page", "line_features", "FEATURES", "STAGE2_FEATURES", "load_model"]

MODEL_PATH = Path(__file__).with_name("data") / "line_model.json"


@dataclass(frozen=True)
class LineScore:
    body_prob: float          # probability the line is article body
    reasons: tuple[str, ...]  # 1-3 short human-readable top contributing signals


# ----------------------------------------------------------------------------- language
# The stoplists are the rules' own (pipeline/data/stoplists.json via pipeline.language):
# one table of every jusText stoplist, Korean included.
# Japanese / Chinese have no jusText stoplist and no spaces: grammatical particles and
# function characters play the role of stopwords.  Korean uses the jusText list (it has
# spaces) plus its particles, see _stop_density.
_CJK_FUNC = set("のはがをにでとたしてもなるいうからまですこれそれあやへ的了是在和有我这个们不也就都而与及其之为")
_CJK_END = "。！？"


def _pick_stoplist(language, words_lower) -> frozenset:
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


# ----------------------------------------------------------------------------- features
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
_SEPS = re.compile(r"\s[|/•·»>]+\s|>>|\|")
_BULLET = re.compile(r"^(?:[-*•·▪●◦–—>]+|\d{1,3}[.)])\s+")
_FIRST = itemgetter(0)
_END_PUNCT = set(".!?…" + _CJK_END)
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
_SENT_CHARS = ".!?。！？"     # every sentence-end match starts with one of them


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


def _class_counts(texts: list[str]) -> np.ndarray:
    """lines x classes: how many characters of each line have each class bit."""
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table = _bmp_bits()
    astral = codes > 0xFFFF
    if astral.any():
        bits = table[np.where(astral, 0, codes)]
        bits[astral] = [_char_bits(chr(c)) for c in codes[astral].tolist()]
    else:
        bits = table[codes]
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))  # all > 0
    flags = (bits[:, None] & (1 << np.arange(_N_CLASSES, dtype=np.uint16))).astype(bool).view(np.uint8)
    return np.add.reduceat(flags, np.cumsum(lens) - lens, axis=0, dtype=np.int64)


# Per-line shape features (index order matters: the model refers to features by index).
_LINE_FEATS = [
    "log_chars", "n_words", "log_words", "stop_density", "stop_count", "end_punct", "end_colon",
    "n_sentences", "comma_rate", "title_ratio", "upper_ratio", "digit_ratio", "alpha_ratio",
    "n_separators", "urlish", "bullet", "dateish", "cjk_ratio", "repeat_count",
    "contains_long_line", "contained_in_long_line", "avg_word_len", "first_char_lower",
    "has_copyright", "good",
]
_CTX_FEATS = [
    "pos_rel", "pos_words_rel", "blank_before", "blank_after", "run_len", "run_pos_rel",
    "run_mean_words", "run_short_share", "run_good_share",
    "prev1_words", "prev1_stop", "prev1_end", "prev2_words", "next1_words", "next1_stop",
    "next1_end", "next2_words",
    "win5_mean_logw", "win5_stop", "win5_good", "win15_good", "win15_short",
    "in_main", "dist_main", "main_share", "before_first_good", "after_last_good",
    "dist_good", "doc_lines", "doc_good_share", "doc_words_log",
    "shape_repeat", "win10_shape_rep", "win10_dateish",
]
FEATURES = _LINE_FEATS + _CTX_FEATS
_S2_FEATS = [
    "p_self", "p_prev1", "p_prev2", "p_next1", "p_next2", "p_win3", "p_win10", "p_win10_w",
    "p_run_mean", "p_run_max", "p_in_region", "p_dist_region", "p_before_max", "p_after_max",
]
# Stage 2 sees a compact subset of the line's own shape plus the neighbours' stage-1
# probabilities: with every stage-1 feature it mostly re-learnt stage 1 and overfitted.
_S2_BASE = ["log_words", "stop_density", "end_punct", "title_ratio", "good", "blank_before",
            "blank_after", "run_len", "repeat_count", "contains_long_line", "shape_repeat", "pos_rel"]
STAGE2_FEATURES = _S2_BASE + _S2_FEATS

NAN = float("nan")


_URLISH_DOT = re.compile(r"www\.|\.(?:com|org|net|co\.uk)\b", re.I)  # _URLISH's alternatives without @ or ://
_SENT = re.compile(r"[.!?。！？][\"'”’)]?(?:\s|$)")
_WS = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")


def _has_email(s: str) -> bool:
    r"""What `\S+@\S+\.\w+` finds, in linear time: in one run of non-space characters,
    an "@" after its first character, then a "." and a word character after at least
    one character more."""
    for token in s.split():
        at = token.find("@", 1)
        if at > 0 and _DOT_WORD.search(token, at + 2):
            return True
    return False


def _line_shape(s: str, words: list, stop: frozenset, counts: list) -> list:
    """Shape features of one stripped line; `counts` is its row of _class_counts."""
    n_letters, n_upper, digits, n_space, n_cjk, n_decimal, _, n_sepc, _, n_sentc = counts
    cjk_ratio = n_cjk / max(1, len(s))
    # CJK runs count as one "word" per ~2 characters so length features stay comparable.
    latin_words = [w for w in words if not _CJK.search(w)] if n_cjk else words
    n_words = len(latin_words) + n_cjk / 2.0
    low = list(map(str.lower, latin_words))
    n_stop = sum(map(stop.__contains__, low))
    if n_cjk > len(s) * 0.3:
        # function characters per CJK char, scaled to be on a par with European stop densities
        n_func = sum(1 for ch in s if ch in _CJK_FUNC)
        stop_density = min(1.0, 2.5 * n_func / max(1, n_cjk))
        n_stop = n_stop + n_func
    elif stop and low:
        stop_density = n_stop / len(low)
    else:
        stop_density = NAN
    t = s.rstrip(_TRAIL)
    end = t[-1:] if t else ""
    nonspace = (len(s) - n_space) or 1
    alpha_first = list(filter(str.isalpha, map(_FIRST, latin_words)))
    title = sum(map(str.isupper, alpha_first)) / len(alpha_first) if alpha_first else NAN
    upper = n_upper / n_letters if n_letters else 0.0
    # The regexes below run only on lines holding a character every match needs.
    n_sent = len(_SENT.findall(s)) if n_sentc else 0
    if "@" in s or "://" in s:
        urlish = 1.0 if _URLISH.search(s) or _has_email(s) else 0.0
    else:
        urlish = 1.0 if "." in s and _URLISH_DOT.search(s) else 0.0
    end_punct = 1.0 if end in _END_PUNCT else 0.0
    good = 1.0 if (n_words >= 10 and (stop_density != stop_density or stop_density >= 0.2)
                   and (end_punct or n_words >= 25)) else 0.0
    return [
        math.log1p(len(s)), n_words, math.log1p(n_words), stop_density, n_stop,
        end_punct, 1.0 if end == ":" else 0.0,
        n_sent, s.count(",") / max(1.0, n_words), title, upper, digits / nonspace,
        n_letters / nonspace, len(_SEPS.findall(s)) if n_sepc else 0, urlish,
        1.0 if _BULLET.match(s) else 0.0, len(_DATEISH.findall(s)) if n_decimal else 0, cjk_ratio,
        0.0, 0.0, 0.0,  # repeat / containment, filled at document level
        (sum(map(len, latin_words)) / len(latin_words)) if latin_words else NAN,
        1.0 if s[:1].islower() else 0.0, 1.0 if ("©" in s or "(c)" in s or "(C)" in s) else 0.0,
        good,
    ]


def _norm_and_shape(s: str, counts: list) -> tuple[str, str]:
    """(_norm(s), its digit-masked shape), skipping the steps that cannot change s."""
    t = unicodedata.normalize("NFKC", s)
    if t != s:
        t = _norm(s)
        return t, _DIGITS.sub("0", t)
    if counts[6]:  # quote characters
        t = t.translate(_QUOTES)
    if counts[8] or "  " in t:  # whitespace other than single spaces (s is stripped)
        t = _WS.sub(" ", t).strip()
    t = _BULLET.sub("", t).casefold()
    # casefold makes no digits, so without decimal digits in s there are none to mask
    return t, (_DIGITS.sub("0", t) if counts[5] else t)


_I = {name: i for i, name in enumerate(FEATURES)}
_S2_IDX = [_I[f] for f in _S2_BASE]


def _max_subarray(vals):
    """Kadane: (start, end) inclusive of the best-scoring contiguous stretch, or None."""
    best, best_span, cur, cur_start = 0.0, None, 0.0, 0
    for k, v in enumerate(vals):
        if cur <= 0:
            cur, cur_start = v, k
        else:
            cur += v
        if cur > best:
            best, best_span = cur, (cur_start, k)
    return best_span


def _dist_to_span(k, span):
    if span is None:
        return 50.0
    if span[0] <= k <= span[1]:
        return 0.0
    return float(span[0] - k if k < span[0] else k - span[1])


def _containment(norms: list[str], counts: dict) -> tuple[set, set]:
    """Long lines (>= 60 chars) inside a longer long line, and the lines containing them.

    The definition: a is inside when norms[a] is a substring of some long norms[b] with
    len(norms[b]) > len(norms[a]); the containers are those b. Counting each long line in
    the whole page costs the page's length per long line: quadratic on long pages, which
    hold thousands (issue 12, item 16). So that count is kept for pages of at most
    _COUNTED_LONG_LINES long lines (time bounded by that many passes over the page), and
    a page with more goes through one Aho-Corasick automaton (pyahocorasick, in C) over
    its distinct long lines, scanning each once: time linear in their length plus the
    matches on real text. Not for every page: pyahocorasick walks its failure links at
    each character, which on a highly periodic line ("by clicking " 8,000 times) costs
    seconds a line, where counting a few lines costs milliseconds. Both give the same
    sets (tests/test_long_pages.py)."""
    long_ids = [k for k, s in enumerate(norms) if len(s) >= 60]
    if len(long_ids) <= _COUNTED_LONG_LINES:
        return _containment_counted(norms, counts, long_ids)
    inside, container = set(), set()
    distinct = list(dict.fromkeys(norms[k] for k in long_ids))
    if len(distinct) < 2:  # equal lines only: none is longer than another
        return inside, container
    automaton = ahocorasick.Automaton()
    for s in distinct:
        automaton.add_word(s, s)
    automaton.make_automaton()
    inside_s, container_s = set(), set()
    for s in distinct:
        n = len(s)
        for _end, found in automaton.iter(s):
            if len(found) < n:  # a shorter long line occurs in s (s itself has length n)
                inside_s.add(found)
                container_s.add(s)
    if inside_s:
        inside = {k for k in long_ids if norms[k] in inside_s}
        container = {k for k in long_ids if norms[k] in container_s}
    return inside, container


_COUNTED_LONG_LINES = 200


def _containment_counted(norms: list[str], counts: dict, long_ids: list[int]) -> tuple[set, set]:
    """_containment by counting each long line in the page's long lines (the code before
    issue 12); `counts`: each line's number of equal lines."""
    inside, container = set(), set()
    if len(long_ids) < 2:
        return inside, container
    joined = "\n".join(norms[k] for k in long_ids)
    if joined.count("\n") != len(long_ids) - 1:  # a line with "\n" would break the count below
        pairs = [(a, b) for a in long_ids for b in long_ids
                 if a != b and len(norms[b]) > len(norms[a]) and norms[a] in norms[b]]
        return {a for a, _ in pairs}, {b for _, b in pairs}
    # No match spans a "\n", and a line of the same length holds a only if it equals a: so
    # a sits inside a longer line iff it occurs more often than it has equal lines.
    for a in long_ids:
        if joined.count(norms[a]) > counts[norms[a]]:
            inside.add(a)
    for a in inside:
        s, n = norms[a], len(norms[a])
        container.update(b for b in long_ids if len(norms[b]) > n and s in norms[b])
    return inside, container


def _window_seq_sum(vals: np.ndarray, half: int) -> np.ndarray:
    """sum(vals[k-half : k+half+1]) per line (and column), added left to right like Python's
    sum (the padding zeros leave the partial sums unchanged, vals being >= 0)."""
    n = len(vals)
    pad = np.zeros((n + 2 * half,) + vals.shape[1:])
    pad[half:half + n] = vals
    acc = np.zeros(vals.shape)
    for j in range(2 * half + 1):
        acc += pad[j:j + n]
    return acc


def _shift(vals: np.ndarray, off: int, default: float) -> np.ndarray:
    """vals[k + off] per line, `default` outside the page."""
    out = np.full(len(vals), default)
    if off < 0:
        out[-off:] = vals[:off]
    else:
        out[:-off] = vals[off:]
    return out


def _per_line(texts: list[str], stop: frozenset, words_of: list | None = None) -> list[tuple]:
    """Per line: (its shape features, its normalised text, its digit-masked shape)."""
    if words_of is None:
        words_of = list(map(_WORD.findall, texts))
    counts = _class_counts(texts).tolist()
    return [(_line_shape(s, w, stop, c), *_norm_and_shape(s, c)) for s, w, c in zip(texts, words_of, counts)]


def _feature_matrix(lines: list[str], language: str | None, memo: LineMemo | None = None):
    """(indices of the non-blank lines, their feature rows as a float array).

    `memo`: per-line results of earlier pages (they depend on the line and the stoplist
    only), computed here only for lines not in it."""
    stripped = [ln.strip() for ln in lines]
    idx = [i for i, t in enumerate(stripped) if t]
    texts = [stripped[i] for i in idx]
    n = len(texts)
    if n == 0:
        return idx, np.zeros((0, len(FEATURES)))
    words_of = None
    if language:
        stop = _pick_stoplist(language, None)
    else:  # the guess looks at the first 3000 words only
        words_of = list(map(_WORD.findall, texts))
        sample = []
        for ws in words_of:
            sample.extend(map(str.lower, ws))
            if len(sample) >= 3000:
                break
        stop = _pick_stoplist(language, sample)
    if memo is None:
        per_line = _per_line(texts, stop, words_of)
    else:
        known = memo.table("linemodel", stop)
        new = list(dict.fromkeys(t for t in texts if t not in known))
        if new:
            known.update(zip(new, _per_line(new, stop)))
        per_line = [known[t] for t in texts]
    X = np.empty((n, len(FEATURES)))
    X[:, :len(_LINE_FEATS)] = [row for row, _, _ in per_line]

    # repeats and containment (teasers that repeat the lead, duplicated article copies)
    norms = [norm for _, norm, _ in per_line]
    shapes = [shape for _, _, shape in per_line]
    norm_counts = Counter(norms)
    X[:, _I["repeat_count"]] = [norm_counts[s] - 1 for s in norms]
    inside, container = _containment(norms, norm_counts)
    X[list(inside), _I["contained_in_long_line"]] = 1.0
    X[list(container), _I["contains_long_line"]] = 1.0
    # digit-masked repeats catch templated chrome: "Rating: 17 Votes", "2 days ago at 07:51 am"
    shape_counts = Counter(shapes)
    shape_rep = np.array([shape_counts[s] - 1 for s in shapes], dtype=np.float64)

    words_l = X[:, _I["n_words"]].tolist()
    words = X[:, _I["n_words"]]
    stopd = X[:, _I["stop_density"]]
    endp = X[:, _I["end_punct"]]
    good = X[:, _I["good"]]
    datey = (X[:, _I["dateish"]] > 0) & (words <= 8)
    total_words = sum(words_l) or 1.0
    k = np.arange(n)
    log1p_int = np.array([math.log1p(v) for v in range(max(n, 50) + 1)])  # log1p of counts/distances

    # runs of consecutive non-blank raw lines (menus, teaser lists, ...)
    raw = np.array(idx)
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = raw[1:] != raw[:-1] + 1
    run_id = np.cumsum(new_run) - 1
    run_start = k[new_run]
    run_len = np.diff(np.append(run_start, n))
    rl = run_len[run_id]
    run_pos = k - run_start[run_id]
    # words are multiples of 0.5, good and short are 0/1: these sums are exact in any order
    rmean = np.bincount(run_id, weights=words) / run_len
    rshort = np.bincount(run_id, weights=(words <= 4)) / run_len
    rgood = np.bincount(run_id, weights=good) / run_len

    # the page's main stretch of prose: good lines score their length, others a penalty
    good_l = good.tolist()
    span = _max_subarray([w if g else -(2.0 + 0.5 * min(w, 20)) for w, g in zip(words_l, good_l)])
    main_words = sum(words_l[span[0]:span[1] + 1]) if span else 0.0
    good_ids = np.flatnonzero(good)
    first_good = good_ids[0] if len(good_ids) else n
    last_good = good_ids[-1] if len(good_ids) else -1
    doc_good = len(good_ids) / n
    if span:
        in_main = (k >= span[0]) & (k <= span[1])
        dist_main = log1p_int[np.where(k < span[0], span[0] - k, np.where(k > span[1], k - span[1], 0))]
    else:
        in_main = np.zeros(n, dtype=bool)
        dist_main = np.full(n, math.log1p(50.0))

    # distance to the nearest good line; 50 if none, and capped at 50 when the nearest
    # good line is below (as the two-pass loop this replaces did)
    prev_good = np.maximum.accumulate(np.where(good > 0, k, -1))
    next_good = np.minimum.accumulate(np.where(good > 0, k, n)[::-1])[::-1]
    nearest = np.where(prev_good >= 0, k - prev_good, 50)
    nearest = np.where(next_good < n, np.minimum(nearest, next_good - k), nearest)

    def window(half):
        return np.maximum(0, k - half), np.minimum(n, k + half + 1)
    lo5, hi5 = window(5)
    lo10, hi10 = window(10)
    lo15, hi15 = window(15)
    size5, size10, size15 = hi5 - lo5, hi10 - lo10, hi15 - lo15
    logw = np.array([math.log1p(w) for w in words_l])
    sd_ok = ~np.isnan(stopd)
    # window sums of 0/1 columns, exact in any order: from one cumulative sum
    cum = np.zeros((n + 1, 5))
    np.cumsum(np.column_stack([sd_ok, good, words <= 4, shape_rep > 0, datey]), axis=0, out=cum[1:])

    def window_sum(col, lo, hi):
        return cum[hi, col] - cum[lo, col]
    logw_sum, stop_sum = _window_seq_sum(np.column_stack([logw, np.where(sd_ok, stopd, 0.0)]), 5).T
    sd_n = window_sum(0, lo5, hi5)
    with np.errstate(invalid="ignore", divide="ignore"):
        win5_stop = np.where(sd_n > 0, stop_sum / sd_n, NAN)

    ctx = [
        k / n, (np.cumsum(words) - words) / total_words,
        new_run, np.append(new_run[1:], True),
        log1p_int[rl], np.where(rl > 1, run_pos / np.maximum(1, rl - 1), 0.0), rmean[run_id],
        rshort[run_id], rgood[run_id],
        _shift(words, -1, -1.0), _shift(stopd, -1, NAN), _shift(endp, -1, -1.0), _shift(words, -2, -1.0),
        _shift(words, 1, -1.0), _shift(stopd, 1, NAN), _shift(endp, 1, -1.0), _shift(words, 2, -1.0),
        logw_sum / size5, win5_stop,
        window_sum(1, lo5, hi5) / size5, window_sum(1, lo15, hi15) / size15,
        window_sum(2, lo15, hi15) / size15,
        in_main, dist_main,
        main_words / total_words, k < first_good, k > last_good,
        log1p_int[nearest], math.log1p(n), doc_good, math.log1p(total_words),
        log1p_int[shape_rep.astype(np.int64)],
        window_sum(3, lo10, hi10) / size10,
        window_sum(4, lo10, hi10) / size10,
    ]
    for j, col in enumerate(ctx, len(_LINE_FEATS)):
        X[:, j] = col
    return idx, X


def line_features(lines: list[str], language: str | None):
    """Feature rows for the non-blank lines: returns (indices, rows)."""
    idx, X = _feature_matrix(lines, language)
    return idx, X.tolist()


def stage2_features(rows, idx, probs):
    """Append neighbours' stage-1 probabilities to each row (returns new rows)."""
    n = len(rows)
    words = [r[_I["n_words"]] for r in rows]
    run_of = []
    run = 0
    for k in range(n):
        if k > 0 and idx[k] != idx[k - 1] + 1:
            run += 1
        run_of.append(run)
    run_members = {}
    for k, r in enumerate(run_of):
        run_members.setdefault(r, []).append(k)
    span = _max_subarray([(p - 0.5) * (1.0 + w) for p, w in zip(probs, words)])

    def at(j):
        return probs[j] if 0 <= j < n else -1.0

    out = []
    for k in range(n):
        lo3, hi3 = max(0, k - 3), min(n, k + 4)
        lo10, hi10 = max(0, k - 10), min(n, k + 11)
        wsum = sum(words[lo10:hi10]) or 1.0
        mem = run_members[run_of[k]]
        before = probs[max(0, k - 3):k]
        after = probs[k + 1:k + 4]
        out.append([rows[k][j] for j in _S2_IDX] + [
            probs[k], at(k - 1), at(k - 2), at(k + 1), at(k + 2),
            sum(probs[lo3:hi3]) / (hi3 - lo3), sum(probs[lo10:hi10]) / (hi10 - lo10),
            sum(p * w for p, w in zip(probs[lo10:hi10], words[lo10:hi10])) / wsum,
            sum(probs[j] for j in mem) / len(mem), max(probs[j] for j in mem),
            1.0 if span and span[0] <= k <= span[1] else 0.0, math.log1p(_dist_to_span(k, span)),
            max(before) if before else -1.0, max(after) if after else -1.0,
        ])
    return out


# ----------------------------------------------------------------------------- model
class _Forest:
    """Boosted trees exported from sklearn's HistGradientBoostingClassifier.

    Each tree is a list of nodes: [feature, threshold, missing_left, left, right, value] for
    splits and [-1, value] for leaves; `value` on split nodes is the count-weighted mean of the
    subtree, used to attribute the score to features (Saabas-style) for the reasons.
    """

    def __init__(self, spec):
        self.baseline = float(spec["baseline"])
        self.trees = spec["trees"]

    def raw(self, x, contrib=None):
        total = self.baseline
        for tree in self.trees:
            node = tree[0]
            while node[0] >= 0:
                v = x[node[0]]
                go_left = node[2] if v != v else v <= node[1]
                nxt = tree[node[3] if go_left else node[4]]
                if contrib is not None:
                    contrib[node[0]] = contrib.get(node[0], 0.0) + nxt[-1] - node[-1]
                node = nxt
            total += node[-1]
        return total

    def _arrays(self):
        """The trees flattened into arrays (node ids global over all trees), built once."""
        if getattr(self, "_flat", None) is None:
            feature, threshold, missing_left, left, right, value, roots = [], [], [], [], [], [], []
            for tree in self.trees:
                base = len(feature)
                roots.append(base)
                for node in tree:
                    if node[0] >= 0:
                        feature.append(node[0])
                        threshold.append(node[1])
                        missing_left.append(bool(node[2]))
                        left.append(base + node[3])
                        right.append(base + node[4])
                    else:
                        feature.append(-1)
                        threshold.append(0.0)
                        missing_left.append(False)
                        left.append(0)
                        right.append(0)
                    value.append(node[-1])
            self._flat = (np.array(feature, dtype=np.int64), np.array(threshold, dtype=np.float64),
                          np.array(missing_left), np.array(left, dtype=np.int64), np.array(right, dtype=np.int64),
                          np.array(value, dtype=np.float64), np.array(roots, dtype=np.int64))
        return self._flat

    def _tables(self):
        """The trees as tables for `_leaves` (built once), or None where they do not apply."""
        if getattr(self, "_qs", None) is None:
            self._qs = self._build_tables() or False
        return self._qs or None

    def _build_tables(self):
        """QuickScorer (Lucchese et al. 2015) tables.  Leaves are numbered left to right in
        each tree; a split sending a row right rules out the leaves of its left subtree; the
        row's leaf is the leftmost leaf no split rules out.  Each tree's splits get `width`
        slots (spare ones never go right), so a row's go-right flags pack into bytes, and a
        table per (tree, byte) gives the leaves that byte's splits rule out."""
        if sys.byteorder != "little":  # the byte packing in _leaves assumes it
            return None
        splits_of, leaf_start, leaf_value, path_feature, path_amount, path_len = [], [], [], [], [], []
        for tree in self.trees:
            splits = []  # (feature, threshold, missing_left, leaves of the left subtree)
            leaf_start.append(len(leaf_value))
            base = len(leaf_value)

            def visit(i, path):  # the bitmask of the leaves under node i
                node = tree[i]
                if node[0] < 0:
                    leaf_value.append(node[-1])
                    # raw()'s contrib steps on the way down: (+ next value, - this value)
                    for f, nxt, this in path:
                        path_feature.extend((f, f))
                        path_amount.extend((nxt, -this))
                    path_len.append(2 * len(path))
                    return 1 << (len(leaf_value) - 1 - base)
                j = len(splits)
                splits.append(None)
                left = visit(node[3], path + [(node[0], tree[node[3]][-1], node[-1])])
                right = visit(node[4], path + [(node[0], tree[node[4]][-1], node[-1])])
                splits[j] = (node[0], node[1], bool(node[2]), left)
                return left | right

            visit(0, [])
            if len(leaf_value) - base > 64 or any(s[1] != s[1] for s in splits):
                return None
            splits_of.append(splits)
        n_trees = len(splits_of)
        n_bytes = max(1, -(-max(map(len, splits_of)) // 8))
        width = 8 * n_bytes
        mask_type = np.uint32 if max(np.diff(leaf_start + [len(leaf_value)])) <= 32 else np.uint64
        feature = np.zeros((n_trees, width), dtype=np.int64)
        missing_left = np.ones((n_trees, width), dtype=bool)
        limit = np.full((n_trees, width), np.inf)
        left = np.zeros((n_trees, width), dtype=mask_type)
        for t, splits in enumerate(splits_of):
            for j, (f, thr, ml, lm) in enumerate(splits):
                feature[t, j], missing_left[t, j], left[t, j] = f, ml, lm
                # go right <=> not (v <= thr), a missing v going left iff ml.  _leaves reads
                # a missing v as -inf where ml, else +inf, and asks v > limit: limit is thr,
                # but for thr +inf (where only a missing v goes right) the largest float.
                limit[t, j] = np.finfo(np.float64).max if (not ml and thr == math.inf) else thr
        # byte_rules_out[t, b, v]: leaves ruled out when bit i of v says split 8b+i goes right
        bit_set = ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(bool)  # (v, i)
        chosen = np.where(bit_set[None, None], left.reshape(n_trees, n_bytes, 1, 8), mask_type(0))
        byte_rules_out = np.bitwise_or.reduce(chosen, axis=3)
        ends = np.cumsum(path_len)
        return dict(feature=feature.reshape(-1), missing_left=missing_left.reshape(-1),
                    limit=limit.reshape(-1), columns={}, n_bytes=n_bytes, n_trees=n_trees,
                    byte_rules_out=byte_rules_out.reshape(-1),
                    byte_base=np.arange(n_trees * n_bytes, dtype=np.int64) * 256,
                    leaf_start=np.array(leaf_start, dtype=np.int64), leaf_value=np.array(leaf_value),
                    path_feature=np.array(path_feature, dtype=np.int64), path_amount=np.array(path_amount),
                    path_start=ends - path_len, path_len=np.array(path_len, dtype=np.int64))

    # Rows per block in _leaves: its comparisons take (rows x trees x splits) floats, 38 KB
    # a row with the shipped model, so a long page's (200,000 lines at 8 MB) would take
    # gigabytes at once; blocks keep that near 80 MB, whatever the page.
    _LEAVES_BLOCK = 2048

    def _leaves(self, x):
        """Leaf number (over all trees) per row and tree, for rows without infinities; None
        when the tables do not apply. Rows are independent: done a block of rows at a time."""
        qs = self._tables()
        if qs is None or np.isinf(x).any():
            return None
        if len(x) <= self._LEAVES_BLOCK:
            return self._leaves_block(x, qs)
        return np.concatenate([self._leaves_block(x[i:i + self._LEAVES_BLOCK], qs)
                               for i in range(0, len(x), self._LEAVES_BLOCK)])

    def _leaves_block(self, x, qs):
        n, n_features = x.shape
        column = qs["columns"].get(n_features)
        if column is None:  # x's columns with NaN as -inf, then with NaN as +inf
            column = qs["columns"][n_features] = qs["feature"] + np.where(qs["missing_left"], 0, n_features)
        nan = np.isnan(x)
        both = np.concatenate([np.where(nan, -np.inf, x), np.where(nan, np.inf, x)], axis=1)
        right = np.take(both, column, axis=1) > qs["limit"]
        # eight go-right flags (bytes 0/1) -> one byte, bit i from byte i (little-endian)
        packed = (right.view(np.uint64) * np.uint64(0x0102040810204080)) >> np.uint64(56)
        by_byte = qs["byte_rules_out"][packed.view(np.int64) + qs["byte_base"]].reshape(n, qs["n_trees"], qs["n_bytes"])
        out = by_byte[..., 0]
        for b in range(1, qs["n_bytes"]):  # (faster than bitwise_or.reduce over a short axis)
            out = out | by_byte[..., b]
        lowest = (out + out.dtype.type(1)) & ~out  # the lowest leaf not ruled out
        return qs["leaf_start"] + (np.frexp(lowest.astype(np.float64))[1] - 1)

    def raw_many(self, rows, contributions: bool = False):
        """`raw` for many rows at once with numpy: the same comparisons and the same float
        additions in the same order, so the very same scores (and, with `contributions`,
        the same per-feature sums as `raw`'s contrib, as a rows x features array; 0.0 where
        `raw` has no entry).  Returns (scores as a list of floats, contributions or None)."""
        x = np.asarray(rows, dtype=np.float64)
        total, leaves = self.scores_and_leaves(x)
        if not contributions:
            return total, None
        return total, self.contributions(x, leaves, np.arange(len(x)))

    def scores_and_leaves(self, x: np.ndarray):
        """(`raw`'s score per row, each row's leaf per tree or None where the tables do
        not apply): the leaves let `contributions` explain some rows later."""
        leaves = self._leaves(x) if len(x) else None
        if leaves is None:
            return self._raw_many_walk(x, False)[0], None
        acc = np.empty((len(x), leaves.shape[1] + 1))
        acc[:, 0] = self.baseline
        acc[:, 1:] = self._qs["leaf_value"][leaves]
        return np.add.accumulate(acc, axis=1)[:, -1].tolist(), leaves  # tree by tree, as `raw`

    def contributions(self, x: np.ndarray, leaves, rows: np.ndarray) -> np.ndarray:
        """`raw`'s contrib for the given rows of x (a row's sums do not depend on the
        others), as a len(rows) x features array; `leaves` from scores_and_leaves(x)."""
        n, n_features = len(rows), x.shape[1]
        if leaves is None:
            return self._raw_many_walk(x[rows], True)[1] if n else np.zeros((0, n_features))
        qs = self._qs
        # raw() does contrib[f] = (contrib[f] + next) - this, row by row, tree by tree, root
        # to leaf: the leaves' path steps in (row, tree, depth) order through one unbuffered
        # np.add.at do the same additions in the same order per row and feature.
        leaves = leaves[rows].reshape(-1)
        lens = qs["path_len"][leaves]
        ends = np.cumsum(lens)
        contrib = np.zeros((n, n_features))
        if not n or not ends[-1]:
            return contrib
        step = np.arange(ends[-1]) + np.repeat(qs["path_start"][leaves] - (ends - lens), lens)
        row = np.repeat(np.arange(n) * n_features, lens.reshape(n, -1).sum(axis=1))
        np.add.at(contrib.reshape(-1), qs["path_feature"][step] + row, qs["path_amount"][step])
        return contrib

    def _raw_many_walk(self, x, contributions):
        """raw_many's general path: every tree walked for every row together, depth by depth."""
        feature, threshold, missing_left, left, right, value, roots = self._arrays()
        n, n_features = x.shape
        n_trees = len(roots)
        node = np.tile(roots, n)  # one walker per (row, tree), row-major
        walker_row = np.repeat(np.arange(n), n_trees)
        active = np.flatnonzero(feature[node] >= 0)
        steps = []  # per depth: (walkers, feature, value of the next node, value of this node)
        while active.size:
            at = node[active]
            f = feature[at]
            v = x[walker_row[active], f]
            nan = np.isnan(v)
            go_left = np.where(nan, missing_left[at], v <= threshold[at])
            nxt = np.where(go_left, left[at], right[at])
            if contributions:
                steps.append((active, f, value[nxt], value[at]))
            node[active] = nxt
            active = active[feature[nxt] >= 0]
        leaf = value[node].reshape(n, n_trees)
        total = np.full(n, self.baseline)
        for t in range(n_trees):  # tree by tree, as `raw` adds them
            total += leaf[:, t]
        if not contributions:
            return total.tolist(), None
        # raw() does contrib[f] = (contrib[f] + next) - this, row by row, tree by tree,
        # root to leaf: the same additions (+next, -this) in the same order, per row and
        # feature, with one unbuffered np.add.at over walkers ordered (row, tree, depth).
        depth = np.zeros(n * n_trees, dtype=np.int64)
        for walkers, *_ in steps:
            depth[walkers] += 1
        start = np.zeros(n * n_trees, dtype=np.int64)
        np.cumsum(depth[:-1], out=start[1:])
        count = int(depth.sum())
        target = np.empty(2 * count, dtype=np.int64)
        amount = np.empty(2 * count, dtype=np.float64)
        seen = np.zeros(n * n_trees, dtype=np.int64)
        for walkers, f, next_value, this_value in steps:
            slot = 2 * (start[walkers] + seen[walkers])
            seen[walkers] += 1
            cell = walker_row[walkers] * n_features + f
            target[slot], amount[slot] = cell, next_value
            target[slot + 1], amount[slot + 1] = cell, -this_value
        contrib = np.zeros(n * n_features)
        np.add.at(contrib, target, amount)
        return total.tolist(), contrib.reshape(n, n_features)


def _sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@lru_cache(maxsize=4)
def load_model(path: str | None = None):
    spec = json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))
    if spec["features"] != FEATURES or ("stage2" in spec and spec["stage2_features"] != STAGE2_FEATURES):
        raise ValueError("line model was trained with a different feature set; retrain it")
    return {"stage1": _Forest(spec["stage1"]),
            "stage2": _Forest(spec["stage2"]) if "stage2" in spec else None,
            "threshold": float(spec["threshold"])}


# Human-readable phrases per feature: (text when it pushes towards body, towards chrome).
_REASON = {
    "log_chars": ("long line", "short line"), "n_words": ("many words", "few words"),
    "log_words": ("many words", "few words"),
    "stop_density": ("prose-like stopword density", "few stopwords"),
    "stop_count": ("many stopwords", "few stopwords"),
    "end_punct": ("ends like a sentence", "no sentence-final punctuation"),
    "end_colon": ("ends with a colon", "ends with a colon"),
    "n_sentences": ("several sentences", "no full sentence"),
    "comma_rate": ("commas like running text", "comma pattern unlike prose"),
    "title_ratio": ("sentence case", "title-case line"), "upper_ratio": ("normal casing", "upper-case heavy"),
    "digit_ratio": ("few digits", "digit/date heavy"), "alpha_ratio": ("mostly letters", "many symbols"),
    "n_separators": ("no separators", "separator characters (| / • >)"),
    "urlish": ("no link/handle", "link, e-mail or handle"), "bullet": ("list item", "list marker"),
    "dateish": ("no date/time", "date or time stamp"), "cjk_ratio": ("CJK text", "CJK share"),
    "repeat_count": ("unique on the page", "text repeated on the page"),
    "contains_long_line": ("unique paragraph", "repeats another paragraph (teaser/copy)"),
    "contained_in_long_line": ("unique paragraph", "repeated inside another line"),
    "avg_word_len": ("typical word length", "atypical word length"),
    "first_char_lower": ("starts lower-case", "starts upper-case"),
    "has_copyright": ("no copyright sign", "copyright notice"),
    "shape_repeat": ("not a repeated template", "templated line repeated on the page"),
    "win10_shape_rep": ("few templated lines around", "among templated/repeated lines"),
    "win10_dateish": ("few time stamps around", "among time stamps (list/comments)"),
    "good": ("prose-like line", "not a prose line"),
    "pos_rel": ("position in the page", "near the page edge"),
    "pos_words_rel": ("position in the page", "near the page edge"),
    "blank_before": ("set off as a paragraph", "glued to the line above"),
    "blank_after": ("set off as a paragraph", "glued to the line below"),
    "run_len": ("stand-alone paragraph", "inside a run of consecutive lines"),
    "run_pos_rel": ("position in its block", "position in its block"),
    "run_mean_words": ("block of long lines", "inside a run of menu-like lines"),
    "run_short_share": ("block of long lines", "inside a run of menu-like lines"),
    "run_good_share": ("block of prose", "block without prose"),
    "prev1_words": ("previous line is long", "previous line is short"),
    "prev1_stop": ("previous line is prose", "previous line is not prose"),
    "prev1_end": ("previous line is a sentence", "previous line is not a sentence"),
    "prev2_words": ("lines above are long", "lines above are short"),
    "next1_words": ("followed by a long line", "followed by a short line"),
    "next1_stop": ("followed by prose", "not followed by prose"),
    "next1_end": ("followed by a sentence", "not followed by a sentence"),
    "next2_words": ("lines below are long", "lines below are short"),
    "win5_mean_logw": ("long lines around", "short lines around"),
    "win5_stop": ("prose around", "no prose around"), "win5_good": ("prose around", "no prose around"),
    "win15_good": ("in a prose region", "far from prose"), "win15_short": ("few short lines around", "many short lines around"),
    "in_main": ("inside the main text block", "outside the main text block"),
    "dist_main": ("close to the main text block", "far from the main text block"),
    # page-level features shift the whole page's scores; they explain no single line
    "main_share": None, "doc_lines": None, "doc_good_share": None, "doc_words_log": None,
    "before_first_good": ("after the first paragraph", "before the first paragraph"),
    "after_last_good": ("before the last paragraph", "after the last paragraph"),
    "dist_good": ("next to prose", "far from prose"),
    "p_self": ("looks like body on its own", "looks like chrome on its own"),
    "p_prev1": ("line above is body", "line above is chrome"), "p_prev2": ("lines above are body", "lines above are chrome"),
    "p_next1": ("line below is body", "line below is chrome"), "p_next2": ("lines below are body", "lines below are chrome"),
    "p_win3": ("neighbours are body", "neighbours are chrome"), "p_win10": ("surrounded by body", "surrounded by chrome"),
    "p_win10_w": ("surrounded by body", "surrounded by chrome"),
    "p_run_mean": ("its block is body", "its block is chrome"), "p_run_max": ("its block has body", "its block has no body"),
    "p_in_region": ("inside the article region", "outside the article region"),
    "p_dist_region": ("close to the article region", "far from the article region"),
    "p_before_max": ("body just above", "no body just above"), "p_after_max": ("body just below (heading?)", "no body just below"),
}


@lru_cache(maxsize=4)
def _phrases(names: tuple) -> tuple[list, list]:
    """Per feature number: the reason phrase when the line is body, and when chrome (None:
    the feature explains no single line)."""
    pairs = [_REASON.get(name, (name, name)) for name in names]
    return [p and p[0] for p in pairs], [p and p[1] for p in pairs]


class PageScores:
    """The line model's reading of one page: every line's body probability, and the
    reasons (its top signals) for the lines they are asked for. Working out a line's
    reasons costs about as much as scoring it, and a run shows them only for the lines
    whose decision the model made (half of the scored lines on the dev set)."""

    def __init__(self, n_lines: int, idx: list[int] | None = None, feats: np.ndarray | None = None,
                 forest: "_Forest | None" = None, names=(), threshold: float = 0.5):
        self.body_prob = [0.0] * n_lines  # per line; blank lines 0.0
        self._row_of = {i: k for k, i in enumerate(idx or [])}
        if not idx:
            return
        self._feats, self._forest, self._names = feats, forest, tuple(names)
        raw, self._leaves = forest.scores_and_leaves(feats)
        probs = [_sigmoid(z) for z in raw]
        self._is_body = [p >= threshold for p in probs]
        for i, p in zip(idx, probs):
            self.body_prob[i] = round(p, 6)

    def reasons(self, lines) -> dict[int, tuple[str, ...]]:
        """Line index -> its reasons: up to three phrases for the signals that pushed it
        most towards its side ("blank" for a blank line)."""
        lines = list(lines)
        out = {i: ("blank",) for i in lines if i not in self._row_of}
        asked = [i for i in lines if i in self._row_of]
        if not asked:
            return out
        rows = np.array([self._row_of[i] for i in asked], dtype=np.int64)
        contrib = self._forest.contributions(self._feats, self._leaves, rows)
        body = [self._is_body[k] for k in rows.tolist()]
        # Candidates as raw's `ranked`: same sign as the decision, non-zero; by size, then
        # feature number (a stable sort over columns in feature order).
        eligible = (contrib != 0) & ((contrib > 0) == np.array(body)[:, None])
        order = np.argsort(np.where(eligible, -np.abs(contrib), np.inf), axis=1, kind="stable").tolist()
        n_eligible = eligible.sum(axis=1).tolist()
        body_phrase, chrome_phrase = _phrases(self._names)
        for k, i in enumerate(asked):
            is_body = body[k]
            phrase_of = body_phrase if is_body else chrome_phrase
            reasons = []
            for f in order[k][:n_eligible[k]]:
                phrase = phrase_of[f]
                if phrase is not None and phrase not in reasons:
                    reasons.append(phrase)
                    if len(reasons) == 3:
                        break
            out[i] = tuple(reasons) or (("body",) if is_body else ("chrome",))
        return out


def score_page(lines: list[str], language: str | None, model_path: str | None = None,
               memo: LineMemo | None = None, threshold: float | None = None) -> PageScores:
    """The page's lines scored; reasons on demand (PageScores.reasons), towards the side
    of `threshold` (None: the model's own) each line falls on."""
    idx, rows = _feature_matrix(lines, language, memo)
    if not idx:
        return PageScores(len(lines))
    m = load_model(model_path)
    if m["stage2"] is None:
        final, names, feats = m["stage1"], FEATURES, rows
    else:
        rows = rows.tolist()
        p1 = [_sigmoid(z) for z in m["stage1"].raw_many(rows)[0]]
        final, names, feats = m["stage2"], STAGE2_FEATURES, stage2_features(rows, idx, p1)
    return PageScores(len(lines), idx, np.asarray(feats, dtype=np.float64), final, names,
                      m["threshold"] if threshold is None else threshold)


def score_lines(lines: list[str], language: str | None, model_path: str | None = None,
                memo: LineMemo | None = None) -> list[LineScore]:
    """One LineScore per input line, with its reasons (blank lines: probability 0, reason
    "blank")."""
    page = score_page(lines, language, model_path, memo)
    reasons = page.reasons(range(len(lines)))
    return [LineScore(p, reasons[i]) for i, p in enumerate(page.body_prob)]
