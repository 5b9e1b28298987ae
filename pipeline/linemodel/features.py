"""The line model's features: one registry, each feature's name beside how its value is
computed.

A feature is a column of the page's feature matrix (one row per non-blank line).  Line
features read the line's own shape (`shape.line_shape`, one value per name in
`shape.SHAPE_FEATURES`); the others are computed over the whole page with numpy from
`Page`, which holds what several of them share (runs of consecutive lines, windows, the
main stretch of prose).  To add a feature: a registry entry here (for a line feature, a
name in SHAPE_FEATURES and its value in line_shape), then retrain
(training/train_line_model.py).  The model file lists the names it was trained with;
load_model maps them to these columns by name, so the registry's order is not the model's.
"""
from __future__ import annotations

import math
import re
from functools import cached_property
from collections import Counter
from dataclasses import dataclass
from itertools import chain
from typing import Callable

import numpy as np

from pipeline.linemodel import blocks
from pipeline.linemodel.blocks import CJK_PAGE_STOPLIST
from pipeline.linemodel.containment import containment
from pipeline.linemodel.shape import (  # _CJK: Han and kana, the scripts written without spaces
    _CJK, NAN, SHAPE_FEATURES, _class_counts_list, _kernel, line_shape, norm_and_shape, pick_stoplist)
from pipeline.linewords import words_of as line_words
from pipeline.memo import LineMemo


# Page's shape matrix from the rows in one C loop (pipeline/linemodel/_shape.c), where built:
# np.fromiter's floats without its iterator of Python objects.
_fill_rows = getattr(_kernel, "fill_rows", None)
_max_subarray_c = getattr(_kernel, "max_subarray", None)  # _max_subarray's loop over the array's doubles
_page_columns = getattr(_kernel, "page_columns", None)  # Page's registry columns in one C call (_kernel_matrix)


@dataclass(frozen=True)
class Feature:
    name: str
    value: Callable[["Page"], object]  # the column over the page's lines (or one number)


def _line(name: str) -> Feature:
    """The line's own shape feature `name` (computed in shape.line_shape)."""
    column = SHAPE_FEATURES.index(name)
    return Feature(name, lambda p: p.shape[:, column])


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


_LOG1P_INT = np.zeros(0)


def _log1p_int(size: int) -> np.ndarray:
    """[math.log1p(v) for v in range(size)] as a read-only array: one table, grown when a
    page needs more, not built again a page."""
    global _LOG1P_INT
    if len(_LOG1P_INT) < size:
        table = np.array([math.log1p(v) for v in range(max(size, 2 * len(_LOG1P_INT)))])
        table.flags.writeable = False
        _LOG1P_INT = table
    return _LOG1P_INT[:size]


class _Blocks:
    """The block-level features of a page, from its shape matrix, lines' digit-masked texts,
    runs, texts and stoplist (Page's attributes, or _KernelPage's)."""

    @cached_property
    def block_features(self) -> dict[str, np.ndarray]:
        """The block-level features (blocks.py) by name, computed once a page."""
        col = SHAPE_FEATURES.index
        got = {}
        got["sig_repeat"], got["record_stream"] = blocks.record_features(self.masked, self.words)
        (got["prose_gap"], got["gap_mean_words"], got["gap_end_share"],
         got["prose_sandwich"]) = blocks.gap_features(self.good, self.words, self.endp)
        got["in_dense"], got["dist_dense"], got["dense_prose_between"] = blocks.dense_features(self.good, self.words, self.endp)
        got["run_stop"] = blocks.run_stop(self.run_id, self.shape[:, col("stop_count")], self.words, self.stopd)
        core = (got["in_dense"] > 0) & ((self.good > 0) | (self.endp > 0))
        cw = blocks.page_content_words(self.texts, self.stop)
        (got["core_overlap"], got["win_core_overlap"], got["page_overlap"], got["win_page_overlap"],
         got["lead_overlap"], got["win_lead_overlap"]) = blocks.cohesion_and_lead(cw, core, self.good, self.words,
                                                                                  self.run_id)
        return got


