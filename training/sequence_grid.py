#!/usr/bin/env python3
"""The sequence labelling's parameters (pipeline/sequence.py) chosen by site-grouped folds,
on the line model alone (fast: no pipeline, no training).

    python training/sequence_grid.py --models cv-out/models [--switch 0,0.5,1,2,4] [--power 0,0.5,1]

Needs the fold models of an earlier `training/cv.py` run (OUT/models/fold-K.json: each
trained without fold K's sites) and its page cache (OUT/cache). Every page is scored with
its own fold's model (held out); for each (switch, length_power) the kept lines are the
Viterbi path's body lines. Nested choice: for each fold, the pair that scores best on the
OTHER four folds (mean over sources of the macro token F1, each source alike) is applied
to it; the per-source figure of those choices is the honest one. The pipeline's own
figure for a choice: `training/cv.py --model OUT/models --sequence '{"switch": S, "length_power": P, "outside_threshold": O}'`.
"""
import argparse
import itertools
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

import cv  # noqa: E402
import train_line_model as tlm  # noqa: E402
from pipeline import linemodel as lm  # noqa: E402
from pipeline import sequence  # noqa: E402
from pipeline.evaluate import score_page  # noqa: E402
from pipeline.linemodel.forest import sigmoid  # noqa: E402


def floats(text):
    return [float(x) for x in text.split(",") if x]


def per_source(rows):
    """rows: [(source, f1)] -> {source: mean}."""
    by = defaultdict(list)
    for s, f in rows:
        by[s].append(f)
    return {s: statistics.mean(v) for s, v in sorted(by.items())}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dev", nargs="?", default=str(ROOT.parent / "shared" / "eval" / "dev"))
    ap.add_argument("--models", required=True, help="OUT/models of a cv.py run")
    ap.add_argument("--cache", default=None, help="page cache (default: the models folder's ../cache)")
    ap.add_argument("--folds", type=int, default=tlm.N_FOLDS)
    ap.add_argument("--switch", default="0.5,1,2,4")
    ap.add_argument("--power", default="0,0.5,1")
    ap.add_argument("--outside", default="", help="outside_threshold values to try (with every switch, 0 too)")
    ap.add_argument("--side", choices=("both", "after"), default="both",
                    help="outside_side: the bar on both sides of the main stretch, or only after it")
    ap.add_argument("--threshold", type=float, default=None, help="default: the fold models' own")
    args = ap.parse_args()
    models = Path(args.models)
    sequence.PARAMS = {**sequence.shipped_params(), "outside_side": args.side}
    docs = cv.load_docs(Path(args.dev), Path(args.cache) if args.cache else models.parent / "cache")
    grid = [(0.0, 0.0, None)] + [(s, p, o) for s, p, o in itertools.product(
        [0.0, *floats(args.switch)], floats(args.power), [None, *floats(args.outside)]) if s > 0 or o is not None]
    scores = {g: [] for g in grid}  # (fold, source, f1) per page
    folds = [f for f in range(args.folds) if (models / f"fold-{f}.json").exists()]  # all, once cv.py is done
    for f in folds:
        spec = lm.load_model(str(models / f"fold-{f}.json"))
        forest, thr = spec["stage1"], args.threshold if args.threshold is not None else spec["threshold"]
        for d in docs:
            if tlm.fold_of(d["host"], args.folds) != f:
                continue
            probs = [sigmoid(z) for z in forest.raw_many(d["rows"])[0]] if d["rows"] else []
            texts = [d["lines"][i].strip() for i in d["idx"]]
            for s, p, o in grid:
                path = sequence.label(probs, texts, thr, switch=s, length_power=p, outside_threshold=o)
                kept = "\n\n".join(t for t, k in zip(texts, path) if k)
                scores[(s, p, o)].append((f, d["source"], score_page(d["id"], d["source"], kept, d["gold"]).tok_f1))
    sources = sorted({src for _, src, _ in scores[grid[0]]})
    print("all folds (each pair on every fold; in-sample as a choice):")
    print("switch power outside  " + "  ".join(f"{s:>11}" for s in sources) + "   mean")
    for g in grid:
        ps = per_source((src, x) for _, src, x in scores[g])
        print(f"{g[0]:6.2f} {g[1]:5.2f} {g[2] or 0:7.2f}  " + "  ".join(f"{ps[s]:11.4f}" for s in sources)
              + f"  {statistics.mean(ps.values()):.4f}")
    nested = []
    print("\nnested choice (tuned on the other folds, applied to the fold):")
    for f in folds:
        def tune(g):
            return statistics.mean(per_source((src, x) for ff, src, x in scores[g] if ff != f).values())
        best = max(grid, key=lambda g: (tune(g), -g[0], -g[1], -(g[2] or 0)))
        print(f"  fold {f}: switch {best[0]}, length_power {best[1]}, outside_threshold {best[2]} (other folds {tune(best):.4f}, "
              f"plain threshold {tune(grid[0]):.4f})")
        nested.extend((src, x) for ff, src, x in scores[best] if ff == f)
    base = per_source((src, x) for _, src, x in scores[grid[0]])
    ns = per_source(nested)
    print("\nsource       plain  nested")
    for s in sources:
        print(f"{s:11} {base[s]:.4f}  {ns[s]:.4f}")
    print(json.dumps({"plain": base, "nested": ns}, sort_keys=True))


if __name__ == "__main__":
    main()
