"""The line model's training knobs of the twenty-second round (training/train_line_model.py,
training/align.py): monotonic constraints by feature name, the weights' floor and cap, the
labels' alignment cover, on real pages (tests/data/pages and comments, and the seeds).
Needs scikit-learn (the `train` extra); skipped without it."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from conftest import DATA, PAGES, ROOT, SEED_GOLD, SEEDS

pytest.importorskip("sklearn")
sys.path.insert(0, str(ROOT / "training"))
import train_line_model as tlm  # noqa: E402
from align import label_lines  # noqa: E402
from pipeline import linemodel as lm  # noqa: E402
from pipeline.linemodel.forest import Forest  # noqa: E402

SIGNS = {"stop_density": 1, "core_overlap": 1, "in_dense": 1, "urlish": -1, "repeat_count": -1}


@pytest.fixture(scope="module")
def docs():
    return tlm.load(PAGES) + tlm.load(DATA / "comments") + tlm.seed_docs(SEEDS, SEED_GOLD, 20)


def violations(forest: Forest, rows: np.ndarray, signs: dict[str, int]) -> list[tuple]:
    """(feature, row) pairs where the forest's raw score moves against the feature's sign
    as the feature alone steps through every threshold the forest splits it at (the score
    is constant between thresholds, so this covers every finite value)."""
    cuts: dict[int, set] = {}
    for tree in forest.trees:
        for node in tree:
            if node[0] >= 0:
                cuts.setdefault(node[0], set()).add(node[1])
    bad = []
    for name, sign in signs.items():
        j = lm.FEATURES.index(name)
        ts = sorted(cuts.get(j, ()))
        if not ts:
            continue
        grid = np.array([ts[0] - 1.0, *ts, *(t + 1e-9 for t in ts), ts[-1] + 1.0])
        grid.sort()
        for r, row in enumerate(rows):
            x = np.repeat(row[None, :], len(grid), axis=0)
            x[:, j] = grid
            z = np.asarray(forest.raw_many(x)[0]) * sign
            if np.any(np.diff(z) < -1e-9):
                bad.append((name, r))
    return bad


def test_monotonic_names_map_to_columns():
    cst = tlm.monotonic_cst(SIGNS)
    assert len(cst) == len(lm.FEATURES)
    assert cst[lm.FEATURES.index("urlish")] == -1 and cst[lm.FEATURES.index("in_dense")] == 1
    assert sum(map(abs, cst)) == len(SIGNS)
    assert tlm.monotonic_cst({}) is None
    with pytest.raises(ValueError):
        tlm.monotonic_cst({"no_such_feature": 1})


def test_constrained_trees_respect_the_priors_after_export(docs):
    # the exported forest (what the runtime walks) moves with each constrained feature in
    # its sign on real lines; unconstrained, the same training breaks at least one prior
    # (so the check can fail)
    rows = np.array([r for d in docs for r in d["rows"]][::60])
    params = {"max_iter": 12, "min_samples_leaf": 20}
    tied = Forest(json.loads(json.dumps(tlm.export_forest(tlm.fit(docs, "rows", params={**params, "monotonic": SIGNS})))))
    assert violations(tied, rows, SIGNS) == []
    free = Forest(json.loads(json.dumps(tlm.export_forest(tlm.fit(docs, "rows", params=params)))))
    assert violations(free, rows, SIGNS)


def test_weights_floor_and_cap(docs):
    d = max(docs, key=lambda d: len(d["ntok"]))
    tot, n = sum(d["ntok"]), len(d["ntok"])
    # the defaults are the formula the shipped model was trained with
    assert tlm.weights(d) == [0.2 + min(5.0, t * n / tot) for t in d["ntok"]]
    w = tlm.weights(d, floor=0.5, cap=2.0)
    assert min(w) >= 0.5 and max(w) <= 2.5
    assert w == [0.5 + min(2.0, t * n / tot) for t in d["ntok"]]
    assert tlm.train_weights(docs, floor=0.5).tolist() == [
        v * e.get("weight", 1.0) for e in docs for v in tlm.weights(e, floor=0.5)]


def test_label_cover_orders_the_body_lines():
    # a higher cover makes fewer lines body, each a subset of the lower cover's; the
    # defaults give the labels the cached training pages were made with
    page = sorted(PAGES.glob("text/*.txt"))[0]
    lines = page.read_text(encoding="utf-8").split("\n")
    gold = (PAGES / "gold" / page.name).read_text(encoding="utf-8")
    body = {c: {i for i, v in enumerate(label_lines(lines, gold, min_cover=c)[0]) if v} for c in (0.3, 0.5, 0.7)}
    assert body[0.7] <= body[0.5] <= body[0.3]
    assert body[0.5]
    assert label_lines(lines, gold) == label_lines(lines, gold, min_cover=0.5, min_block=2)
    # every aligned token counted (min_block 1) covers at least as much of every line
    one, two = label_lines(lines, gold, min_block=1)[1], label_lines(lines, gold)[1]
    assert all(a >= b for a, b in zip(one, two))