class Page(_Blocks):
    """What the features of one page are computed from: its non-blank lines' shapes and
    positions, and the quantities several features share."""

    def __init__(self, idx: list[int], per_line: list[tuple], texts: list[str] | None = None,
                 stop: frozenset = frozenset()):
        n = self.n = len(idx)
        self.texts, self.stop = texts or [""] * n, stop  # the lines' text (lexical cohesion)
        # the rows' values read one after the other (each row has len(SHAPE_FEATURES) of
        # them): the same floats as np.array of the rows, in half the time
        width = len(SHAPE_FEATURES)
        self.shape = np.empty((n, width))
        if _fill_rows is None or not _fill_rows(self.shape, per_line, width):  # the kernel: the same floats
            self.shape = np.fromiter(chain.from_iterable([row for row, _, _ in per_line]), dtype=np.float64,
                                     count=n * width).reshape(n, width)
        col = SHAPE_FEATURES.index
        words = self.words = self.shape[:, col("n_words")]
        self.words_l = words_l = words.tolist()
        self.stopd = self.shape[:, col("stop_density")]
        self.endp = self.shape[:, col("end_punct")]
        good = self.good = self.shape[:, col("good")]
        k = self.k = np.arange(n)
        self.total_words = sum(words_l) or 1.0
        self.log1p_int = _log1p_int(max(n, 50) + 1)  # of counts/distances

        # repeats and containment (teasers that repeat the lead, duplicated article copies)
        norms = [norm for _, norm, _ in per_line]
        norm_counts = Counter(norms)
        # counts less one: small integers, exact as floats either way round
        self.repeat_count = np.fromiter(map(norm_counts.__getitem__, norms), np.float64, n) - 1.0
        inside, container = containment(norms, norm_counts)
        self.contained = np.zeros(n)
        self.contained[list(inside)] = 1.0
        self.contains = np.zeros(n)
        self.contains[list(container)] = 1.0
        # digit-masked repeats catch templated chrome: "Rating: 17 Votes", "2 days ago at 07:51 am"
        shapes = self.masked = [s for _, _, s in per_line]
        shape_counts = Counter(shapes)
        self.shape_rep = np.fromiter(map(shape_counts.__getitem__, shapes), np.float64, n) - 1.0
        datey = (self.shape[:, col("dateish")] > 0) & (words <= 8)

        # runs of consecutive non-blank raw lines (menus, teaser lists, ...)
        raw = np.array(idx)
        new_run = self.new_run = np.ones(n, dtype=bool)
        new_run[1:] = raw[1:] != raw[:-1] + 1
        run_id = self.run_id = np.cumsum(new_run) - 1
        run_start = k[new_run]
        run_len = np.diff(np.append(run_start, n))
        self.rl = run_len[run_id]
        self.run_pos = k - run_start[run_id]
        # words are multiples of 0.5, good and short are 0/1: these sums are exact in any order
        self.rmean = np.bincount(run_id, weights=words) / run_len
        self.rshort = np.bincount(run_id, weights=(words <= 4)) / run_len
        self.rgood = np.bincount(run_id, weights=good) / run_len

        # the page's main stretch of prose: good lines score their length, others a penalty
        # (words are multiples of 0.5 and good is 0/1: numpy's min, product and sum are exact,
        # the same floats as Python's per line)
        scored = np.where(good > 0, words, -(2.0 + 0.5 * np.minimum(words, 20.0)))
        span = _max_subarray_c(scored) if _max_subarray_c is not None else _max_subarray(scored.tolist())
        self.main_words = sum(words_l[span[0]:span[1] + 1]) if span else 0.0
        good_ids = np.flatnonzero(good)
        self.first_good = good_ids[0] if len(good_ids) else n
        self.last_good = good_ids[-1] if len(good_ids) else -1
        self.doc_good = len(good_ids) / n
        if span:
            self.in_main = (k >= span[0]) & (k <= span[1])
            self.dist_main = self.log1p_int[np.where(k < span[0], span[0] - k, np.where(k > span[1], k - span[1], 0))]
        else:
            self.in_main = np.zeros(n, dtype=bool)
            self.dist_main = np.full(n, math.log1p(50.0))

        # distance to the nearest good line; 50 if none, and capped at 50 when the nearest
        # good line is below (as the two-pass loop this replaced did)
        prev_good = np.maximum.accumulate(np.where(good > 0, k, -1))
        next_good = np.minimum.accumulate(np.where(good > 0, k, n)[::-1])[::-1]
        nearest = np.where(prev_good >= 0, k - prev_good, 50)
        self.nearest = np.where(next_good < n, np.minimum(nearest, next_good - k), nearest)

        logw = self.shape[:, col("log_words")]  # math.log1p(n_words), as line_shape computed it
        sd_ok = ~np.isnan(self.stopd)
        # window sums of 0/1 columns, exact in any order: from one cumulative sum
        self._cum = np.zeros((n + 1, 5))
        np.cumsum(np.column_stack([sd_ok, good, words <= 4, self.shape_rep > 0, datey]), axis=0, out=self._cum[1:])
        self.logw_sum, stop_sum = _window_seq_sum(np.column_stack([logw, np.where(sd_ok, self.stopd, 0.0)]), 5).T
        sd_n = self.window_sum(0, 5)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.win5_stop = np.where(sd_n > 0, stop_sum / sd_n, NAN)

    def window(self, half: int) -> tuple[np.ndarray, np.ndarray]:
        """Per line: the bounds [lo, hi) of the lines within `half` of it."""
        return np.maximum(0, self.k - half), np.minimum(self.n, self.k + half + 1)

    def window_sum(self, column: int, half: int) -> np.ndarray:
        lo, hi = self.window(half)
        return self._cum[hi, column] - self._cum[lo, column]

    def window_share(self, column: int, half: int) -> np.ndarray:
        """Share of the lines within `half` of each line that have the 0/1 property
        `column` (0 stopword density known, 1 good, 2 short, 3 templated, 4 date-ish)."""
        lo, hi = self.window(half)
        return self.window_sum(column, half) / (hi - lo)


