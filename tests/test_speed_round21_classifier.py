"""The twenty-first speed round's line classifier changes, each against what it replaced
(docs/speed.md, "Twenty-first round, line classifier")."""
from __future__ import annotations

import numpy as np
import pytest

from pipeline.linemodel import load_model
from pipeline.linemodel import forest as forest_module


def _walks(forest, x):
    """(the packed C walk's leaves and scores, the numpy walk's) for the rows x."""
    got = forest.scores_and_leaves(x)
    forest._walk = None
    try:
        by_numpy = forest.scores_and_leaves(x)
    finally:
        forest._walk = forest_module._walk
    return got, by_numpy


def test_the_laned_walk_equals_the_numpy_walk_at_every_row_count():
    """Walk.leaves walks rows side by side in groups (LANES in _walk.c) and the rest one by
    one: every row count from 0 to 70 (groups, a partial group, both), on rows whose
    walks end at very different depths (real values, thresholds, NaN, +-inf), gives the
    numpy walk's very leaves and score floats, and each row the leaves it has alone."""
    pytest.importorskip("pipeline.linemodel._walk")
    forest = load_model()["stage1"]
    assert forest._packed is not None
    n_features = int(forest._qs["node_feature"].max()) + 1
    rng = np.random.default_rng(21)
    thresholds = forest._qs["node_threshold"]
    base = rng.normal(size=(70, n_features)) * 3
    at = rng.random(base.shape) < 0.3
    base[at] = rng.choice(thresholds, size=int(at.sum()))
    for value, share in ((np.nan, 0.15), (np.inf, 0.03), (-np.inf, 0.03)):
        base[rng.random(base.shape) < share] = value
    base[5] = np.nan  # a row of missing values only
    alone = [forest.scores_and_leaves(base[k:k + 1]) for k in range(len(base))]
    for n in range(0, 71):
        x = np.ascontiguousarray(base[:n])
        (scores, leaves), (want_scores, want_leaves) = _walks(forest, x)
        assert scores == want_scores
        assert np.array_equal(leaves, want_leaves)
        for k in range(n):
            assert scores[k] == alone[k][0][0] and np.array_equal(leaves[k], alone[k][1][0])


def test_the_laned_walk_with_leaf_roots_and_without_splits():
    """Trees that are a single leaf (the walk starts at a leaf), alone and beside trees
    with splits; and a forest without any split, walked with no feature at all."""
    walk = pytest.importorskip("pipeline.linemodel._walk")
    i32 = lambda *v: np.array(v, dtype=np.int32)  # noqa: E731
    # tree 0: one leaf (node 0); tree 1: x0 <= 0.5 (NaN left) -> leaf 1, else x1 <= 0 (NaN right)
    tables = (i32(0, 0, 0, 1, 0, 0), np.array([0.0, 0.5, 0.0, 0.0, 0.0, 0.0]),
              np.array([0, 1, 0, 0, 0, 0], dtype=np.uint8), i32(0, 2, 0, 4, 0, 0), i32(0, 3, 0, 5, 0, 0),
              i32(0, -1, 1, -1, 2, 3), i32(0, 1), np.array([0.25, -1.0, 2.0, 4.0]))
    packed = walk.Walk(*tables)
    rng = np.random.default_rng(5)
    for n in (1, 15, 16, 17, 40):
        x = rng.choice([0.0, 0.5, 1.0, -1.0, np.nan], size=(n, 2))
        leaves, scores = np.empty((n, 2), dtype=np.int64), np.empty(n)
        packed.leaves(np.ascontiguousarray(x), n, 2, 0.125, leaves, scores)
        for k, (a, b) in enumerate(x.tolist()):
            want = 1 if (a != a or a <= 0.5) else (2 if b <= 0.0 else 3)
            assert leaves[k].tolist() == [0, want]
            assert scores[k] == (0.125 + 0.25) + [0.25, -1.0, 2.0, 4.0][want]
    only_leaves = walk.Walk(i32(0), np.zeros(1), np.zeros(1, dtype=np.uint8), i32(0), i32(0), i32(0), i32(0, 0),
                            np.array([1.5]))
    for n in (3, 16, 33):
        leaves, scores = np.empty((n, 2), dtype=np.int64), np.empty(n)
        only_leaves.leaves(np.zeros((n, 0)), n, 0, -0.5, leaves, scores)
        assert leaves.tolist() == [[0, 0]] * n and scores.tolist() == [2.5] * n


