"""The twenty-third speed round's line classifier changes, each against what it replaced
(docs/speed.md, "Twenty-third round, the line classifier")."""
from __future__ import annotations

import random

import numpy as np
import pytest

from conftest import text_pages
from pipeline.linemodel import features
from pipeline.linemodel.features import FEATURES, REGISTRY, SHAPE_FEATURES
from pipeline.linemodel.shape import pick_stoplist

_kernel = pytest.importorskip("pipeline._shape")


@pytest.fixture(scope="module")
def pages():
    return [page for page in text_pages() if any(line.strip() for line in page)]


def _by_page(idx, per_line, texts, stop) -> np.ndarray:
    """feature_matrix's X as main made it: features.Page and each registry entry's value."""
    page = features.Page(idx, per_line, texts, stop)
    X = np.empty((len(idx), len(REGISTRY)))
    for j, feature in enumerate(REGISTRY):
        X[:, j] = feature.value(page)
    return X


def _same(a: np.ndarray, b: np.ndarray) -> list[str]:
    """The features whose columns differ in any bit."""
    assert a.shape == b.shape
    return [FEATURES[j] for j in range(a.shape[1]) if a[:, j].tobytes() != b[:, j].tobytes()]


def _inputs(page: list[str], language: str = "en"):
    stripped = [ln.strip() for ln in page]
    idx = [i for i, t in enumerate(stripped) if t]
    texts = [stripped[i] for i in idx]
    stop = pick_stoplist(language, None)
    return idx, features._per_line(texts, stop), texts, stop


def test_every_registry_column_has_a_kernel_code():
    """The shipped registry goes through the kernel whole (no feature left to Page), and
    its codes name each line feature by its shape column."""
    assert features._page_columns is not None
    codes = features._CODES
    assert codes is not None and len(codes) == len(REGISTRY)
    for feature, code in zip(REGISTRY, codes):
        if code == -1:
            assert feature.name in features._BLOCK_NAMES
        elif code < 1000:
            assert SHAPE_FEATURES[code] == feature.name
        else:
            assert features._KERNEL_NAMES[code - 1000] == feature.name
    assert sorted(c - 1000 for c in codes if c >= 1000) == list(range(len(features._KERNEL_NAMES)))


def test_the_kernel_matrix_equals_page_on_real_pages(pages):
    """_kernel_matrix (page_columns and the block features) gives Page's registry columns
    bit for bit on every seed and test page, as English and as an unknown language."""
    for page in pages:
        for language in ("en", "de"):
            args = _inputs(page, language)
            got = features._kernel_matrix(*args)
            assert got is not None
            assert _same(got, _by_page(*args)) == []


def test_feature_matrix_takes_the_kernel_and_gives_main_s_floats(pages, monkeypatch):
    """feature_matrix itself (its memo too) with the kernel and without it (Page)."""
    from pipeline.memo import LineMemo

    memo = LineMemo()
    fast = [features.feature_matrix(page, None, memo) for page in pages]
    monkeypatch.setattr(features, "_page_columns", None)
    plain = [features.feature_matrix(page, None) for page in pages]
    for (idx_a, a), (idx_b, b) in zip(fast, plain):
        assert idx_a == idx_b and _same(a, b) == []