_GOOD, _SHORT, _TEMPLATED, _DATEY = 1, 2, 3, 4


def _block(name: str) -> Callable[["Page"], object]:
    """Column `name` of the page's block-level features (blocks.py)."""
    return lambda p: p.block_features[name]

# The registry, in the order of the shipped model's columns.
REGISTRY: tuple[Feature, ...] = (
    *map(_line, ("log_chars", "n_words", "log_words", "stop_density", "stop_count", "end_punct",
                 "end_colon", "n_sentences", "comma_rate", "title_ratio", "upper_ratio",
                 "digit_ratio", "alpha_ratio", "n_separators", "urlish", "bullet", "dateish",
                 "cjk_ratio")),
    Feature("repeat_count", lambda p: p.repeat_count),  # equal lines elsewhere on the page
    Feature("contains_long_line", lambda p: p.contains),
    Feature("contained_in_long_line", lambda p: p.contained),
    *map(_line, ("avg_word_len", "first_char_lower", "has_copyright", "good")),
    # position
    Feature("pos_rel", lambda p: p.k / p.n),
    Feature("pos_words_rel", lambda p: (np.cumsum(p.words) - p.words) / p.total_words),
    Feature("blank_before", lambda p: p.new_run),
    Feature("blank_after", lambda p: np.append(p.new_run[1:], True)),
    # the run of consecutive non-blank lines the line sits in
    Feature("run_len", lambda p: p.log1p_int[p.rl]),
    Feature("run_pos_rel", lambda p: np.where(p.rl > 1, p.run_pos / np.maximum(1, p.rl - 1), 0.0)),
    Feature("run_mean_words", lambda p: p.rmean[p.run_id]),
    Feature("run_short_share", lambda p: p.rshort[p.run_id]),
    Feature("run_good_share", lambda p: p.rgood[p.run_id]),
    # neighbours (-1 / NaN beyond the page's edges)
    Feature("prev1_words", lambda p: _shift(p.words, -1, -1.0)),
    Feature("prev1_stop", lambda p: _shift(p.stopd, -1, NAN)),
    Feature("prev1_end", lambda p: _shift(p.endp, -1, -1.0)),
    Feature("prev2_words", lambda p: _shift(p.words, -2, -1.0)),
    Feature("next1_words", lambda p: _shift(p.words, 1, -1.0)),
    Feature("next1_stop", lambda p: _shift(p.stopd, 1, NAN)),
    Feature("next1_end", lambda p: _shift(p.endp, 1, -1.0)),
    Feature("next2_words", lambda p: _shift(p.words, 2, -1.0)),
    # windows of lines around
    Feature("win5_mean_logw", lambda p: p.logw_sum / (p.window(5)[1] - p.window(5)[0])),
    Feature("win5_stop", lambda p: p.win5_stop),
    Feature("win5_good", lambda p: p.window_share(_GOOD, 5)),
    Feature("win15_good", lambda p: p.window_share(_GOOD, 15)),
    Feature("win15_short", lambda p: p.window_share(_SHORT, 15)),
    # the page's main stretch of prose, and its good lines
    Feature("in_main", lambda p: p.in_main),
    Feature("dist_main", lambda p: p.dist_main),
    Feature("main_share", lambda p: p.main_words / p.total_words),
    Feature("before_first_good", lambda p: p.k < p.first_good),
    Feature("after_last_good", lambda p: p.k > p.last_good),
    Feature("dist_good", lambda p: p.log1p_int[p.nearest]),
    # the page as a whole
    Feature("doc_lines", lambda p: math.log1p(p.n)),
    Feature("doc_good_share", lambda p: p.doc_good),
    Feature("doc_words_log", lambda p: math.log1p(p.total_words)),
    # templated lines (digit-masked repeats) and time stamps
    Feature("shape_repeat", lambda p: p.log1p_int[p.shape_rep.astype(np.int64)]),
    Feature("win10_shape_rep", lambda p: p.window_share(_TEMPLATED, 10)),
    Feature("win10_dateish", lambda p: p.window_share(_DATEY, 10)),
    # block level (blocks.py, 2026-12-02): repeated record templates, the prose gap the
    # line sits in, the dense prose stretch, the run's stopword density
    *(Feature(name, _block(name)) for name in (
        "sig_repeat", "record_stream", "prose_gap", "gap_mean_words", "gap_end_share", "prose_sandwich",
        "in_dense", "dist_dense", "dense_prose_between", "run_stop")),
    # lexical cohesion (blocks.py, 2026-12-02, third round): the share of the line's (and
    # its +-3 lines') content words found in the dense stretch's prose / in the page's
    # other runs of lines
    *(Feature(name, _block(name)) for name in (
        "core_overlap", "win_core_overlap", "page_overlap", "win_page_overlap", "lead_overlap",
        "win_lead_overlap")),
)
FEATURES = [f.name for f in REGISTRY]

