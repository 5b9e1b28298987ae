#!/usr/bin/env python3
"""How a line model's trees follow sign priors on its features (partial dependence).

    python training/prior_check.py MODEL.json '{"stop_density": 1, "urlish": -1}' [--sources sh,wcxb,fundus]

For N random non-blank lines of the dev pages of the named sources (the cached pages of
cv.py), each feature is stepped alone through its observed quantiles and the model's raw
score (log-odds) read: per feature, the share of lines whose score ever moves against
the sign, the mean summed moves against it and with it, and the mean score at the lowest
and highest value (times the sign). A constraint (`--params '{"monotonic": ...}'`) on a
feature the trees already follow changes little; on one they break, it changes the model.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

from cv import load_docs  # noqa: E402
from pipeline import linemodel as lm  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("signs", help="JSON {feature name: +1 / -1}")
    ap.add_argument("dev", nargs="?", default=str(ROOT.parent / "shared" / "eval" / "dev"))
    ap.add_argument("--sources", default="sh,wcxb,fundus")
    ap.add_argument("--lines", type=int, default=600)
    ap.add_argument("--cache", default=str(ROOT / "cv-out" / "cache"))
    args = ap.parse_args()
    sources = set(args.sources.split(","))
    docs = [d for d in load_docs(Path(args.dev), Path(args.cache)) if d["source"] in sources]
    rows = np.array([r for d in docs for r in d["rows"]], dtype=np.float64)
    rows = rows[np.random.RandomState(0).choice(len(rows), min(args.lines, len(rows)), replace=False)]
    forest = lm.load_model(args.model)["stage1"]
    for name, sign in json.loads(args.signs).items():
        j = lm.FEATURES.index(name)
        seen = rows[:, j][~np.isnan(rows[:, j])]
        grid = np.unique(np.quantile(seen, np.linspace(0, 1, 21)))
        x = np.repeat(rows, len(grid), axis=0)
        x[:, j] = np.tile(grid, len(rows))
        z = np.asarray(forest.raw_many(x)[0]).reshape(len(rows), len(grid)) * sign
        step = np.diff(z, axis=1)
        print(f"{name:24s} {sign:+d}  lines against {(step < -1e-9).any(1).mean():.2f}  "
              f"against {np.clip(-step, 0, None).sum(1).mean():.2f}  with {np.clip(step, 0, None).sum(1).mean():.2f}  "
              f"mean score {z[:, 0].mean():+.2f} -> {z[:, -1].mean():+.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