def _random_page(rng: random.Random, n: int):
    """A page's Page inputs with values a real page rarely has: runs of every length, gaps
    in the line numbers, NaN stopword densities, no good line or all, repeats, long lines
    inside others, n_words of halves, good values of 0, 1 and 0.5."""
    width = len(SHAPE_FEATURES)
    col = SHAPE_FEATURES.index
    idx, at = [], rng.randint(0, 3)
    for _ in range(n):
        idx.append(at)
        at += 1 if rng.random() < 0.7 else rng.randint(2, 4)
    good_rate = rng.choice((0.0, 0.3, 1.0))
    per_line = []
    pool = ["x" * 70 + str(k) for k in range(4)] + ["y" * 120 + "x" * 70 + "0", "short", "z" * 65]
    for _ in range(n):
        row = [rng.choice((0.0, 1.0, rng.random() * 9)) for _ in range(width)]
        words = rng.randint(0, 60) / 2
        row[col("n_words")] = words
        row[col("log_words")] = float(np.log1p(words))
        row[col("stop_density")] = float("nan") if rng.random() < 0.3 else rng.random()
        row[col("good")] = 1.0 if rng.random() < good_rate else rng.choice((0.0, 0.0, 0.5))
        row[col("dateish")] = rng.choice((0.0, 1.0, 2.0))
        row[col("end_punct")] = rng.choice((0.0, 1.0))
        norm = rng.choice(pool)
        per_line.append((row, norm, rng.choice(("0 votes", "by 0", norm))))
    return idx, per_line, [norm for _, norm, _ in per_line], frozenset()


def test_the_kernel_matrix_equals_page_on_random_pages():
    """400 random pages of 1 to 130 lines (under and over the 50 the log1p table starts at,
    windows wider than the page)."""
    rng = random.Random(23)
    for trial in range(400):
        args = _random_page(rng, rng.randint(1, 130))
        got = features._kernel_matrix(*args)
        assert got is not None
        assert _same(got, _by_page(*args)) == [], trial


def test_page_columns_declines_what_it_does_not_know():
    """False (the caller runs Page) for a count that is not an int, a containment member
    off the page, a log1p table too short, a line number that is not an int, an unknown
    code; a wrong buffer raises."""
    idx, per_line, texts, stop = _inputs(["A line of words here.", "", "Another one, with more words."])
    n, width = len(idx), len(SHAPE_FEATURES)
    shape = np.array([row for row, _, _ in per_line], dtype=np.float64)
    norms = [norm for _, norm, _ in per_line]
    masked = [s for _, _, s in per_line]

    def call(**change):
        a = dict(X=np.empty((n, len(REGISTRY))), shape=shape, width=width, codes=features._CODES, idx=idx,
                 norms=norms, norm_counts={s: norms.count(s) for s in norms}, masked=masked,
                 shape_counts={s: masked.count(s) for s in masked}, inside=set(), container=set(),
                 log1p=features._log1p_int(51), cols=features._SHAPE_COLUMNS, nan=float("nan"),
                 run_id=np.empty(n, dtype=np.int64))
        a.update(change)
        return _kernel.page_columns(*a.values())

    assert call() is True
    assert call(norm_counts={s: 1.0 for s in norms}) is False
    assert call(inside={n}) is False
    assert call(container={-1}) is False
    assert call(log1p=features._log1p_int(50)) is False
    assert call(idx=[0, 2.0]) is False
    assert call(codes=features._CODES[:-1] + (1000 + len(features._KERNEL_NAMES),)) is False
    with pytest.raises(TypeError):
        call(run_id=np.empty(n, dtype=np.int32))
    with pytest.raises(TypeError):
        call(X=np.empty((n, len(REGISTRY) - 1)))


def test_a_feature_the_kernel_does_not_know_sends_the_page_to_page():
    """A registry with a feature page_columns has no code for (a new feature) gets no codes,
    so feature_matrix computes every column with Page, as before."""
    extra = features.Feature("pos_rel", lambda p: p.k / p.n / 2)  # a known name, another value
    assert features._kernel_codes(REGISTRY) == features._CODES
    assert features._kernel_codes(REGISTRY + (extra,)) is None
    assert features._kernel_codes(REGISTRY + (features.Feature("new", lambda p: p.k),)) is None