# The registry's features that _shape.page_columns computes, in its PC_ order (the line
# features it copies from the shape matrix by their column), and the block features
# (_Blocks), which it leaves to blocks.py.
_KERNEL_NAMES = (
    "repeat_count", "contains_long_line", "contained_in_long_line", "pos_rel", "pos_words_rel", "blank_before",
    "blank_after", "run_len", "run_pos_rel", "run_mean_words", "run_short_share", "run_good_share", "prev1_words",
    "prev1_stop", "prev1_end", "prev2_words", "next1_words", "next1_stop", "next1_end", "next2_words",
    "win5_mean_logw", "win5_stop", "win5_good", "win15_good", "win15_short", "in_main", "dist_main", "main_share",
    "before_first_good", "after_last_good", "dist_good", "doc_lines", "doc_good_share", "doc_words_log",
    "shape_repeat", "win10_shape_rep", "win10_dateish")
_BLOCK_NAMES = frozenset((
    "sig_repeat", "record_stream", "prose_gap", "gap_mean_words", "gap_end_share", "prose_sandwich", "in_dense",
    "dist_dense", "dense_prose_between", "run_stop", "core_overlap", "win_core_overlap", "page_overlap",
    "win_page_overlap", "lead_overlap", "win_lead_overlap"))


_SHIPPED = {f.name: f.value for f in REGISTRY}  # each feature's function, as this file defines it


def _kernel_codes(registry: tuple) -> tuple | None:
    """Per registry column: page_columns' code for it (a shape column, or 1000 + its place
    in _KERNEL_NAMES), -1 for a block feature; None when a feature is not this file's
    (a feature added or changed elsewhere: Page then computes them all). A feature changed
    here and not in the kernel fails tests/test_speed_round23_classifier.py."""
    codes = []
    for f in registry:
        if _SHIPPED.get(f.name) is not f.value:
            return None
        if f.name in _BLOCK_NAMES:
            codes.append(-1)
        elif f.name in SHAPE_FEATURES:
            codes.append(SHAPE_FEATURES.index(f.name))
        elif f.name in _KERNEL_NAMES:
            codes.append(1000 + _KERNEL_NAMES.index(f.name))
        else:
            return None
    return tuple(codes)


_CODED = REGISTRY  # the registry _CODES are for (feature_matrix checks it is still the one)
_CODES = _kernel_codes(REGISTRY)
_SHAPE_COLUMNS = tuple(map(SHAPE_FEATURES.index, ("n_words", "stop_density", "end_punct", "good", "dateish",
                                                  "log_words")))


class _KernelPage(_Blocks):
    """What the block features read of a page (Page's attributes of the same names), where
    _shape.page_columns made the rest."""

    def __init__(self, shape: np.ndarray, masked: list, run_id: np.ndarray, texts: list, stop: frozenset):
        col = SHAPE_FEATURES.index
        self.shape, self.masked, self.run_id, self.texts, self.stop = shape, masked, run_id, texts, stop
        self.words, self.stopd = shape[:, col("n_words")], shape[:, col("stop_density")]
        self.endp, self.good = shape[:, col("end_punct")], shape[:, col("good")]