def _block_pages():
    """(content words, core flags, good flags, words, run ids) of every seed and test page."""
    from conftest import DATA
    from pipeline.language import detect
    from pipeline.linemodel import blocks
    from pipeline.linemodel.features import Page, _per_line
    from pipeline.linemodel.shape import pick_stoplist
    from pipeline.normalise import normalise

    files = sorted(DATA.parent.parent.joinpath("seeds").glob("*.txt")) + sorted(DATA.glob("*/*.txt")) \
        + sorted(DATA.glob("*/text/*.txt"))
    assert len(files) >= 20
    for path in files:
        lines = normalise(path.read_text("utf-8", errors="replace")).split("\n")
        texts = [line.strip() for line in lines if line.strip()]
        if not texts:
            continue
        stop = pick_stoplist(detect(lines, 3000, 0).code, None)
        idx = [i for i, line in enumerate(lines) if line.strip()]
        page = Page(idx, _per_line(texts, stop), texts, stop)
        got = page.block_features
        core = (got["in_dense"] > 0) & ((page.good > 0) | (page.endp > 0))
        yield blocks.page_content_words(texts, stop), core, page.good, page.words, page.run_id


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def test_cohesion_and_lead_equal_the_two_functions_bit_for_bit(monkeypatch):
    """The six cohesion and lead columns from the one kernel call are the very floats of
    cohesion_features + lead_features (with their kernels, and with the Python they
    replace), on every seed and test page."""
    from pipeline.linemodel import blocks

    if blocks._cohesion_hits is None:
        pytest.skip("the shape kernel is not built")
    pages = 0
    for cw, core, good, words, run_id in _block_pages():
        got = blocks.cohesion_and_lead(cw, core, good, words, run_id)
        apart = (*blocks.cohesion_features(cw, core, words, run_id), *blocks.lead_features(cw, good))
        with monkeypatch.context() as m:
            m.setattr(blocks, "_kernel", None)
            m.setattr(blocks, "_cohesion_hits", None)
            python = blocks.cohesion_and_lead(cw, core, good, words, run_id)
        assert len(got) == len(apart) == len(python) == 6
        for a, b, c in zip(got, apart, python):
            assert _same(a, b) and _same(a, c)
        pages += 1
    assert pages >= 20


def test_cohesion_hits_equal_the_three_counts_on_random_pages():
    """cohesion_hits(cw, core, lead, runs, long_enough) against overlap_hits of the core and
    the lead and run_hits, and the Python counts: random pages of a small vocabulary (many
    shared words), members given twice and out of order, empty lines, sets, frozensets and
    tuples of words, runs of one line and of many."""
    import random

    from pipeline.linemodel import blocks

    kernel = pytest.importorskip("pipeline._shape")
    if not hasattr(kernel, "cohesion_hits"):
        pytest.skip("the shape kernel is older than this source")
    rng = random.Random(2112)
    vocab = [f"w{k}" for k in range(40)] + ["", "ß", "σ", "日本"]
    for trial in range(400):
        n = rng.randint(0, 30)
        kind = rng.choice([set, frozenset, tuple])
        cw = [kind(rng.sample(vocab, rng.randint(0, 8))) for _ in range(n)]
        runs, run = [], 0
        for _ in range(n):
            run += rng.random() < 0.4
            runs.append(run)
        long_enough = [rng.random() < 0.6 for _ in range(n)]
        if trial % 2:  # members given twice and out of order
            core = [rng.randrange(n) for _ in range(rng.randint(0, n))] if n else []
            lead = [rng.randrange(n) for _ in range(rng.randint(0, 4))] if n else []
        else:
            core = rng.sample(range(n), rng.randint(0, n))
            lead = sorted(rng.sample(range(n), min(n, rng.randint(0, 3))))
        got = kernel.cohesion_hits(cw, core, lead, runs, long_enough)
        assert got == (kernel.overlap_hits(cw, core), kernel.overlap_hits(cw, lead), kernel.run_hits(cw, runs, long_enough))
        sets = [frozenset(ws) for ws in cw]  # the Python counts take sets
        if len(set(core)) < len(core) or len(set(lead)) < len(lead):
            continue  # the Python counts a member given twice twice (the kernels once; a page's members are distinct)
        assert got[0] == blocks._overlap_hits_py(sets, core).tolist()
        assert got[1] == blocks._overlap_hits_py(sets, lead).tolist()
        assert got[2] == blocks._run_hits_py(sets, runs, long_enough).tolist()
    with pytest.raises(IndexError):
        kernel.cohesion_hits([{"a"}], [1], [], [0], [True])
    with pytest.raises(ValueError):
        kernel.cohesion_hits([{"a"}], [], [], [-1], [True])
    with pytest.raises(ValueError):
        kernel.cohesion_hits([{"a"}], [], [], [0, 1], [True])
