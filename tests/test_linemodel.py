"""The line model's vectorised tree walk (`_Forest.raw_many`, used by `score_lines`)
must give exactly what the plain per-row walk (`_Forest.raw`) gives: the same scores and
the same per-feature contributions, on real pages."""
from __future__ import annotations

import numpy as np

from conftest import PAGES, SEEDS
from pipeline.linemodel import line_features, load_model
from pipeline.normalise import normalise


def test_vectorised_tree_walk_equals_the_plain_walk():
    forest = load_model()["stage1"]
    paths = sorted(SEEDS.glob("*.txt")) + sorted((PAGES / "text").glob("*.txt"))
    checked, missing = 0, False
    for path in paths:
        lines = normalise(path.read_text("utf-8")).split("\n")
        _, rows = line_features(lines, None)
        if not rows:
            continue
        missing |= bool(np.isnan(np.array(rows, dtype=float)).any())
        scores, contrib = forest.raw_many(rows, contributions=True)
        for k, row in enumerate(rows):
            expected_contrib: dict[int, float] = {}
            assert scores[k] == forest.raw(row, expected_contrib)
            got = {f: v for f, v in enumerate(contrib[k].tolist()) if v != 0.0}
            assert got == {f: v for f, v in expected_contrib.items() if v != 0.0}
            checked += 1
        plain, none = forest.raw_many(rows)
        assert plain == scores and none is None
    assert checked > 100
    assert missing, "rows with missing values take the missing-value branch"