def _kernel_matrix(idx: list[int], per_line: list[tuple], texts: list[str], stop: frozenset):
    """feature_matrix's X from Page's registry columns in one C call (page_columns) and the
    block features; None where the kernel declines (then Page and the registry)."""
    n, width = len(idx), len(SHAPE_FEATURES)
    shape = np.empty((n, width))
    if not _fill_rows(shape, per_line, width):
        return None
    norms = [norm for _, norm, _ in per_line]
    norm_counts = Counter(norms)
    inside, container = containment(norms, norm_counts)
    masked = [s for _, _, s in per_line]
    X = np.empty((n, len(REGISTRY)))
    run_id = np.empty(n, dtype=np.int64)
    if not _page_columns(X, shape, width, _CODES, idx, norms, norm_counts, masked, Counter(masked), inside, container,
                         _log1p_int(max(n, 50) + 1), _SHAPE_COLUMNS, NAN, run_id):
        return None
    page = _KernelPage(shape, masked, run_id, texts, stop)
    for j, code in enumerate(_CODES):
        if code == -1:
            X[:, j] = REGISTRY[j].value(page)
    return X


def _per_line(texts: list[str], stop: frozenset, words_of: list | None = None) -> list[tuple]:
    """Per line: (its shape features, its normalised text, its digit-masked shape)."""
    if words_of is None:
        words_of = list(map(line_words, texts))
    counts = _class_counts_list(texts)
    return [(line_shape(s, w, stop, c), *norm_and_shape(s, c)) for s, w, c in zip(texts, words_of, counts)]


def feature_matrix(lines: list[str], language: str | None, memo: LineMemo | None = None):
    """(indices of the non-blank lines, their feature rows as a float array, columns in
    FEATURES order).

    `memo`: per-line results of earlier pages (they depend on the line and the stoplist
    only), computed here only for lines not in it."""
    stripped = [ln.strip() for ln in lines]
    idx = [i for i, t in enumerate(stripped) if t]
    texts = [stripped[i] for i in idx]
    if not texts:
        return idx, np.zeros((0, len(FEATURES)))
    words_of = None
    if language:
        stop = pick_stoplist(language, None)
    else:  # the guess looks at the first 3000 words only
        words_of = list(map(line_words, texts))
        sample = []
        for ws in words_of:
            sample.extend(map(str.lower, ws))
            if len(sample) >= 3000:
                break
        stop = pick_stoplist(language, sample)
    # langdetect may read Traditional Chinese as Korean: a Korean page's letters are counted
    written_in_cjk = language in _CJK_LANGUAGES or (language in (None, "ko") and _written_in_cjk(texts))
    if written_in_cjk and not stop:
        # No stoplist (Chinese, Japanese): a line of Latin words or digits has no stopword,
        # as it has none on a page with one, rather than no density at all (which the
        # trees learned from English as the mark of a number, a code or a menu)
        stop = CJK_PAGE_STOPLIST
    if memo is None:
        per_line = _per_line(texts, stop, words_of)
    else:
        known = memo.table("linemodel", stop)
        new = list(dict.fromkeys(t for t in texts if t not in known))
        if new:
            known.update(zip(new, _per_line(new, stop)))
        per_line = [known[t] for t in texts]
    X = None
    if _page_columns is not None and _fill_rows is not None and _CODES is not None and REGISTRY is _CODED:
        X = _kernel_matrix(idx, per_line, texts, stop)
    if X is None:
        page = Page(idx, per_line, texts, stop)
        X = np.empty((len(texts), len(REGISTRY)))
        for j, feature in enumerate(REGISTRY):
            X[:, j] = feature.value(page)
    if written_in_cjk:
        # On an English page a line of CJK characters is another language's (a language
        # menu, a foreign headline): chrome, as the trees learned. On a page written in
        # them it is the page's own script: no line is foreign by it.
        X[:, _CJK_RATIO] = 0.0
    return idx, X


_CJK_RATIO = FEATURES.index("cjk_ratio")
# langdetect's codes of the languages written in Chinese characters (Korean, in Hangul,
# has spaces and a stoplist)
_CJK_LANGUAGES = frozenset({"zh", "zh-cn", "zh-tw", "ja"})
_LETTER = re.compile(r"[^\W\d_]")


def _written_in_cjk(texts: list[str]) -> bool:
    """Whether Chinese or Japanese characters are at least half the page's letters (where
    the page's language is not known)."""
    joined = "".join(texts)
    if joined.isascii() or _CJK.search(joined) is None:
        return False
    return 2 * len(_CJK.findall(joined)) >= len(_LETTER.findall(joined))


def line_features(lines: list[str], language: str | None):
    """Feature rows for the non-blank lines: returns (indices, rows)."""
    idx, X = feature_matrix(lines, language)
    return idx, X.tolist()