def test_top_reasons_in_c_equals_the_sort_on_real_pages(pages):
    """The C picks give the numpy sort's reasons for every scored line of every seed and
    test page (the lines' own contributions, as PageScores.reasons asks for them)."""
    from pipeline.linemodel import load_model, reasons, score_page

    assert reasons._top_reasons_c is not None
    model = load_model()
    checked = 0
    for page in pages:
        scores = score_page(page, None)
        if not scores._row_of:
            continue
        rows = np.arange(len(scores._row_of), dtype=np.int64)
        contrib = scores._forest.contributions(scores._feats, scores._leaves, rows)
        body = [scores._is_body[k] for k in rows.tolist()]
        got = reasons.top_reasons(contrib, body, model["features"])
        assert got == reasons._top_reasons_py(contrib, body, model["features"])
        checked += len(got)
    assert checked > 1000


def test_top_reasons_in_c_with_ties_infinities_and_missing_phrases():
    """Random rows whose values tie often (a few values, both signs, zeros, +-inf), over
    names with no phrase (page-level features), names sharing a phrase and unknown names:
    the same reasons as the sort; a NaN anywhere sends the call to the Python."""
    from pipeline.linemodel import reasons

    names = ("doc_lines", "log_words", "n_words", "good", "main_share", "unknown_a", "end_punct", "pos_rel",
             "pos_words_rel", "win5_stop", "win5_good", "unknown_b")
    rng = np.random.default_rng(23)
    for trial in range(300):
        rows = int(rng.integers(0, 12))
        values = rng.choice([0.0, 0.25, -0.25, 0.5, -0.5, 1.0, -1.0, np.inf, -np.inf, 1e-300], size=(rows, len(names)))
        body = [bool(b) for b in rng.integers(0, 2, rows)]
        assert reasons.top_reasons(values, body, names) == reasons._top_reasons_py(values, body, names), trial
    values, body = np.full((3, len(names)), -0.5), [True, False, False]
    values[0, 3] = np.nan
    assert reasons._top_reasons_c(values, body, *reasons._phrases(names), "body", "chrome") is None
    assert reasons.top_reasons(values, body, names) == reasons._top_reasons_py(values, body, names)


def _cohesion_plain(*args):
    from pipeline.linemodel import blocks

    kept = blocks._cohesion_columns
    blocks._cohesion_columns = None
    try:
        return blocks.cohesion_and_lead(*args)
    finally:
        blocks._cohesion_columns = kept


def test_cohesion_columns_equal_numpy_on_real_pages(pages):
    """blocks.cohesion_and_lead's six arrays from cohesion_columns are numpy's
    (_cohesion_from_hits, _lead_from_hits), bit for bit, on every seed and test page."""
    from pipeline.linemodel import blocks

    assert blocks._cohesion_columns is not None
    for page in pages:
        p = features.Page(*_inputs(page))
        got = p.block_features
        core = (got["in_dense"] > 0) & ((p.good > 0) | (p.endp > 0))
        args = (blocks.page_content_words(p.texts, p.stop), core, p.good, p.words, p.run_id)
        fast, plain = blocks.cohesion_and_lead(*args), _cohesion_plain(*args)
        assert [a.tobytes() for a in fast] == [b.tobytes() for b in plain]


def test_cohesion_columns_equal_numpy_on_random_counts():
    """Random pages of 0 to 40 lines: lines without content words (NaN shares), windows
    wider than the page, hits of every size up to the line's count."""
    from pipeline.linemodel import blocks

    rng = random.Random(7)
    for trial in range(300):
        n = rng.randint(0, 40)
        cw = [frozenset(f"w{rng.randint(0, 30)}" for _ in range(rng.choice((0, 0, 1, 3, 9)))) for _ in range(n)]
        hits = [[rng.randint(0, len(ws)) for ws in cw] for _ in range(3)]
        out = np.empty((6, n))
        blocks._cohesion_columns(*hits, cw, blocks.COHESION_HALF, np.nan, out)
        count = np.array(list(map(len, cw)), dtype=np.float64)
        want = (*blocks._cohesion_from_hits(np.array(hits[0], dtype=np.float64), np.array(hits[2], dtype=np.float64),
                                            count),
                *blocks._lead_from_hits(np.array(hits[1], dtype=np.float64), count))
        assert [row.tobytes() for row in out] == [w.tobytes() for w in want], trial


