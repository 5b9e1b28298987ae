"""The tree-ensemble runtime: boosted trees exported from scikit-learn's
HistGradientBoostingClassifier (training/train_line_model.py) as plain JSON, scored for
all rows of a page and all trees at once with numpy.

One walk: QuickScorer (Lucchese et al., SIGIR 2015).  Leaves are numbered left to right
in each tree; a split sending a row right rules out the leaves of its left subtree; the
row's leaf is the leftmost leaf no split rules out.  It gives a row's leaf in every tree
from one comparison of the row with every split, then bitmask lookups: no per-node Python
or per-depth numpy passes.  Hand-written because scikit-learn (a 40 MB training-only
dependency) is not a runtime dependency, and its predictor works on its own binned model
object, not on a JSON file.

Scores add the leaf values tree by tree in the trees' order, and a row's per-feature
contributions (Saabas: each split adds its child's mean value minus its own) add the same
amounts in root-to-leaf order, so the results are the very floats a plain per-row walk
gives (tests/test_linemodel.py holds that walk and compares them on real pages).
"""
from __future__ import annotations

import math

import numpy as np

try:  # the walk in C (pipeline/linemodel/_walk.c, built at install when a compiler is there)
    import pipeline.linemodel._walk as _walk
except ImportError:  # not built: the numpy walk below, which gives the same floats
    _walk = None

_MAX = np.finfo(np.float64).max


