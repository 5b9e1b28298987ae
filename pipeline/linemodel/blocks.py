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
    from page to page of a run."""
    return "h" + signature(masked), "t" + tail_signature(masked)


def record_features(masked: list[str], words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sig_repeat, record_stream) per line.

    sig_repeat: log1p(other short lines with the line's signature, head or tail, the
    more).  record_stream: log1p(records) of the longest record stream the line lies in
    (a chain of at least MIN_RECORDS anchors of one signature, each at most
    MAX_RECORD_LINES below the one before), 0 outside any."""
    n = len(masked)
    where = defaultdict(list)
    for k, (m, short) in enumerate(zip(masked, (words <= SHORT_WORDS).tolist())):
        if short:
            head, tail = _signatures(m)
            where[head].append(k)
            where[tail].append(k)
    sig_repeat = np.zeros(n)
    stream = np.zeros(n)
    for pos in where.values():
        c = len(pos)
        if c < 2:
            continue
        sig_repeat[pos] = np.maximum(sig_repeat[pos], math.log1p(c - 1))
        if c < MIN_RECORDS:
            continue
        # chains of anchors, each at most MAX_RECORD_LINES below the one before
        start = 0
        for j in [j for j in range(1, c) if pos[j] - pos[j - 1] > MAX_RECORD_LINES] + [c]:
            if j - start >= MIN_RECORDS:
                seg = stream[pos[start]:pos[j - 1] + 1]
                np.maximum(seg, math.log1p(j - start), out=seg)
            start = j
    return sig_repeat, stream


def gap_features(good: np.ndarray, words: np.ndarray, endp: np.ndarray):
    """Per line: (log1p of the non-prose gap's length in lines, 0 on prose lines; the gap's
    mean words; the gap's share of lines ending a sentence; log1p of the fewer prose words
    within PROSE_WINDOW lines above or below)."""
    n = len(good)
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
