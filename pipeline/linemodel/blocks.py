"""Block-level features of the line model: what a line's surroundings on the whole page
say about the block it sits in (features.py's registry reads them; issue 16).

Three page-level signals, each general (no phrase of any site):

- **repeated records**: streams of stories, product grids and comment sections repeat a
  record template ("title / 2 days ago / lead", "by NAME ( 123 ) / prose / Reply"). A
  short line's coarse signature (its first word, then only its punctuation and digit
  skeleton) repeats once per record; a line lying between two lines of one repeating
  signature, close together, is inside a record stream, however long each record's prose.
- **the prose gap**: a line that is not prose sits in a gap between two prose lines; a
  short gap of sentence-like lines (dialogue, list items of the article) is not a gap of
  menu items, and a line with prose both above and below is inside the text.
- **the dense prose stretch**: the page's prose density smoothed over a window, and the
  stretch around its peak; unlike the main stretch of features.Page (which a run of
  short lines breaks), short lines between paragraphs stay inside it.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from functools import lru_cache

import numpy as np

from pipeline.language import cjk_function_chars
from pipeline.linewords import words_of

try:  # the per-character loops in C (pipeline/linemodel/_shape.c), built at install when a compiler is there
    import pipeline._shape as _kernel
except ImportError:  # the Python below, which gives the same sets (tests/test_shape_kernel.py)
    _kernel = None
if _kernel is not None and not all(hasattr(_kernel, name) for name in (
        "signatures", "record_where", "overlap_hits", "run_hits", "content_without")):
    _kernel = None  # a build older than this source (not built again since): the Python

# a word: letters (and "_"), with inner apostrophes, hyphens and dots ("Wise's", "Brain-Fu")
_LETTERS = re.compile(r"[^\W\d]+(?:['’.-][^\W\d]+)*")
_SPACE = re.compile(r"\s+")

# a short line's signature counts as a record anchor when it repeats this often ...
MIN_RECORDS = 3
# ... and two anchors of one signature this close (in non-blank lines) enclose one record
MAX_RECORD_LINES = 25
SHORT_WORDS = 12  # lines longer than this have no signature
PROSE_WINDOW = 8  # lines above / below counted for the prose on either side
DENSE_HALF = 7  # half-width of the window smoothing the prose density
DENSE_SHARE = 0.2  # the dense stretch: where the smoothed density is >= this share of its peak
# a line counts at most this many words towards the density: one giant line (a minified
# blob, a hostile line of 16,000 words) would otherwise be the page's only dense stretch
# and put every real paragraph outside it (12 of the dev set's 160,000 lines are longer)
DENSE_LINE_WORDS = 400


def signature(masked: str) -> str:
    """A short line's coarse template, read from its head: its first word (case-folded,
    digits masked), then the line's punctuation and digits without its words or spaces.
    "by someone ( 0 )" and "by some one else ( 0 )" share "by|(0)"."""
    first, _, rest = masked.partition(" ")
    return first + "|" + _SPACE.sub("", _LETTERS.sub("", rest))


def tail_signature(masked: str) -> str:
    """The same template read from the line's end: the skeleton of all but the last word,
    then the last word ("philipp sagt:" and "modern wife sagt:" share "|sagt:")."""
    rest, _, last = masked.rpartition(" ")
    return _SPACE.sub("", _LETTERS.sub("", rest)) + "|" + last


@lru_cache(maxsize=1 << 16)
def _signatures(masked: str) -> tuple[str, str]:
    """Both signatures of a line, keyed apart; cached: menus and comment headers recur
    from page to page of a run. In C where the kernel is built (one pass, where each
    signature's two regex substitutions took 10 µs a line; tests/test_shape_kernel.py)."""
    if _kernel is not None:
        return _kernel.signatures(masked)
    return _signatures_py(masked)


def _signatures_py(masked: str) -> tuple[str, str]:
    return "h" + signature(masked), "t" + tail_signature(masked)


def record_features(masked: list[str], words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sig_repeat, record_stream) per line.

    sig_repeat: log1p(other short lines with the line's signature, head or tail, the
    more).  record_stream: log1p(records) of the longest record stream the line lies in
    (a chain of at least MIN_RECORDS anchors of one signature, each at most
    MAX_RECORD_LINES below the one before), 0 outside any."""
    n = len(masked)
    short_lines = (words <= SHORT_WORDS).tolist()
    if _kernel is not None:  # the same lists in C, the signatures made there (tests/test_shape_kernel.py)
        where = _kernel.record_where(masked, short_lines)
    else:
        where = _record_where_py(masked, short_lines)
    # sig_repeat: Python floats per line, then one array (the same maxima of the same
    # log1p values as numpy's, without a numpy call per signature)
    sig_repeat = [0.0] * n
    stream = np.zeros(n)
    for pos in where.values():
        c = len(pos)
        if c < 2:
            continue
        value = math.log1p(c - 1)
        for k in pos:
            if sig_repeat[k] < value:
                sig_repeat[k] = value
        if c < MIN_RECORDS:
            continue
        # chains of anchors, each at most MAX_RECORD_LINES below the one before
        start = 0
        for j in [j for j in range(1, c) if pos[j] - pos[j - 1] > MAX_RECORD_LINES] + [c]:
            if j - start >= MIN_RECORDS:
                seg = stream[pos[start]:pos[j - 1] + 1]
                np.maximum(seg, math.log1p(j - start), out=seg)
            start = j
    return np.array(sig_repeat), stream


def _record_where_py(masked: list[str], short_lines: list[bool]) -> dict[str, list[int]]:
    """signature -> the short lines' numbers with it (head and tail)."""
    where = defaultdict(list)
    for k, (m, short) in enumerate(zip(masked, short_lines)):
        if short:
            head, tail = _signatures(m)
            where[head].append(k)
            where[tail].append(k)
    return where


# gap_features and dense_features up to their log1p in C (pipeline/linemodel/_shape.c), where
# the kernel is built and has them: the same arrays, from one call each instead of some twenty
# numpy calls (tests/test_speed_round23_classifier.py)
_gap_parts = getattr(_kernel, "gap_parts", None)
_dense_parts = getattr(_kernel, "dense_parts", None)


def _as_doubles(*arrays: np.ndarray) -> list[np.ndarray] | None:
    """The float64 arrays contiguous for the kernel; None for another dtype (numpy's sums
    would be in it)."""
    if not all(getattr(a, "dtype", None) == np.float64 for a in arrays):
        return None
    return [np.ascontiguousarray(a) for a in arrays]


def gap_features(good: np.ndarray, words: np.ndarray, endp: np.ndarray):
    """Per line: (log1p of the non-prose gap's length in lines, 0 on prose lines; the gap's
    mean words; the gap's share of lines ending a sentence; log1p of the fewer prose words
    within PROSE_WINDOW lines above or below)."""
    n = len(good)
    columns = _as_doubles(good, words, endp) if _gap_parts is not None else None
    if columns is not None:
        gap_len, gap_words, gap_end, fewer = np.empty(n, dtype=np.int64), np.empty(n), np.empty(n), np.empty(n)
        _gap_parts(*columns, PROSE_WINDOW, gap_len, gap_words, gap_end, fewer)
        return np.log1p(gap_len), gap_words, gap_end, np.log1p(fewer)
    k = np.arange(n)
    g = good > 0
    prev_good = np.maximum.accumulate(np.where(g, k, -1))
    next_good = np.minimum.accumulate(np.where(g, k, n)[::-1])[::-1]
    gap_len = np.where(g, 0, next_good - prev_good - 1)
    cw = np.concatenate(([0.0], np.cumsum(words)))
    ce = np.concatenate(([0.0], np.cumsum(endp)))
    lo, hi = prev_good + 1, next_good  # the gap's lines [lo, hi)
    cnt = np.maximum(1, hi - lo)
    gap_words = np.where(g, words, (cw[hi] - cw[lo]) / cnt)
    gap_end = np.where(g, endp, (ce[hi] - ce[lo]) / cnt)
    gw = np.concatenate(([0.0], np.cumsum(np.where(g, words, 0.0))))
    above = gw[k] - gw[np.maximum(0, k - PROSE_WINDOW)]
    below = gw[np.minimum(n, k + 1 + PROSE_WINDOW)] - gw[k + 1]
    sandwich = np.log1p(np.minimum(above, below))
    return np.log1p(gap_len), gap_words, gap_end, sandwich


def dense_features(good: np.ndarray, words: np.ndarray, endp: np.ndarray):
    """Per line: (inside the dense prose stretch; log1p of its distance in lines to the
    stretch; log1p of the prose words between the line and the stretch).  The density
    counts the words of prose lines and of lines ending a sentence (short dialogue lines
    and list items of the text keep the stretch together; menu items end no sentence)."""
    n = len(good)
    columns = _as_doubles(good, words, endp) if _dense_parts is not None else None
    if columns is not None:
        inside, dist, between = np.empty(n), np.empty(n, dtype=np.int64), np.empty(n)
        if _dense_parts(*columns, DENSE_HALF, DENSE_LINE_WORDS, DENSE_SHARE, inside, dist, between):
            return inside, np.log1p(dist), np.log1p(np.maximum(0.0, between))
        return np.zeros(n), np.full(n, math.log1p(50.0)), np.zeros(n)  # no prose: as below
    k = np.arange(n)
    pw = np.where((good > 0) | (endp > 0), np.minimum(words, DENSE_LINE_WORDS), 0.0)
    c = np.concatenate(([0.0], np.cumsum(pw)))
    dens = c[np.minimum(n, k + DENSE_HALF + 1)] - c[np.maximum(0, k - DENSE_HALF)]
    peak = float(dens.max()) if n else 0.0
    if peak <= 0:
        far = np.full(n, math.log1p(50.0))
        return np.zeros(n), far, np.zeros(n)
    top = int(np.argmax(dens))
    ok = dens >= DENSE_SHARE * peak
    lo = top
    while lo > 0 and ok[lo - 1]:
        lo -= 1
    hi = top
    while hi < n - 1 and ok[hi + 1]:
        hi += 1
    inside = (k >= lo) & (k <= hi)
    dist = np.where(k < lo, lo - k, np.where(k > hi, k - hi, 0))
    between = np.where(k < lo, c[lo] - c[np.minimum(n, k + 1)], np.where(k > hi, c[k] - c[hi + 1], 0.0))
    return inside.astype(np.float64), np.log1p(dist), np.log1p(np.maximum(0.0, between))


def run_stop(run_id: np.ndarray, stop_count: np.ndarray, words: np.ndarray, stopd: np.ndarray) -> np.ndarray:
    """The stopword density of the run of consecutive lines the line sits in, counted over
    its words (lines without a known density left out); NaN if none is known."""
    known = ~np.isnan(stopd)
    sw = np.bincount(run_id, weights=np.where(known, stop_count, 0.0))
    tw = np.bincount(run_id, weights=np.where(known, words, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        dens = np.where(tw > 0, sw / tw, np.nan)
    return dens[run_id]


# --- lexical cohesion (2026-12-02, third round) -------------------------------------
# The article's lines share its vocabulary; a footer of product blurbs, a legal notice, a
# promotion, a menu of other sections does not (whatever its language or its prose).  The
# page's core vocabulary: the content words of the prose of the dense stretch.
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
MIN_CONTENT_CHARS = 3  # shorter words (outside CJK) are too often function words or numbers
COHESION_HALF = 3  # half-width of the window the cohesion is pooled over
COHESION_WORDS = 5  # lines shorter than this add no word to the page's vocabulary
LEAD_LINES = 3  # the first prose lines that make the lead's vocabulary


@lru_cache(maxsize=1 << 16)
def content_words(text: str) -> tuple[str, ...]:
    """A line's candidate content words, distinct, lower-cased: its words of at least
    MIN_CONTENT_CHARS characters that are not numbers, and for scripts written without
    spaces (Chinese, Japanese; Korean too, whose particles cling to the word) the
    character bigrams of each CJK run (a run of one character: itself).  Stopwords are
    taken out by the caller (the stoplist is the page's)."""
    return tuple(sorted(_content_set(text)))


# \w+ words of MIN_CONTENT_CHARS characters or more: the same words as \w+'s longer ones (a
# word of \w{3,} starts where a \w run starts: one starting inside a run would fit at its start)
_LONG_CONTENT = re.compile(r"\w{%d,}" % MIN_CONTENT_CHARS, re.UNICODE)


def _content_set(text: str) -> set[str]:
    """content_words(text) as a set; in C where the kernel is built (the same runs: a \\w
    run outside the CJK runs of the lowered line is a \\w{3,} run of _CJK_RUN.sub's line)."""
    if _kernel is not None:
        return _kernel.content_set(text)
    return _content_set_py(text)


def _content_set_py(text: str) -> set[str]:
    if text.isascii():
        # lower() changes an ASCII line character by character, leaving \w and length as
        # they are: its \w{3,} runs are the line's \w+ words (words_of, already split for
        # the line's other features) of 3 characters or more, lowered
        return {w for w in map(str.lower, words_of(text)) if len(w) > 2 and not w.isdigit()}
    low = text.lower()
    got = set()
    if not low.isascii():  # no CJK run in an ASCII line
        for run in _CJK_RUN.findall(low):
            got.update(run[i:i + 2] for i in range(max(1, len(run) - 1)))
    got.update(w for w in _LONG_CONTENT.findall(_CJK_RUN.sub(" ", low) if got else low) if not w.isdigit())
    return got


def _pooled(hits: np.ndarray, count: np.ndarray, half: int) -> np.ndarray:
    """sum(hits) / sum(count) over the lines within `half` of each line; NaN where the
    count is 0."""
    n = len(hits)
    k = np.arange(n)
    lo, hi = np.maximum(0, k - half), np.minimum(n, k + half + 1)
    ch, cc = np.concatenate(([0.0], np.cumsum(hits))), np.concatenate(([0.0], np.cumsum(count)))
    wc = cc[hi] - cc[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(wc > 0, (ch[hi] - ch[lo]) / np.maximum(wc, 1), np.nan)


def _overlap(cw: list[frozenset[str]], members: list[int]):
    """(hits, count) per line: how many of its content words occur in the lines
    `members` (the line itself left out), and how many content words it has.

    A line's words are distinct, so the words found elsewhere are a set intersection:
    with the members' words for a line outside them, with the words of at least two
    members' for a member (its own occurrence left out). The hits counted in C where the
    kernel is built (a dict of counts, no set made a line; tests/test_shape_kernel.py)."""
    count = np.array(list(map(len, cw)), dtype=np.float64)
    if _kernel is not None:
        return np.array(_kernel.overlap_hits(cw, members), dtype=np.float64), count
    return _overlap_hits_py(cw, members), count


def _overlap_hits_py(cw: list, members: list[int]) -> np.ndarray:
    vocab: dict[str, int] = {}
    for k in members:
        for w in cw[k]:
            vocab[w] = vocab.get(w, 0) + 1
    seen = set(vocab)
    twice = {w for w, c in vocab.items() if c > 1}
    own = set(members)
    hits = [len(ws & (twice if k in own else seen)) if ws else 0 for k, ws in enumerate(cw)]
    return np.array(hits, dtype=np.float64)


def _share(hits: np.ndarray, count: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, hits / np.maximum(count, 1), np.nan)


def page_content_words(texts: list[str], stop: frozenset) -> list[frozenset[str]]:
    """Each line's content words without the page's stopwords: what the cohesion and lead
    features count (computed once a page for both)."""
    return [_content_without(t, stop) for t in texts]


# The stoplist of a page written in Chinese or Japanese characters, which have no jusText
# stoplist (their lines count function characters instead, shape.py): one entry no word
# can be, so a line of other words has a stopword density of 0 (features.feature_matrix).
CJK_PAGE_STOPLIST = frozenset({"\x00"})


@lru_cache(maxsize=1 << 16)
def _content_without(text: str, stop: frozenset) -> frozenset[str]:
    """content_words(text) less the stoplist `stop`, as a set (the features only count
    them); cached: a page's stoplist is one of a few, and its chrome recurs. In C where
    the kernel is built: a stopword is never added, and no set is copied."""
    if _kernel is not None and (stop.__class__ is frozenset or stop.__class__ is set):
        words = _kernel.content_without(text, stop)
    else:
        words = frozenset(_content_set(text).difference(stop))
    if stop is not CJK_PAGE_STOPLIST or text.isascii():
        return words
    # On a page written in Chinese characters a CJK bigram holding a function character
    # (的, の, で...) is mostly the seam of two words, not a word: left out as stopwords are
    func = cjk_function_chars()
    return frozenset(w for w in words if len(w) > 2 or not _CJK_RUN.match(w) or func.isdisjoint(w))


def _lead_ids(good: np.ndarray) -> list[int]:
    """The lead's lines: the page's first LEAD_LINES prose lines."""
    return np.flatnonzero(good)[:LEAD_LINES].tolist()


def lead_features(cw: list[frozenset[str]], good: np.ndarray):
    """Per line: (lead_overlap, win_lead_overlap): the share of the line's content words
    (`cw`: page_content_words) found in the page's first LEAD_LINES prose lines (the
    article's lead, usually: a text dump starts with the header, then the headline and the
    lead), the line's own left out; and the same pooled over the lines within COHESION_HALF."""
    hits, count = _overlap(cw, _lead_ids(good))
    return _lead_from_hits(hits, count)


def _lead_from_hits(hits: np.ndarray, count: np.ndarray):
    return _share(hits, count), _pooled(hits, count, COHESION_HALF)


def cohesion_features(cw: list[frozenset[str]], core: np.ndarray, words: np.ndarray, run_id: np.ndarray):
    """Per line: (core_overlap, win_core_overlap, page_overlap, win_page_overlap).

    core_overlap: the share of the line's content words found in the core vocabulary,
    the content words of the `core` lines (the prose of the dense stretch), the line's own
    left out.  page_overlap: the share found in the other runs of consecutive lines of the
    page (lines of at least COHESION_WORDS words: menus add nothing), its own run left
    out: a block of blurbs or a legal notice shares few words with the rest of the page,
    an article's paragraphs share many, even when the dense stretch is not the article.
    win_*: the same pooled over the lines within COHESION_HALF of the line.  NaN where
    no content word is there to count."""
    # the core vocabulary: the words of the core lines; those of at least two core lines
    # are still there when a core line's own words are left out (a line's words are distinct)
    core_ids = np.flatnonzero(core).tolist()
    core_hits, count = _overlap(cw, core_ids)
    long_enough = (words >= COHESION_WORDS).tolist()
    rid = run_id.tolist()
    if _kernel is not None:  # the same counts in C (tests/test_shape_kernel.py)
        page_hits = np.array(_kernel.run_hits(cw, rid, long_enough), dtype=np.float64)
    else:
        page_hits = _run_hits_py(cw, rid, long_enough)
    return _cohesion_from_hits(core_hits, page_hits, count)


def _cohesion_from_hits(core_hits: np.ndarray, page_hits: np.ndarray, count: np.ndarray):
    with np.errstate(invalid="ignore", divide="ignore"):
        core_line = np.where(count > 0, core_hits / np.maximum(count, 1), np.nan)
        page_line = np.where(count > 0, page_hits / np.maximum(count, 1), np.nan)
    return (core_line, _pooled(core_hits, count, COHESION_HALF),
            page_line, _pooled(page_hits, count, COHESION_HALF))


# The three counts of cohesion_features and lead_features in one pass over the lines' words
# (pipeline/linemodel/_shape.c), where the kernel is built and has it.
_cohesion_hits = getattr(_kernel, "cohesion_hits", None)
# ... and the six arrays from those counts in one more call, where numpy took some thirty
_cohesion_columns = getattr(_kernel, "cohesion_columns", None)


def cohesion_and_lead(cw: list[frozenset[str]], core: np.ndarray, good: np.ndarray, words: np.ndarray,
                      run_id: np.ndarray):
    """cohesion_features(cw, core, words, run_id) + lead_features(cw, good), the six
    arrays: with the kernel, their three hit counts (overlap with the core lines, with the
    lead, with the other runs) come from one call that reads each line's words once
    (tests/test_speed_round21_classifier.py), the arrays from them as those functions make them."""
    if _cohesion_hits is None:
        return (*cohesion_features(cw, core, words, run_id), *lead_features(cw, good))
    core_hits, lead_hits, page_hits = _cohesion_hits(cw, np.flatnonzero(core).tolist(), _lead_ids(good),
                                                     run_id.tolist(), (words >= COHESION_WORDS).tolist())
    if _cohesion_columns is not None:  # the same floats (tests/test_speed_round23_classifier.py)
        out = np.empty((6, len(cw)))
        _cohesion_columns(core_hits, lead_hits, page_hits, cw, COHESION_HALF, np.nan, out)
        return tuple(out)
    count = np.array(list(map(len, cw)), dtype=np.float64)
    return (*_cohesion_from_hits(np.array(core_hits, dtype=np.float64), np.array(page_hits, dtype=np.float64), count),
            *_lead_from_hits(np.array(lead_hits, dtype=np.float64), count))


def _run_hits_py(cw: list, rid: list[int], long_enough: list[bool]) -> np.ndarray:
    """Per line: how many of its content words occur in the long-enough lines of a run
    other than its own."""
    n = len(cw)
    # the runs each word occurs in (in the runs' long-enough lines): -1 for two runs or
    # more, else the one run's id
    run_of: dict[str, int] = {}
    for k in range(n):
        if long_enough[k]:
            r = rid[k]
            for w in cw[k]:
                was = run_of.setdefault(w, r)
                if was != r and was != -1:
                    run_of[w] = -1
    only_in: dict[int, set] = {}  # run -> the words found in that run only
    for w, r in run_of.items():
        if r != -1:
            only_in.setdefault(r, set()).add(w)
    # a line's words found in a run other than its own: those found in any run, less those
    # found in its own run only
    in_runs, empty = set(run_of), frozenset()
    return np.array([len(ws & in_runs) - len(ws & only_in.get(r, empty)) if ws else 0
                     for ws, r in zip(cw, rid)], dtype=np.float64)
