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
