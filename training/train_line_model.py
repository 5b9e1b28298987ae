#!/usr/bin/env python3
"""Train the line classifier and export it to pipeline/data/line_model.json.

    python training/train_line_model.py [DEV_DIR] [--out pipeline/data/line_model.json]

DEV_DIR defaults to ../shared/eval/dev relative to the repository root; the scorer is taken
from DEV_DIR/../score.py.  Prints site-grouped cross-validation figures (the honest number:
folds split by site (manifest `site`, else URL host), the model refitted inside every fold)
and in-sample figures.
Deterministic: sorted inputs, fixed seeds, single thread.
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # shared 2-core machine

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

from align import label_lines, toks  # noqa: E402
from pipeline import linemodel as lm  # noqa: E402
from pipeline.linemodel.forest import sigmoid  # noqa: E402

N_FOLDS = 5
# min_samples_leaf 200 and l2 5.0 since issue 16 (were 40 and 1.0): leaves that need more
# lines generalise better to unseen sites (docs/quality.md, 2026-12-02 fourth round)
PARAMS = dict(max_iter=150, learning_rate=0.12, max_leaf_nodes=31, min_samples_leaf=200,
              l2_regularization=5.0, early_stopping=False, random_state=0)
PER_SITE = False
# A page's training weight grows as (its non-blank lines) ** PAGE_POWER: 1.0 weighs every
# line alike (long, chrome-heavy pages dominate); 0.0 weighs every page alike, as the
# macro-averaged token F1 does.
PAGE_POWER = 1.0
# Training weights by source kind (see fit: 0 as they come) and bagging over sites (1: one model).
SOURCE_POWER = 0.0
BAGS = 1
# Monotonic constraints by feature name (+1: the body probability may not fall as the
# feature grows; -1: may not rise), a prior that holds on any site, so the trees cannot
# learn one site's layout quirk against it. Empty: unconstrained.
MONOTONIC: dict[str, int] = {}
# A line's training weight: its share of the page's tokens, scaled to mean 1, capped at
# WEIGHT_CAP, plus WEIGHT_FLOOR (see weights).
WEIGHT_FLOOR, WEIGHT_CAP = 0.2, 5.0
# A second model, trained without the case features (their columns 0, so no tree splits on
# them), scores the pages written in a script without case (linemodel.caseless_page): the
# first model read their lines' missing capitals as an English sentence's opening.
CASELESS_MODEL = True
CASE_FEATURES = ("title_ratio", "upper_ratio", "first_char_lower")


def host_of(url):
    h = (urlparse(url or "").hostname or "").lower()
    return h[4:] if h.startswith("www.") else h


def site_of(row):
    """The page's site: the manifest's `site`, else the URL's host, else the page itself
    (a page with neither shares its layout with no other page we know of)."""
    site = (row.get("site") or host_of(row.get("url")) or row["id"]).lower()
    return site[4:] if site.startswith("www.") else site


def fold_of(host, k=N_FOLDS, salt=""):
    # stable across runs and machines (unlike hash())
    return int(hashlib.md5((salt + host).encode()).hexdigest(), 16) % k


def load(dev):
    manifest = {}
    for ln in (dev / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        if ln.strip():
            row = json.loads(ln)
            manifest[row["id"]] = row
    docs = []
    for doc_id in sorted(manifest):
        row = manifest[doc_id]
        lines = (dev / "text" / f"{doc_id}.txt").read_text(encoding="utf-8").split("\n")
        gold = (dev / "gold" / f"{doc_id}.txt").read_text(encoding="utf-8")
        labels, _ = label_lines(lines, gold)
        idx, rows = lm.line_features(lines, row.get("language"))
        docs.append(dict(id=doc_id, source=row["source"], host=site_of(row), lines=lines,
                         gold=gold, idx=idx, rows=rows, y=[labels[i] for i in idx],
                         ntok=[len(toks(lines[i])) for i in idx], ngold=len(toks(gold))))
    return docs


def seed_docs(seeds, seeds_gold, weight):
    """The user's seed pages as training pages: labels from their gold `body_lines`
    (exact, no alignment), each page weighing `weight` dev pages. They are no dev page,
    so no figure of the dev set is measured on them."""
    docs = []
    for path in sorted(Path(seeds).glob("*.txt")):
        meta = json.loads((Path(seeds_gold) / f"{path.stem}.json").read_text(encoding="utf-8"))
        lines = path.read_text(encoding="utf-8").split("\n")
        body = set(meta.get("body_lines") or [])
        idx, rows = lm.line_features(lines, meta.get("language"))
        gold = (Path(seeds_gold) / path.name).read_text(encoding="utf-8")
        docs.append(dict(id="seed-" + path.stem, source="seed", host="seed-" + path.stem, lines=lines, gold=gold,
                         idx=idx, rows=rows, y=[1 if i + 1 in body else 0 for i in idx],
                         ntok=[len(toks(lines[i])) for i in idx], ngold=len(toks(gold)), weight=weight))
    return docs


def weights(doc, floor=None, cap=None):
    # Token F1 is macro-averaged over pages: a line's cost is its share of the page's tokens.
    # Normalise per page (mean 1 over the page's lines' tokens) and keep a floor so short lines
    # (headings, which decide nothing token-wise but matter for the neighbours) still count.
    floor = WEIGHT_FLOOR if floor is None else floor
    cap = WEIGHT_CAP if cap is None else cap
    tot = sum(doc["ntok"]) or 1
    n = len(doc["ntok"]) or 1
    return [floor + min(cap, t * n / tot) for t in doc["ntok"]]


def monotonic_cst(signs):
    """HistGradientBoostingClassifier's monotonic_cst (one int a FEATURES column) from
    {feature name: +1 / -1}; None when there is none."""
    unknown = set(signs) - set(lm.FEATURES)
    if unknown:
        raise ValueError(f"monotonic constraints on unknown features: {sorted(unknown)}")
    return [int(signs.get(name, 0)) for name in lm.FEATURES] if signs else None


def stack(docs, key):
    return np.array([r for d in docs for r in d[key]], dtype=np.float64)


class Bagged:
    """Several tree ensembles whose raw scores (log-odds) are averaged: one forest of all
    their trees, leaf values divided by their number (export_forest writes it so)."""

    def __init__(self, models):
        self.models = models

    def decision_function(self, X):
        return sum(m.decision_function(X) for m in self.models) / len(self.models)

    def predict_proba(self, X):
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])


def bag_counts(hosts, bag):
    """Bootstrap of sites for bag `bag` (seeded, sorted sites): how many times each site is
    drawn (0: left out of that bag). Seed pages ("seed-...") are in every bag once."""
    sites = sorted(h for h in hosts if not h.startswith("seed-"))
    rng = np.random.RandomState(1000 + bag)
    drawn = Counter(sites[i] for i in rng.randint(0, len(sites), len(sites)))
    return {h: (1 if h.startswith("seed-") else drawn.get(h, 0)) for h in hosts}


def fit(docs, feats_key, params=None, per_site=None, page_power=None):
    """`per_site`: weight each site the same (its pages share one page's weight), so a
    site with many pages does not teach its own layout; None: the module's PER_SITE.
    `page_power`: a page weighs (its lines) ** page_power (None: PAGE_POWER); the weights
    are rescaled to sum to the number of lines, so the regularisation keeps its scale.
    `params` may also hold, besides HistGradientBoostingClassifier's: `source_power` S, a
    source's pages weigh (the mean source's weight / its weight) ** S (0: as they come;
    1: every source alike; the seeds are left as they are), and `bags` K > 1, K models on
    bootstrap samples of sites, their log-odds averaged (Bagged); `monotonic`, {feature
    name: +1 / -1} in place of MONOTONIC; `weight_floor` and `weight_cap` in place of
    WEIGHT_FLOOR and WEIGHT_CAP (see weights)."""
    params = {**PARAMS, **(params or {})}
    source_power = params.pop("source_power", SOURCE_POWER)
    bags = int(params.pop("bags", BAGS))
    cst = monotonic_cst(params.pop("monotonic", MONOTONIC))
    if cst is not None:
        params["monotonic_cst"] = cst
    floor, cap = params.pop("weight_floor", None), params.pop("weight_cap", None)
    case_blind = params.pop("case_blind", False)
    X = np.array([r for d in docs for r in d[feats_key]], dtype=np.float64)
    if case_blind:  # the caseless model (see CASELESS_MODEL)
        X[:, [lm.FEATURES.index(name) for name in CASE_FEATURES]] = 0.0
    y = np.array([v for d in docs for v in d["y"]])
    w = train_weights(docs, per_site, page_power, source_power, floor, cap)
    if bags <= 1:
        clf = HistGradientBoostingClassifier(**params)
        clf.fit(X, y, sample_weight=w)
        return clf
    models = []
    hosts = [d["host"] for d in docs for _ in d[feats_key]]
    for b in range(bags):
        counts = bag_counts(set(hosts), b)
        wb = w * np.array([counts[h] for h in hosts], dtype=np.float64)
        keep = wb > 0
        clf = HistGradientBoostingClassifier(**{**params, "random_state": b})
        clf.fit(X[keep], y[keep], sample_weight=wb[keep])
        models.append(clf)
    return Bagged(models)


def train_weights(docs, per_site=None, page_power=None, source_power=None, floor=None, cap=None):
    """Every non-blank line's training weight, in the pages' order (see fit)."""
    per_site = PER_SITE if per_site is None else per_site
    power = PAGE_POWER if page_power is None else page_power
    source_power = SOURCE_POWER if source_power is None else source_power
    pages_of = Counter(d["host"] for d in docs)
    page_w = [[v * d.get("weight", 1.0) / (pages_of[d["host"]] if per_site else 1)
               * max(1, len(d["ntok"])) ** (power - 1.0) for v in weights(d, floor, cap)] for d in docs]
    if source_power:
        total = Counter()
        for d, pw in zip(docs, page_w):
            total[d["source"]] += sum(pw)
        kinds = sorted(s for s in total if s != "seed")
        mean = sum(total[s] for s in kinds) / len(kinds)
        scale = {s: (mean / total[s]) ** source_power for s in kinds}
        page_w = [[v * scale.get(d["source"], 1.0) for v in pw] for d, pw in zip(docs, page_w)]
    w = np.array([v for pw in page_w for v in pw])
    if (power != 1.0 or source_power) and w.sum() > 0:
        w *= len(w) / w.sum()
    return w


def predict(clf, docs, feats_key):
    out = []
    for d in docs:
        if d[feats_key]:
            out.append(list(clf.predict_proba(np.array(d[feats_key], dtype=np.float64))[:, 1]))
        else:
            out.append([])
    return out


def oof_stage1(docs, k, salt):
    """Out-of-fold stage-1 probabilities, folds grouped by host."""
    probs = [None] * len(docs)
    for f in range(k):
        tr = [d for d in docs if fold_of(d["host"], k, salt) != f]
        te_i = [i for i, d in enumerate(docs) if fold_of(d["host"], k, salt) == f]
        if not te_i:
            continue
        clf = fit(tr, "rows")
        for i, p in zip(te_i, predict(clf, [docs[i] for i in te_i], "rows")):
            probs[i] = p
    return probs


def doc_prf(doc, probs, thr, score):
    kept = "\n".join(doc["lines"][i] for i, p in zip(doc["idx"], probs) if p >= thr)
    o, npred, ng = score.token_counts(kept, doc["gold"])
    return score.prf(o, npred, ng)


def summary(docs, probs, thr, score):
    res = {}
    for src in sorted({d["source"] for d in docs}):
        vals = [doc_prf(d, p, thr, score) for d, p in zip(docs, probs) if d["source"] == src]
        res[src] = tuple(sum(v[i] for v in vals) / len(vals) for i in range(3))
    return res


def fmt(res):
    return "  ".join(f"{s}: F1 {f:.3f} P {p:.3f} R {r:.3f}" for s, (p, r, f) in res.items())


def pick_threshold(docs, probs, score):
    # maximise the mean of the per-source macro F1s (sh is small but is the news case)
    best = None
    for t in [x / 100 for x in range(20, 81, 5)]:
        res = summary(docs, probs, t, score)
        val = sum(v[2] for v in res.values()) / len(res)
        if best is None or val > best[0] + 1e-9:
            best = (val, t)
    return best[1]


def export_forest(clf):
    if isinstance(clf, Bagged):  # one forest: every model's trees, leaf values / K
        parts = [export_forest(m) for m in clf.models]
        k = len(parts)
        trees = [[[-1, round(nd[1] / k, 9)] if nd[0] == -1 else nd[:5] + [round(nd[5] / k, 9)] for nd in t]
                 for p in parts for t in p["trees"]]
        return {"baseline": sum(p["baseline"] for p in parts) / k, "trees": trees}
    preds = clf._predictors
    trees = []
    for it in preds:
        nodes = it[0].nodes
        # count-weighted mean value of each subtree, for Saabas-style attributions
        mean = [0.0] * len(nodes)

        def fill(j):
            nd = nodes[j]
            if nd["is_leaf"]:
                mean[j] = float(nd["value"])
                return mean[j], int(nd["count"])
            lv, lc = fill(int(nd["left"]))
            rv, rc = fill(int(nd["right"]))
            c = lc + rc
            mean[j] = (lv * lc + rv * rc) / c if c else 0.0
            return mean[j], c

        fill(0)
        out = []
        for j, nd in enumerate(nodes):
            if nd["is_leaf"]:
                out.append([-1, round(float(nd["value"]), 7)])
            else:
                if nd["is_categorical"]:
                    raise ValueError("categorical splits are not supported by the exporter")
                out.append([int(nd["feature_idx"]), float(nd["num_threshold"]), int(nd["missing_go_to_left"]),
                            int(nd["left"]), int(nd["right"]), round(mean[j], 7)])
        trees.append(out)
    return {"baseline": float(np.ravel(clf._baseline_prediction)[0]), "trees": trees}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dev", nargs="?", default=str(ROOT.parent / "shared" / "eval" / "dev"))
    ap.add_argument("--out", default=str(ROOT / "pipeline" / "data" / "line_model.json"))
    ap.add_argument("--seeds", default=str(ROOT.parent / "shared" / "seeds"))
    ap.add_argument("--seeds-gold", default=str(ROOT.parent / "shared" / "gold" / "seeds"))
    ap.add_argument("--no-cv", action="store_true", help="skip the grouped cross-validation")
    ap.add_argument("--threshold", type=float, default=None,
                    help="the decision threshold (default: picked on the CV predictions; 0.6 with --no-cv)")
    ap.add_argument("--params", default="{}", help="JSON overrides of PARAMS")
    ap.add_argument("--cache", default=str(ROOT / "cv-out" / "cache"), help="page features and labels cache")
    ap.add_argument("--train-seeds", type=float, default=0.0,
                    help="also train on the seed pages, each weighing this many dev pages (0: not)")
    ap.add_argument("--per-site", action="store_true", help="weight each site the same (see fit)")
    ap.add_argument("--caseless-only", action="store_true",
                    help="train only the caseless model (CASELESS_MODEL) and put it into --out's existing "
                         "model, whose trees and threshold stay as they are")
    ap.add_argument("--page-power", type=float, default=None,
                    help="a page weighs (its lines) ** this in training (default PAGE_POWER; see fit)")
    args = ap.parse_args()
    global PER_SITE, PAGE_POWER
    if args.page_power is not None:
        PAGE_POWER = args.page_power
    PARAMS.update(json.loads(args.params))
    PER_SITE = PER_SITE or args.per_site
    dev = Path(args.dev)
    sys.path.insert(0, str(dev.parent))
    import score  # the shared scorer (tokens, prf)

    t0 = time.time()
    from cv import load_docs  # the cached pages, as cv.py keeps them

    docs = load_docs(dev, Path(args.cache))
    if args.train_seeds:
        docs = docs + seed_docs(args.seeds, args.seeds_gold, args.train_seeds)
    n_lines = sum(len(d["idx"]) for d in docs)
    print(f"loaded {len(docs)} pages, {n_lines} non-blank lines, "
          f"{sum(sum(d['y']) for d in docs)} body; hosts {len({d['host'] for d in docs})}; {time.time() - t0:.0f}s")
    if args.caseless_only:
        out = Path(args.out)
        spec = json.loads(out.read_text(encoding="utf-8"))
        if spec["features"] != lm.FEATURES:
            raise SystemExit(f"{out}: its features are not this version's; retrain it whole")
        spec["caseless"] = {"without": list(CASE_FEATURES),
                            "stage1": export_forest(fit(docs, "rows", {"case_blind": True}))}
        out.write_text(json.dumps(spec, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote the caseless model into {out} ({out.stat().st_size / 1e6:.2f} MB) in {time.time() - t0:.0f}s")
        return
    oracle = summary(docs, [[float(v) for v in d["y"]] for d in docs], 0.5, score)
    print("alignment ceiling (labels as predictions):", fmt(oracle))

    # Out-of-fold probabilities, grouped by host: the honest CV figure.  (A stacked stage 2
    # over neighbours' probabilities did not improve it and was removed; see docs/line-model.md.)
    thr = 0.6 if args.threshold is None else args.threshold
    p1_oof = None
    if not args.no_cv:
        p1_oof = oof_stage1(docs, N_FOLDS, salt="")
        print(f"stage-1 out-of-fold done, {time.time() - t0:.0f}s", flush=True)
    final_cv = p1_oof
    if not args.no_cv:
        print(f"grouped CV by host ({N_FOLDS} folds), stage 1 @0.5: {fmt(summary(docs, p1_oof, 0.5, score))}")
        thr = pick_threshold(docs, final_cv, score) if args.threshold is None else args.threshold
        print(f"grouped CV by host, shipped pipeline @{thr:.2f}: {fmt(summary(docs, final_cv, thr, score))}")

    s1 = fit(docs, "rows")
    spec = {"format": "hgb-trees-v1", "threshold": thr, "features": lm.FEATURES, "params": PARAMS, "per_site": PER_SITE,
            "page_power": PAGE_POWER, "stage1": export_forest(s1)}
    if CASELESS_MODEL:
        spec["caseless"] = {"without": list(CASE_FEATURES), "stage1": export_forest(fit(docs, "rows", {"case_blind": True}))}
    p2 = predict(s1, docs, "rows")
    print(f"in-sample @{thr:.2f}: {fmt(summary(docs, p2, thr, score))}")
    # The seeds' gold lines must all be kept (the rule engine around the model relies on it):
    # lower the threshold to the 0.05 grid step below the weakest seed gold line if needed.
    seeds, sgold = Path(args.seeds), Path(args.seeds_gold)
    if seeds.is_dir() and sgold.is_dir():
        forest = lm.Forest(json.loads(json.dumps(spec["stage1"])))
        weakest = 1.0
        for path in sorted(seeds.glob("*.txt")):
            meta = json.loads((sgold / f"{path.stem}.json").read_text(encoding="utf-8"))
            lines = path.read_text(encoding="utf-8").split("\n")
            idx, rows = lm.line_features(lines, meta.get("language"))
            pos = {i: k for k, i in enumerate(idx)}
            for n in meta.get("body_lines") or []:
                weakest = min(weakest, sigmoid(forest.raw(rows[pos[n - 1]])))
        if weakest < thr:
            thr = max(0.05, int(weakest * 20) / 20)
            spec["threshold"] = thr
            print(f"threshold lowered to {thr:.2f} to keep every seed gold line (weakest p={weakest:.3f})")
            if final_cv is not None:
                print(f"grouped CV by host, shipped pipeline @{thr:.2f}: {fmt(summary(docs, final_cv, thr, score))}")
            print(f"in-sample @{thr:.2f}: {fmt(summary(docs, p2, thr, score))}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(spec, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB) in {time.time() - t0:.0f}s")

    # the exported walker must agree with sklearn
    lm.load_model.cache_clear()
    m = lm.load_model(str(out))
    d = next(d for d in docs if len(d["rows"]) > 50)
    ref = s1.predict_proba(np.array(d["rows"]))[:, 1]
    mine = [sigmoid(z) for z in m["stage1"].raw_many(d["rows"])[0]]
    print("export check (stage 1), max |diff| =", float(np.max(np.abs(ref - np.array(mine)))))


if __name__ == "__main__":
    main()
