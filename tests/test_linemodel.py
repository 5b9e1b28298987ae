"""The line model's runtime against plain definitions, on real pages: the tree walk
(forest.py, both its C walk `_walk.c` and its numpy walk) gives exactly the scores and
per-feature contributions of a plain per-row walk down the JSON trees; the two walks
give the same leaves, scores and contributions bit for bit; a model file is read by
feature name, not position."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from conftest import PAGES, SEEDS, skip_without_c_build
from pipeline import linemodel as lm
from pipeline.linemodel import forest as lm_forest
from pipeline.linemodel.features import feature_matrix
from pipeline.normalise import normalise
from conftest import DATA


def _plain_walk(spec: dict, row) -> tuple[float, dict[int, float]]:
    """The reference: each tree walked root to leaf for one row, leaf values added tree by
    tree; a split adds its child's value minus its own to its feature's contribution."""
    total, contrib = float(spec["baseline"]), {}
    for tree in spec["trees"]:
        node = tree[0]
        while node[0] >= 0:
            v = row[node[0]]
            go_left = node[2] if math.isnan(v) else v <= node[1]
            nxt = tree[node[3] if go_left else node[4]]
            contrib[node[0]] = contrib.get(node[0], 0.0) + nxt[-1] - node[-1]
            node = nxt
        total += node[-1]
    return total, contrib


def _pages():
    for path in sorted(SEEDS.glob("*.txt")) + sorted((PAGES / "text").glob("*.txt")):
        yield normalise(path.read_text("utf-8")).split("\n")


def _spec() -> dict:
    return json.loads(lm.MODEL_PATH.read_text("utf-8"))


WALKS = ["c", "numpy"]


def _forest(walk: str):
    """A Forest of the shipped model walking in C or with numpy (its own instance, so the
    shared model is left as it is)."""
    forest = lm.Forest(_spec()["stage1"])
    if walk == "c":
        if lm_forest._walk is None:
            pytest.skip("the C walk is not built here (no compiler at install)")
        assert forest._walk is lm_forest._walk
    else:
        forest._walk = None
    return forest


def _check(forest, spec, x) -> int:
    scores, contrib = forest.raw_many(x, contributions=True)
    for k, row in enumerate(x.tolist()):
        want, want_contrib = _plain_walk(spec["stage1"], row)
        assert scores[k] == want
        got = {f: v for f, v in enumerate(contrib[k].tolist()) if v != 0.0}
        assert got == {f: v for f, v in want_contrib.items() if v != 0.0}
    assert forest.raw_many(x)[0] == scores
    return len(x)


@pytest.mark.parametrize("walk", WALKS)
def test_tree_walk_equals_the_plain_walk(walk):
    spec, forest = _spec(), _forest(walk)
    checked, missing = 0, False
    for lines in _pages():
        _, x = feature_matrix(lines, None)
        if len(x):
            missing |= bool(np.isnan(x).any())
            checked += _check(forest, spec, x)
    assert checked > 100
    assert missing, "rows with missing values take the missing-value branch"


@pytest.mark.parametrize("walk", WALKS)
def test_tree_walk_with_infinities_and_thresholds_at_infinity(walk):
    """Real rows with values set to +-inf and NaN, in every feature a split with an
    infinite threshold reads (missing values only go right there)."""
    spec, forest = _spec(), _forest(walk)
    _, x = feature_matrix(next(_pages()), "en")
    at_inf = sorted({node[0] for tree in spec["stage1"]["trees"] for node in tree
                     if node[0] >= 0 and node[1] == math.inf})
    assert at_inf, "the shipped model has splits at +inf (missing values right)"
    rng = np.random.default_rng(15)
    x = np.concatenate([x] * 4)
    for k in range(len(x)):
        cols = rng.choice(x.shape[1], size=3, replace=False).tolist() + [rng.choice(at_inf)]
        x[k, cols] = rng.choice([np.inf, -np.inf, np.nan], size=len(cols))
    assert _check(forest, spec, x) == len(x)


def _more_pages():
    """Pages of other languages and scripts, comment sections, long lines: the test
    data's text pages beyond the seeds."""
    for path in sorted(DATA.glob("*/*.txt")) + sorted(DATA.glob("*/text/*.txt")):
        text = path.read_text("utf-8", errors="replace")
        yield normalise(text).split("\n")


def test_the_c_walk_equals_the_numpy_walk_bit_for_bit():
    """Leaves, raw scores and contributions (all rows, and some rows asked alone) of the
    two walks, on the seeds and the test pages (many languages and scripts), and on the
    same rows with values set to +-inf, NaN and the largest float."""
    c, plain = _forest("c"), _forest("numpy")
    rng = np.random.default_rng(7)
    rows_seen = 0
    for lines in [*_pages(), *_more_pages()]:
        _, x = feature_matrix(lines, None)
        odd = x.copy()
        if len(odd):
            cells = rng.integers(0, odd.size, size=max(1, odd.size // 20))
            odd.reshape(-1)[cells] = rng.choice([np.inf, -np.inf, np.nan, np.finfo(np.float64).max], size=len(cells))
        for rows in (x, odd, x[:1], x[:0]):
            got, want = c.scores_and_leaves(rows), plain.scores_and_leaves(rows)
            assert got[0] == want[0]
            assert np.array_equal(got[1], want[1]) and got[1].dtype == want[1].dtype
            for asked in (np.arange(len(rows)), np.arange(len(rows))[::3], np.array([], dtype=np.int64)):
                a, b = c.contributions(rows, got[1], asked), plain.contributions(rows, want[1], asked)
                assert a.shape == b.shape and a.tobytes() == b.tobytes()
            rows_seen += len(rows)
    assert rows_seen > 10_000


def test_the_c_walk_is_built_where_a_compiler_is():
    """setup.py builds the walk at install when there is a C compiler and Python's
    headers; it is optional, so a failed build would otherwise go unseen."""
    skip_without_c_build("the numpy walk")
    assert lm_forest._walk is not None, "the C walk is not built: pip install -e . (or setup.py build_ext --inplace)"


def test_model_file_is_read_by_feature_name(tmp_path):
    """The same trees with the features listed in another order (the trees' feature
    numbers moved with them) give the same probabilities and reasons; an unknown
    feature is refused with the file's name."""
    spec = _spec()
    names = spec["features"]
    order = list(reversed(range(len(names))))  # new position j holds old feature order[j]
    new_of = {old: new for new, old in enumerate(order)}
    moved = json.loads(json.dumps(spec))
    moved["features"] = [names[old] for old in order]
    for tree in (*moved["stage1"]["trees"], *moved.get("caseless", {}).get("stage1", {}).get("trees", ())):
        for node in tree:
            if node[0] >= 0:
                node[0] = new_of[node[0]]
    path = tmp_path / "moved.json"
    path.write_text(json.dumps(moved), "utf-8")
    for lines in list(_pages())[:6]:
        a, b = lm.score_page(lines, None), lm.score_page(lines, None, str(path))
        assert a.body_prob == b.body_prob
        assert a.reasons(range(len(lines))) == b.reasons(range(len(lines)))
    moved["features"][0] = "no_such_feature"
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps(moved), "utf-8")
    with pytest.raises(ValueError, match="unknown.json.*no_such_feature"):
        lm.load_model(str(unknown))