def test_the_labelling_with_the_shipped_parameters_is_the_threshold(pages):
    """sequence.label with its shipped parameters (no switch cost, no outside threshold) is
    each line's own verdict, without working out the path's gains; with a switch cost it
    still walks the path (a lone chrome line between body lines joins them)."""
    from pipeline import sequence
    from pipeline.linemodel import score_page

    cfg = sequence.shipped_params()
    assert cfg["switch"] <= 0 and cfg.get("outside_threshold") is None
    for page in pages[:40]:
        scores = score_page(page, None)
        probs = [p for p, line in zip(scores.body_prob, page) if line.strip()]
        texts = [line.strip() for line in page if line.strip()]
        assert sequence.label(probs, texts, 0.5) == [p >= 0.5 for p in probs]
    assert sequence.label([0.9, 0.4, 0.9], ["a b c"] * 3, 0.5, switch=5.0) == [True, True, True]


def _pairwise(norms: list[str]) -> tuple[set, set]:
    """containment's definition: a long line inside a longer long line, and those lines."""
    long_ids = [k for k, s in enumerate(norms) if len(s) >= 60]
    pairs = [(a, b) for a in long_ids for b in long_ids
             if len(norms[b]) > len(norms[a]) and norms[a] in norms[b]]
    return {a for a, _ in pairs}, {b for _, b in pairs}


def test_contained_lines_gives_the_counted_sets(pages):
    """containment with the kernel's rolling hash equals the counting it stands in front of,
    on every seed and test page (their normalised lines), and on random pages of long lines
    cut from one another (at the start, the end, inside), equal lines, lines sharing their
    first 60 characters, lines of one, two and four bytes a character inside each other,
    lines holding a newline."""
    from collections import Counter

    from pipeline.linemodel import containment as lmc

    assert lmc._contained_lines is not None
    for page in pages:
        norms = [norm for _, norm, _ in _inputs(page)[1]]
        long_ids = [k for k, s in enumerate(norms) if len(s) >= 60]
        if len(long_ids) <= lmc._COUNTED_LONG_LINES:
            counts = Counter(norms)
            assert lmc.containment(norms, counts) == lmc._containment_counted(norms, counts, long_ids)
    rng = random.Random(60)
    alphabets = ("ab c", "abcdefgh ij", "aé ü", "aЖ ж", "a😀 b", "ab\nc")
    for trial in range(400):
        alphabet = rng.choice(alphabets) + rng.choice(("", rng.choice(alphabets)))
        base = ["".join(rng.choice(alphabet) for _ in range(rng.randint(60, 140))) for _ in range(rng.randint(1, 4))]
        norms = list(base)
        for _ in range(rng.randint(0, 8)):
            s = rng.choice(norms)
            if len(s) > 61:
                i = rng.randint(0, len(s) - 60)
                norms.append(s[i:i + rng.randint(60, len(s) - i)])  # a piece of a line
            norms.append(rng.choice(("", "x", s[:60] + "y")) + rng.choice(norms) + rng.choice(("", "z")))
        norms += ["short"] * 2 + rng.sample(norms, min(2, len(norms)))  # equal lines
        rng.shuffle(norms)
        counts = Counter(norms)
        long_ids = [k for k, s in enumerate(norms) if len(s) >= 60]
        got = lmc.containment(norms, counts)
        assert got == lmc._containment_counted(norms, counts, long_ids) == _pairwise(norms), trial


def test_contained_lines_over_budget_leaves_it_to_the_counting():
    """Periodic lines, where every window starts a compare, spend the kernel's budget: it
    says None, and containment counts (the same sets as the definition)."""
    from collections import Counter

    from pipeline.linemodel import containment as lmc

    norms = ["ab" * 400, "ab" * 300 + "c", "ab" * 200, "b" + "ab" * 100]
    distinct = list(dict.fromkeys(norms))
    assert lmc._contained_lines(distinct, 10**9) is not None
    assert lmc._contained_lines(distinct, 1000) is None
    assert lmc.containment(norms, Counter(norms)) == _pairwise(norms)
    assert lmc._contained_lines(["x" * 59, "x" * 70], 10**6) is None  # a line too short for a window


