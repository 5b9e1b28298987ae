#!/usr/bin/env python3
"""Compare two cv.py runs page by page (paired): per source, each run's token F1 (macro),
its standard error, the mean paired difference (B - A) with its standard error, and how
many pages got better / worse.

    python training/compare_cv.py cv-out/scores.jsonl cv-new/scores.jsonl

Paired, because both runs clean the same pages with the same folds: the page-to-page
spread that both share cancels, and a difference two standard errors from zero is more
than noise.  Standard library only.
"""
import argparse
import json
import math
import sys
from pathlib import Path


def read(path):
    rows = {}
    for ln in Path(path).read_text(encoding="utf-8").splitlines():
        if ln.strip():
            r = json.loads(ln)
            rows[r["id"]] = r
    return rows


def mean_se(vals):
    n = len(vals)
    m = sum(vals) / n
    if n < 2:
        return m, 0.0
    var = sum((v - m) ** 2 for v in vals) / (n - 1)
    return m, math.sqrt(var / n)


def compare(a, b, key="tok_f1"):
    """Per source (and "all"): (pages, mean A, se A, mean B, se B, mean diff, se diff,
    better, worse)."""
    ids = sorted(set(a) & set(b))
    groups = {}
    for i in ids:
        groups.setdefault(a[i]["source"], []).append(i)
        groups.setdefault("all", []).append(i)
    out = {}
    for s, members in groups.items():
        va = [a[i][key] for i in members]
        vb = [b[i][key] for i in members]
        d = [y - x for x, y in zip(va, vb)]
        out[s] = (len(members), *mean_se(va), *mean_se(vb), *mean_se(d),
                  sum(1 for v in d if v > 1e-9), sum(1 for v in d if v < -1e-9))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", help="the baseline run's scores.jsonl")
    ap.add_argument("b", help="the other run's scores.jsonl")
    ap.add_argument("--key", default="tok_f1")
    args = ap.parse_args()
    res = compare(read(args.a), read(args.b), args.key)
    print(f"| source (pages) | A {args.key} ± s.e. | B ± s.e. | B − A ± s.e. (paired) | better / worse |")
    print("|---|---|---|---|---|")
    order = [s for s in ("sh", "wcxb", "fundus", "readability") if s in res] + \
        sorted(s for s in res if s not in ("sh", "wcxb", "fundus", "readability", "all")) + ["all"]
    for s in order:
        n, ma, sa, mb, sb, md, sd, better, worse = res[s]
        print(f"| {s} ({n}) | {ma:.3f} ± {sa:.3f} | {mb:.3f} ± {sb:.3f} | {md:+.4f} ± {sd:.4f} | {better} / {worse} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
