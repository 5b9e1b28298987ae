"""The page's URL as a topic signal (2026-12-04, nineteenth round).

Most article URLs spell the article's topic in their path: `/2019/11/18/new-york-state-
attorney-general-...`, `New-SUVs-and-electric-vehicles-highlight-L-A-14848164.php`,
`/politik/bericht-aktivistin-getotet-...`. The words of the path's slug (its segment with
the most words) are the topic, on any site and in any language the URL is written in: the
title and the body share them, teasers of other stories, menus and comments share few.

The slug's words: the path percent-decoded, split into segments on `/`, each split on
anything not a letter or digit (`-`, `_`, `.`, `+`, ...) and on camel case; words holding
a digit (dates, ids), the path furniture of data/url_words.txt (`html`, `article`,
`news`, ...) left out; the segment with the most words is the slug (ties: the later one,
sections come first), and its content words are counted as the line's are
(blocks.content_words: words of three characters or more, CJK bigrams, the page's
stopwords out). Words are compared with their accents folded (`getötet` is `getotet` in a
URL). Fewer than MIN_SLUG_WORDS content words: no slug, and every feature is NaN (as on a
page with no URL: the trees send a missing value down the branch training found best for
it; the model is trained with the URL withheld on half of the pages, so that branch is
learned, training/train_line_model.py).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np

from pipeline.linemodel.blocks import COHESION_HALF, _content_without, _pooled

MIN_SLUG_WORDS = 2  # a slug of one word (`/politik/`, `/p/recap`) names a section, not a topic
TITLE_MIN_HITS = 2  # the title line: the line sharing the most slug words, at least this many

_SPLIT = re.compile(r"[\W_]+", re.UNICODE)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_DIGIT = re.compile(r"\d")


def _url_words() -> frozenset[str]:
    path = Path(__file__).parent.parent / "data" / "url_words.txt"
    return frozenset(w.strip().lower() for w in path.read_text(encoding="utf-8").splitlines()
                     if w.strip() and not w.startswith("#"))


URL_WORDS = _url_words()


@lru_cache(maxsize=1 << 16)
def _fold(word: str) -> str:
    """The word without its accents (NFKD less the combining marks); ASCII as it is."""
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=4096)
def slug_words(url: str | None, stop: frozenset = frozenset()) -> frozenset[str]:
    """The content words of the URL's slug, accents folded; empty when the URL is missing
    or its path has fewer than MIN_SLUG_WORDS of them."""
    if not url:
        return frozenset()
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return frozenset()
    path = unquote(path, errors="replace")
    best: list[str] = []
    for segment in path.split("/"):
        words = [w.lower() for w in _SPLIT.split(_CAMEL.sub(" ", segment)) if w and not _DIGIT.search(w)]
        words = [w for w in words if w not in URL_WORDS]
        if words and len(words) >= len(best):
            best = words
    got = frozenset(map(_fold, _content_without(" ".join(best), stop))) if best else frozenset()
    return got if len(got) >= MIN_SLUG_WORDS else frozenset()


def url_features(cw: list[frozenset[str]], slug: frozenset[str]):
    """Per line: (url_overlap, win_url_overlap, url_cover, dist_url_title).

    url_overlap: the share of the line's content words (`cw`, blocks.page_content_words)
    that are slug words; win_url_overlap: the same pooled over the lines within
    COHESION_HALF; url_cover: the share of the slug's words the line holds;
    dist_url_title: the line's distance in non-blank lines from the title line (the first
    line holding the most slug words, at least TITLE_MIN_HITS of them), negative above it.
    All NaN with no slug; dist_url_title NaN when no line is the title."""
    n = len(cw)
    nan = np.full(n, np.nan)
    if not slug or not n:
        return nan, nan.copy(), nan.copy(), nan.copy()
    hits = np.array([len(ws & slug) + sum(1 for w in ws if not w.isascii() and w not in slug and _fold(w) in slug)
                     if ws else 0 for ws in cw], dtype=np.float64)
    count = np.array(list(map(len, cw)), dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        overlap = np.where(count > 0, hits / np.maximum(count, 1), np.nan)
    cover = hits / len(slug)
    top = int(np.argmax(hits))
    dist = np.arange(n, dtype=np.float64) - top if hits[top] >= min(TITLE_MIN_HITS, len(slug)) else nan.copy()
    return overlap, _pooled(hits, count, COHESION_HALF), cover, dist


TITLE_REACH = 15  # the title guess: within this many lines above the lead
TITLE_WORDS = (3, 25)


def title_guess(cw: list[frozenset[str]], good: np.ndarray, words: np.ndarray, lead_lines: int = 3) -> int | None:
    """The title guessed with no URL (measured, not shipped): the line above the page's
    first prose lines (the lead: its first `lead_lines` good lines, as lead_overlap reads
    it) that shares the most content words with them (at least TITLE_MIN_HITS), of
    TITLE_WORDS words, within TITLE_REACH lines; the nearest of equals. None: no such line."""
    lead = np.flatnonzero(good)[:lead_lines].tolist()
    if not lead:
        return None
    vocab = frozenset().union(*(cw[k] for k in lead))
    best, best_hits = None, TITLE_MIN_HITS
    for k in range(max(0, lead[0] - TITLE_REACH), lead[0]):
        if TITLE_WORDS[0] <= words[k] <= TITLE_WORDS[1]:
            hits = len(cw[k] & vocab)
            if hits >= best_hits:
                best, best_hits = k, hits
    return best


def title_features(cw: list[frozenset[str]], good: np.ndarray, words: np.ndarray):
    """url_features with the title guess's words for the slug's, the distance from it."""
    n = len(cw)
    at = title_guess(cw, good, words)
    nan = np.full(n, np.nan)
    if at is None or not cw[at]:
        return nan, nan.copy(), nan.copy(), nan.copy()
    overlap, win, cover, _ = url_features(cw, cw[at])
    return overlap, win, cover, np.arange(n, dtype=np.float64) - at
