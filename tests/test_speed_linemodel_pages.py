"""The line classifier's page-level shortcuts of the tenth speed round (issue 15)
against the plain code they replace, on the seeds and the test pages: the same arrays,
bit for bit."""
import numpy as np

from pipeline.linemodel.features import Page, _per_line
from pipeline.linemodel.shape import SHAPE_FEATURES

from test_speed_paths import _real_pages


def test_page_shape_rows_read_as_np_array_reads_them():
    """Page.shape from np.fromiter over the rows equals np.array of the rows (ints and
    NaN included), on every page's lines with its stoplist and without one."""
    pages = 0
    for texts, stop, _ in _real_pages():
        for stoplist in (stop, frozenset()):
            per_line = _per_line(texts, stoplist)
            rows = [row for row, _, _ in per_line]
            assert any(isinstance(v, int) for row in rows for v in row)  # the ints are read too
            page = Page(list(range(len(texts))), per_line, texts, stoplist)
            plain = np.array(rows, dtype=np.float64).reshape(len(texts), len(SHAPE_FEATURES))
            assert page.shape.shape == plain.shape and page.shape.tobytes() == plain.tobytes()
        pages += 1
    assert pages >= 16


def test_tree_walk_with_and_without_forward_numbering():
    """The C walk's two loops (children read from one table when every split's children
    come after it, the guarded walk otherwise) against the numpy walk: a forest numbered
    root first, and the same trees with a child numbered before its parent; rows with
    NaN and infinities, so both missing sides are taken."""
    from pipeline.linemodel import forest as forest_module
    from pipeline.linemodel.forest import Forest

    forward = [[0, 0.5, True, 1, 2, 0.1], [1, -1.0, False, 3, 4, 0.2], [-1, 0.7], [-1, -0.3], [-1, 0.05]]
    # the same tree, its second split numbered after its left leaf (a child before its parent)
    backward = [[0, 0.5, True, 2, 4, 0.1], [-1, -0.3], [1, -1.0, False, 1, 3, 0.2], [-1, 0.05], [-1, 0.7]]
    rng = np.random.default_rng(5)
    x = rng.normal(size=(400, 2))
    x[rng.random(x.shape) < 0.15] = np.nan
    x[rng.random(x.shape) < 0.05] = np.inf
    x[rng.random(x.shape) < 0.05] = -np.inf
    results = []
    for trees in ([forward, [[-1, 0.25]], forward], [backward, [[-1, 0.25]], backward]):
        f = Forest({"baseline": -0.125, "trees": trees})
        if forest_module._walk is None:  # no C build: the numpy walk alone
            results.append(f.scores_and_leaves(x))
            continue
        c_scores, c_leaves = f.scores_and_leaves(x)
        f._walk = None
        np_scores, np_leaves = f.scores_and_leaves(x)
        assert c_scores == np_scores and np.array_equal(c_leaves, np_leaves)
        results.append((c_scores, c_leaves))
    assert results[0][0] == results[1][0] and np.array_equal(results[0][1], results[1][1])  # however numbered