class Forest:
    """A tree ensemble.  Each tree in the spec is a list of nodes: [feature, threshold,
    missing_left, left, right, value] for splits and [-1, value] for leaves; `value` on
    split nodes is the count-weighted mean of the subtree (for the contributions)."""

    # Rows per block in _leaves: its comparisons take (rows x trees x splits) floats, 38 KB
    # a row with the shipped model, so a long page's (200,000 lines at 8 MB) would take
    # gigabytes at once; blocks keep that near 80 MB, whatever the page.
    _LEAVES_BLOCK = 2048

    def __init__(self, spec):
        self.baseline = float(spec["baseline"])
        self.trees = spec["trees"]
        self._qs = self._build_tables()
        # _walk: the C walk, or None for the numpy one (tests set it to compare the two)
        self._walk = _walk
        # The node and path tables packed once for the C walk (_walk.Walk); None where it
        # refuses them (a child before its parent, tables too large) or an extension built
        # before Walk lacks it: the numpy walk then
        self._packed = None
        if _walk is not None and hasattr(_walk, "Walk"):
            qs = self._qs
            try:
                self._packed = _walk.Walk(qs["node_feature"], qs["node_threshold"], qs["node_missing_left"],
                                          qs["node_left"], qs["node_right"], qs["node_leaf"], qs["tree_root"],
                                          qs["leaf_value"], qs["path_start"], qs["path_len"], qs["path_feature"],
                                          qs["path_amount"])
            except ValueError:
                self._packed = None

    def scores(self, x: np.ndarray) -> list[float]:
        """The raw score (log-odds) of each row of x."""
        return self.scores_and_leaves(x)[0]

    def raw(self, row) -> float:
        """The raw score of one row."""
        return self.scores(np.asarray([row], dtype=np.float64))[0]

    def raw_many(self, rows, contributions: bool = False):
        """(the rows' raw scores as a list, their contributions as rows x features or None)."""
        x = np.asarray(rows, dtype=np.float64).reshape(len(rows), -1)
        total, leaves = self.scores_and_leaves(x)
        if not contributions:
            return total, None
        return total, self.contributions(x, leaves, np.arange(len(x)))

    def scores_and_leaves(self, x: np.ndarray):
        """(each row's raw score, each row's leaf per tree): the leaves let `contributions`
        explain some rows later."""
        if not len(x):
            return [], np.zeros((0, self._qs["n_trees"]), dtype=np.int64)
        if self._walk is not None and self._packed is not None:
            x = np.ascontiguousarray(x, dtype=np.float64)
            leaves = np.empty((len(x), self._qs["n_trees"]), dtype=np.int64)
            scores = np.empty(len(x))
            self._packed.leaves(x, len(x), x.shape[1], self.baseline, leaves, scores)
            return scores.tolist(), leaves
        leaves = self._leaves(x)
        acc = np.empty((len(x), leaves.shape[1] + 1))
        acc[:, 0] = self.baseline
        acc[:, 1:] = self._qs["leaf_value"][leaves]
        return np.add.accumulate(acc, axis=1)[:, -1].tolist(), leaves  # tree by tree

    def _build_tables(self):
        """The QuickScorer tables.  Each tree's splits get `width` slots (spare ones never
        go right), so a row's go-right flags pack into bytes, and a table per (tree, byte)
        gives the leaves that byte's splits rule out; and each leaf's root-to-leaf path
        for the contributions."""
        splits_of, leaf_start, leaf_value, path_feature, path_amount, path_len = [], [], [], [], [], []
        # The C walk's tables: every tree's nodes one after the other, children as indices
        # into them, a leaf's number (in leaf_value) on its node, -1 on a split.
        node_feature, node_threshold, node_missing_left, node_left, node_right, node_leaf, tree_root = (
            [], [], [], [], [], [], [])
        for tree in self.trees:
            splits = []  # (feature, threshold, missing_left, leaves of the left subtree)
            leaf_start.append(len(leaf_value))
            base = len(leaf_value)
            first = len(node_feature)
            tree_root.append(first)
            for node in tree:
                split = node[0] >= 0
                node_feature.append(node[0] if split else 0)
                node_threshold.append(node[1] if split else 0.0)
                node_missing_left.append(bool(node[2]) if split else False)
                node_left.append(first + node[3] if split else 0)
                node_right.append(first + node[4] if split else 0)
                node_leaf.append(-1)

            def visit(i, path):  # the bitmask of the leaves under node i
                node = tree[i]
                if node[0] < 0:
                    node_leaf[first + i] = len(leaf_value)
                    leaf_value.append(node[-1])
                    # the contributions' steps on the way down: (+ next value, - this value)
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
            if len(leaf_value) - base > 64:
                raise ValueError("line model: a tree has more than 64 leaves (max_leaf_nodes <= 64)")
            if any(s[1] != s[1] for s in splits):
                raise ValueError("line model: a split with a NaN threshold")
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
                # a missing v as -inf where ml, else +inf, a +inf v as the largest float,
                # and asks v > limit: limit is thr, but for thr +inf (where only a missing
                # v goes right) the largest float.
                limit[t, j] = _MAX if (not ml and thr == math.inf) else thr
        # byte_rules_out[t, b, v]: leaves ruled out when bit i of v says split 8b+i goes right
        bit_set = ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(bool)  # (v, i)
        chosen = np.where(bit_set[None, None], left.reshape(n_trees, n_bytes, 1, 8), mask_type(0))
        byte_rules_out = np.bitwise_or.reduce(chosen, axis=3)
        ends = np.cumsum(path_len)
        # Half the splits repeat another tree's (feature, threshold, missing side): each
        # distinct condition is compared once, then copied to its slots.
        conditions = {}
        slot_condition = [conditions.setdefault(key, len(conditions)) for key in zip(
            feature.reshape(-1).tolist(), missing_left.reshape(-1).tolist(), limit.reshape(-1).tolist())]
        cond_feature, cond_missing_left, cond_limit = (np.array(v) for v in zip(*conditions))
        return dict(feature=cond_feature.astype(np.int64), missing_left=cond_missing_left.astype(bool),
                    limit=cond_limit.astype(np.float64), slot_condition=np.array(slot_condition, dtype=np.int64),
                    columns={}, n_bytes=n_bytes, n_trees=n_trees,
                    byte_rules_out=byte_rules_out.reshape(-1),
                    byte_base=np.arange(n_trees * n_bytes, dtype=np.int64) * 256,
                    leaf_start=np.array(leaf_start, dtype=np.int64), leaf_value=np.array(leaf_value),
                    path_feature=np.array(path_feature, dtype=np.int64), path_amount=np.array(path_amount),
                    path_start=ends - path_len, path_len=np.array(path_len, dtype=np.int64),
                    node_feature=np.array(node_feature, dtype=np.int32),
                    node_threshold=np.array(node_threshold, dtype=np.float64),
                    node_missing_left=np.array(node_missing_left, dtype=np.uint8),
                    node_left=np.array(node_left, dtype=np.int32), node_right=np.array(node_right, dtype=np.int32),
                    node_leaf=np.array(node_leaf, dtype=np.int32), tree_root=np.array(tree_root, dtype=np.int32))

    def _leaves(self, x):
        """Leaf number (over all trees) per row and tree.  Rows are independent: done a
        block of rows at a time."""
        qs = self._qs
        if np.isposinf(x).any():  # see limit in _build_tables: +inf must not pass as missing
            x = np.minimum(x, _MAX)
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
        right = np.take(np.take(both, column, axis=1) > qs["limit"], qs["slot_condition"], axis=1)
        # eight go-right flags -> one byte, split 8b+i in bit i
        packed = np.packbits(right, axis=1, bitorder="little")
        by_byte = np.take(qs["byte_rules_out"], packed + qs["byte_base"]).reshape(n, qs["n_trees"], qs["n_bytes"])
        out = by_byte[..., 0]
        for b in range(1, qs["n_bytes"]):  # (faster than bitwise_or.reduce over a short axis)
            out = out | by_byte[..., b]
        lowest = (out + out.dtype.type(1)) & ~out  # the lowest leaf not ruled out
        return qs["leaf_start"] + (np.frexp(lowest.astype(np.float64))[1] - 1)

    def contributions(self, x: np.ndarray, leaves, rows: np.ndarray) -> np.ndarray:
        """Per-feature contributions of the given rows of x (a row's sums do not depend on
        the others), as a len(rows) x features array; `leaves` from scores_and_leaves(x)."""
        n, n_features = len(rows), x.shape[1]
        qs = self._qs
        if self._walk is not None and self._packed is not None:
            out = np.zeros((n, n_features))
            if n:
                self._packed.contributions(np.ascontiguousarray(leaves[rows], dtype=np.int64), n, out, n_features)
            return out
        # A plain walk does contrib[f] = (contrib[f] + next) - this, row by row, tree by
        # tree, root to leaf: the leaves' path steps in (row, tree, depth) order through one
        # bincount do the same additions in the same order per row and feature.
        leaves = leaves[rows].reshape(-1)
        lens = qs["path_len"][leaves]
        ends = np.cumsum(lens)
        if not n or not ends[-1]:
            return np.zeros((n, n_features))
        step = np.arange(ends[-1]) + np.repeat(qs["path_start"][leaves] - (ends - lens), lens)
        row = np.repeat(np.arange(n) * n_features, lens.reshape(n, -1).sum(axis=1))
        # bincount adds each bin's weights in input order, from 0.0: as the plain walk does
        return np.bincount(qs["path_feature"][step] + row, weights=qs["path_amount"][step],
                           minlength=n * n_features).reshape(n, n_features)


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
