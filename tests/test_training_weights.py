"""The line model's training options of issue 16 (training/train_line_model.py): weights
balanced by source kind (`source_power`) and bagging over sites (`bags`), on real pages
(tests/data/pages and comments: sh, wcxb, fundus and readability pages, and the seeds). Needs
scikit-learn (the `train` extra); skipped without it."""
from __future__ import annotations

import json
import sys
from collections import Counter

import numpy as np
import pytest

from conftest import DATA, PAGES, ROOT, SEED_GOLD, SEEDS

pytest.importorskip("sklearn")
sys.path.insert(0, str(ROOT / "training"))
import train_line_model as tlm  # noqa: E402
from pipeline.linemodel.forest import Forest, sigmoid  # noqa: E402


@pytest.fixture(scope="module")
def docs():
    return tlm.load(PAGES) + tlm.load(DATA / "comments") + tlm.seed_docs(SEEDS, SEED_GOLD, 20)


def source_totals(docs, w):
    total, k = Counter(), 0
    for d in docs:
        n = len(d["idx"])
        total[d["source"]] += float(np.sum(w[k:k + n]))
        k += n
    return total


def test_default_weights_unchanged(docs):
    # source_power 0 is the shipped recipe: every line's weight as weights() gives it
    w = tlm.train_weights(docs, source_power=0.0)
    assert w.tolist() == [v * d.get("weight", 1.0) for d in docs for v in tlm.weights(d)]


def test_source_power_one_weighs_every_source_alike(docs):
    w = tlm.train_weights(docs, source_power=1.0)
    total = source_totals(docs, w)
    kinds = sorted(s for s in total if s != "seed")
    assert kinds == ["fundus", "readability", "sh", "wcxb"]
    assert max(total[s] for s in kinds) == pytest.approx(min(total[s] for s in kinds))
    assert len(w) == sum(len(d["idx"]) for d in docs)
    assert w.sum() == pytest.approx(len(w))  # rescaled: the regularisation keeps its scale
    # the seeds keep their share relative to the mean source
    raw = tlm.train_weights(docs, source_power=0.0)
    before = source_totals(docs, raw)
    mean = sum(before[s] for s in kinds) / len(kinds)
    assert total["seed"] / total["sh"] == pytest.approx(before["seed"] / mean)


def test_bootstrap_of_sites_is_seeded_and_keeps_the_seeds(docs):
    hosts = {d["host"] for d in docs}
    a, b = tlm.bag_counts(hosts, 0), tlm.bag_counts(hosts, 0)
    assert a == b
    assert all(a[h] == 1 for h in hosts if h.startswith("seed-"))
    sites = [h for h in hosts if not h.startswith("seed-")]
    assert sum(a[h] for h in sites) == len(sites)
    assert tlm.bag_counts(hosts, 1) != a or len(sites) < 3


def test_bagged_model_exports_to_one_forest(docs):
    # three models on bootstrap samples of sites: the exported forest (every tree, leaf
    # values divided by three) gives the averaged log-odds the Bagged model gives
    clf = tlm.fit(docs, "rows", params={"max_iter": 8, "bags": 3, "min_samples_leaf": 5})
    assert isinstance(clf, tlm.Bagged) and len(clf.models) == 3
    spec = json.loads(json.dumps(tlm.export_forest(clf)))
    assert len(spec["trees"]) == 24
    forest = Forest(spec)
    for d in docs:
        ref = clf.predict_proba(np.array(d["rows"]))[:, 1]
        mine = np.array([sigmoid(z) for z in forest.raw_many(d["rows"])[0]])
        assert np.max(np.abs(ref - mine)) < 1e-6, d["id"]
    one = tlm.fit(docs, "rows", params={"max_iter": 8, "min_samples_leaf": 5})
    assert not isinstance(one, tlm.Bagged)