_DIGEST = """
import hashlib, sys
from pathlib import Path
from pipeline.linemodel import score_page
from pipeline.linemodel import features, reasons, containment, blocks
h = hashlib.sha256()
for path in sorted(Path("seeds").glob("*.txt")) + sorted(Path("tests/data").rglob("*.txt"))[:20]:
    lines = path.read_text("utf-8", errors="replace").split("\\n")
    idx, X = features.feature_matrix(lines, None)
    h.update(X.tobytes())
    scores = score_page(lines, None)
    h.update(repr(scores.body_prob).encode() + repr(scores.reasons(range(len(lines)))).encode())
print(features._page_columns is None, reasons._top_reasons_c is None, containment._contained_lines is None,
      blocks._cohesion_columns is None, h.hexdigest())
"""


def test_without_the_kernels_the_python_gives_the_same_matrix_and_reasons():
    """A build without the C (no compiler): feature_matrix goes through Page, top_reasons
    sorts, containment counts, the cohesion columns come from numpy; the same feature
    matrices, probabilities and reasons on the seeds and test pages as with the kernels."""
    import subprocess
    import sys

    from conftest import SEEDS

    run = lambda prelude: subprocess.run([sys.executable, "-c", prelude + _DIGEST], check=True,  # noqa: E731
                                         cwd=str(SEEDS.parent), capture_output=True, text=True).stdout.split()
    fast = run("")
    plain = run("import sys; sys.modules['pipeline._shape'] = None; sys.modules['pipeline.linemodel._walk'] = None\n")
    assert fast[:4] == ["False"] * 4 and plain[:4] == ["True"] * 4
    assert fast[4] == plain[4]


def _gap_and_dense_plain(good, words, endp):
    from pipeline.linemodel import blocks

    kept = blocks._gap_parts, blocks._dense_parts
    blocks._gap_parts = blocks._dense_parts = None
    try:
        return blocks.gap_features(good, words, endp) + blocks.dense_features(good, words, endp)
    finally:
        blocks._gap_parts, blocks._dense_parts = kept


def _bits(arrays) -> list:
    return [(a.dtype.str, a.shape, a.tobytes()) for a in arrays]


def test_gap_and_dense_parts_equal_numpy(pages):
    """gap_features and dense_features with their C parts are numpy's arrays, bit for bit
    and dtype for dtype: on the columns of every seed and test page, and on random columns
    (no prose at all, prose everywhere, lines over DENSE_LINE_WORDS, ties for the peak,
    pages of 0 to 60 lines)."""
    from pipeline.linemodel import blocks

    assert blocks._gap_parts is not None and blocks._dense_parts is not None
    columns = []
    for page in pages:
        p = features.Page(*_inputs(page))
        columns.append((p.good, p.words, p.endp))
    rng = np.random.default_rng(8)
    for _ in range(300):
        n = int(rng.integers(0, 60))
        good = rng.choice([0.0, 1.0, 0.5], size=n, p=rng.dirichlet([1, 1, 0.2]))
        words = rng.choice([0.0, 0.5, 3.0, 12.0, 40.0, 450.0, 900.5], size=n)
        endp = rng.choice([0.0, 1.0], size=n)
        columns.append((good, words, endp))
    columns.append((np.zeros(5), np.ones(5), np.zeros(5)))  # no prose
    columns.append((np.ones(4, dtype=np.float32), np.full(4, 0.1, dtype=np.float32), np.zeros(4, dtype=np.float32)))
    for good, words, endp in columns:
        fast = blocks.gap_features(good, words, endp) + blocks.dense_features(good, words, endp)
        assert _bits(fast) == _bits(_gap_and_dense_plain(good, words, endp))
