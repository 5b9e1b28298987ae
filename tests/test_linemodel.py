"""The line model's runtime against plain definitions, on real pages: the tree walk
(forest.py) gives exactly the scores and per-feature contributions of a plain per-row
walk down the JSON trees; a model file is read by feature name, not position."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from conftest import PAGES, SEEDS
from pipeline import linemodel as lm
from pipeline.linemodel.features import feature_matrix
from pipeline.normalise import normalise


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


def _check(forest, spec, x) -> int:
    scores, contrib = forest.raw_many(x, contributions=True)
    for k, row in enumerate(x.tolist()):
        want, want_contrib = _plain_walk(spec["stage1"], row)
        assert scores[k] == want
        got = {f: v for f, v in enumerate(contrib[k].tolist()) if v != 0.0}
        assert got == {f: v for f, v in want_contrib.items() if v != 0.0}
    assert forest.raw_many(x)[0] == scores
    return len(x)


def test_tree_walk_equals_the_plain_walk():
    spec, forest = _spec(), lm.load_model()["stage1"]
    checked, missing = 0, False
    for lines in _pages():
        _, x = feature_matrix(lines, None)
        if len(x):
            missing |= bool(np.isnan(x).any())
            checked += _check(forest, spec, x)
    assert checked > 100
    assert missing, "rows with missing values take the missing-value branch"


def test_tree_walk_with_infinities_and_thresholds_at_infinity():
    """Real rows with values set to +-inf and NaN, in every feature a split with an
    infinite threshold reads (missing values only go right there)."""
    spec, forest = _spec(), lm.load_model()["stage1"]
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
    for tree in moved["stage1"]["trees"]:
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
