"""A learned title ranker, tried (docs/metadata.md, 2026-12-05; not shipped): a
conditional logit over each title candidate's generic features (`rank_features`, from the
title scoring pipeline/metadata.py keeps with COLLECT_CANDIDATES), learned on the dev set's text dumps from training/meta_eval.py's
capture, out of fold by site (meta_eval's folds).

    python training/meta_eval.py capture --dev ../shared/eval/dev --cache /tmp/meta-cache.pkl
    python training/title_rank.py --dev ../shared/eval/dev --cache /tmp/meta-cache.pkl --c 0.3 [--balance] [--seeds seeds]

Per page the ranker's most probable candidate is the title. Its confidence is either
meta_eval's logistic model of the pick's signals (refitted on each fold's picks, with
the ranker's probability as signals unless --no-rank-signals) or, with
--ranker-confidence, the ranker's probability itself. Each fold's threshold is the
lowest at which no source's training pages get more than --max-wrong wrong titles.
Prints, per source, right / wrong out of fold beside the hand score's pick with
meta_eval's confidence (the shipped reading; the same figures as `meta_eval.py fit`),
at the folds' thresholds and at --sweep thresholds; --seeds: the seeds' confidences of
the ranker fitted on all pages (the written threshold may not exceed the lowest).
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import pickle
import sys
from bisect import bisect_right
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from meta_eval import _gold, _manifest, site_of  # noqa: E402

from pipeline.evaluate_meta import field_right, gold_fields, source_of  # noqa: E402
from pipeline.lexicon import fold  # noqa: E402
from pipeline.metadata import _IN_TITLE_SEPARATORS, _title_signals  # noqa: E402

# The hand score's parts (pipeline/metadata.py's `how` of a candidate), one feature each.
_HAND_FLAGS = ("its words in the body", "repeated", "ends a longer line", "with the site's name on another line",
               "last headline before the body", "near the body", "right above the body", "a byline or date under it")

# The variants tried (set from the command line in main)
BALANCE = False  # each source weighs the same in the ranker's fit
RANK_SIGNALS = True  # the ranker's probability among the confidence's signals
RANKER_CONFIDENCE = False  # the ranker's probability is the confidence
HAND_PICK = False  # the hand score's pick stays the title
TIES_ONLY = False  # the ranker picks among the hand score's best lines only


def rank_features(result, hook: dict, language: str | None) -> list[tuple[int, dict[str, float]]]:
    """Each title candidate's generic features for a learned title ranker (training/title_rank.py;
    tried, not shipped: docs/metadata.md, 2026-12-05): its hand score and
    the score's parts, the signals of `_title_signals`, where it stands among the
    candidates and from the body, its case pattern, and whether it is the long form
    ("Headline | Site") of another line or has one. `hook`: the reading's title scoring
    (PageMetadata.title_candidates, kept with metadata.COLLECT_CANDIDATES); [] when the
    page had no candidate. Moved here from pipeline/metadata.py (training only)."""
    if not hook:
        return []
    scored, best, pick, repeated = hook["scored"], hook["best"], hook["pick"], hook["repeated"]
    folded, raw, unskipped = hook["folded"], hook["raw"], hook["unskipped"]
    start = result.body_start
    lines = set(raw.values())
    out = []
    for k, (score, n, how, content, share) in enumerate(scored):
        text = raw[n]
        words = text.split()
        capital = sum(1 for w in words if w[:1].isupper())
        f = {"hand score": score / 10, "behind the best hand score": (best - score) / 10,
             "the best hand score": float(score == best), "the hand pick": float(n == pick),
             "repeat-confirmed": float(n in repeated),
             "share of its words in the body": share if share is not None else 0.0,
             "first candidate": float(k == 0), "last candidate": float(k == len(scored) - 1),
             "candidates above it": min(k, 5) / 5,
             "lines to the body": min(math.log1p(max(0, (start or n) - n)), 4.0) / 4,
             # the lines between it and the body that are not a date, byline, name, short
             # line or standfirst (`_not_skipped`): a headline's own furniture does not count
             "other lines to the body": min(math.log1p(sum(1 for m in unskipped[bisect_right(unskipped, n):]
                                                           if folded[m] != folded[n])), 4.0) / 4,
             "words": min(len(words), 30) / 30,
             "capitalised words share": capital / len(words) if words else 0.0,
             "all capitals": float(text.isupper()),
             # a photo credit ("Michael Hession/NYT Wirecutter"), a breadcrumb ("Home /...")
             "a slash in it": float("/" in text),
             # a price or a figure ("Typical Range: $876 - $1,042"), not a headline's words
             "a figure in it": float(any(ch.isdigit() for ch in text) and any(ch in "$€£%" for ch in text)),
             "starts lower-case": float(text[:1].islower())}
        for flag in _HAND_FLAGS:
            f[flag] = float(flag in how)
        for signal in _title_signals(result, n, content, 1, language, folded):
            f[signal] = 1.0
        head = next((text[:text.index(sep)] for sep in _IN_TITLE_SEPARATORS if sep in text), None)
        f["its first part is another line"] = float(head is not None and head in lines)
        out.append((n, f))
    return out


def pages_of(dev: Path, cache: Path) -> list[dict]:
    import pipeline.metadata as metadata
    from pipeline.metadata import read_metadata

    metadata.COLLECT_CANDIDATES = True  # every candidate's features, the hand score's pick
    captured = {}
    for path in sorted(cache.parent.glob(cache.name + "*")):
        captured.update(pickle.loads(path.read_bytes()))
    gold, manifest = _gold(dev), _manifest(dev)
    pages = []
    for page_id, (result, language) in sorted(captured.items()):
        wanted = gold_fields(gold.get(page_id, {})).get("title")
        if not wanted:
            continue
        meta = read_metadata(copy.deepcopy(result), language=language)
        ev = (meta.evidence.get("title") or {})
        cands = [{"line": n, "text": result.shapes[n].text, "features": f, "signals": meta.title_signals[n],
                  "right": field_right("title", result.shapes[n].text, wanted)}
                 for n, f in rank_features(result, meta.title_candidates, language)]
        pages.append({"id": page_id, "source": source_of(page_id, gold[page_id]),
                      "site": site_of(gold[page_id], manifest.get(page_id, {}), page_id), "candidates": cands,
                      "hand": {"line": ev.get("line"), "confidence": ev.get("confidence", 0.0),
                               "shown": bool(meta.title), "weak": "weak reading" in (ev.get("signals") or []),
                               "right": bool(meta.title or ev.get("withheld"))
                               and field_right("title", meta.title or ev.get("withheld"), wanted)}})
    return pages


def names_of(pages: list[dict]) -> list[str]:
    return sorted({k for p in pages for c in p["candidates"] for k in c["features"]})


def matrix(pages: list[dict], names: list[str]):
    import numpy as np

    rows = [[c["features"].get(k, 0.0) for k in names] for p in pages for c in p["candidates"]]
    labels = [c["right"] for p in pages for c in p["candidates"]]
    return np.array(rows, dtype=float).reshape(-1, len(names)), np.array(labels, dtype=int)


def fit_model(pages: list[dict], names: list[str], c: float) -> dict:
    from sklearn.linear_model import LogisticRegression

    x, y = matrix(pages, names)
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(x, y)
    return {"bias": round(float(model.intercept_[0]), 4),
            "weights": {k: round(float(w), 4) for k, w in zip(names, model.coef_[0]) if round(float(w), 4)}}


def fit_softmax(pages: list[dict], names: list[str], c: float) -> dict:
    """A conditional logit over each page's candidates plus "none of them" (utility 0):
    P(line) = exp(u) / (1 + sum of the page's exp(u)), u = bias + w . features. Trained on
    every page, the right line(s) or "none" when no candidate is right, with an L2
    penalty 1 / (2 c) on w."""
    import numpy as np
    from scipy.optimize import minimize

    x, y = matrix(pages, names)
    sizes = [len(p["candidates"]) for p in pages]
    page_of = np.repeat(np.arange(len(pages)), sizes)
    has_right = np.zeros(len(pages))
    np.add.at(has_right, page_of, y)
    d = x.shape[1]
    # Each source weighs the same in all (wcxb has 780 of the 996 pages), when --balance.
    counts = defaultdict(int)
    for p in pages:
        counts[p["source"]] += 1
    weight = np.array([len(pages) / (len(counts) * counts[p["source"]]) if BALANCE else 1.0 for p in pages])

    def loss(theta):
        b, w = theta[0], theta[1:]
        u = b + x @ w
        e = np.exp(np.minimum(u, 50))
        total = np.ones(len(pages))
        np.add.at(total, page_of, e)
        right = np.zeros(len(pages))
        np.add.at(right, page_of, e * y)
        numer = np.where(has_right > 0, right, 1.0)
        value = -np.sum(weight * (np.log(numer) - np.log(total))) + np.dot(w, w) / (2 * c)
        # gradient: sum over candidates of (P(c) - P(c | right set)) x_c
        pc = e / total[page_of]
        qc = np.where(has_right[page_of] > 0, e * y / np.maximum(right[page_of], 1e-300), 0.0)
        g = (pc - qc) * weight[page_of]
        grad = np.concatenate([[g.sum()], x.T @ g + w / c])
        return value, grad

    res = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    theta = res.x
    return {"bias": round(float(theta[0]), 4), "softmax": True,
            "weights": {k: round(float(v), 4) for k, v in zip(names, theta[1:]) if round(float(v), 4)}}


def prob(model: dict, features: dict[str, float]) -> float:
    z = model["bias"] + sum(model["weights"].get(k, 0.0) * v for k, v in features.items())
    return 1 / (1 + math.exp(-z))


def picks(pages: list[dict], model: dict | None, conf: dict | None = None) -> list[dict]:
    """Per page: the ranker's most probable candidate (the first among equals; the hand
    score's pick without a model), its confidence (`conf`'s logistic model of the pick's
    signals, else the ranker's probability) and rightness. A pick whose hand score is
    under 4 is not shown (read_metadata's weak-reading gate)."""
    from meta_eval import _predict

    out = []
    for p in pages:
        best, utilities = None, []
        for c in p["candidates"]:
            if TIES_ONLY and model is not None and not c["features"]["the best hand score"]:
                continue
            if model is None:
                q = float(c["line"] == p["hand"]["line"])
            else:
                q = prob(model, c["features"])
            utilities.append(q / (1 - q) if q < 1 else 1e12)  # exp(u)
            if best is None or (q > best[0] if not (HAND_PICK and model is not None) else c["line"] == p["hand"]["line"]):
                best = (q, c)
        if best and model is not None and model.get("softmax"):
            # the probability of the pick's text: its lines' (a headline repeated) summed
            same = fold(best[1]["text"])
            mass = sum(u for u, c in zip(utilities, (c for c in p["candidates"] if not TIES_ONLY
                                                     or c["features"]["the best hand score"]))
                       if fold(c["text"]) == same)
            best = (mass / (1 + sum(utilities)), best[1])
        signals = []
        if best:
            signals = best[1]["signals"] + (rank_signals(best[0]) if model is not None and RANK_SIGNALS else [])
        if best and conf is not None and not (RANKER_CONFIDENCE and model is not None):
            best = (_predict(conf, signals), best[1])
        showable = best is not None and best[1]["features"]["hand score"] >= 0.4
        out.append({"source": p["source"], "id": p["id"], "site": p["site"], "confidence": best[0] if best else 0.0,
                    "filled": showable, "showable": showable, "right": bool(best) and best[1]["right"],
                    "signals": signals, "text": best[1]["text"] if best else None})
    return out


def rank_signals(probability: float) -> list[str]:
    """The ranker's probability of its pick, as signals of the title's confidence."""
    return [f"ranker probability {t}+" for t in (0.3, 0.5, 0.7, 0.9) if probability >= t]


def ranked_pick(model: dict, candidates: list[tuple[int, dict[str, float]]], texts: dict[int, str]) -> tuple[float, int]:
    """(probability, line) of the most probable candidate (the first among equals) under
    the conditional logit: each line's utility u = bias + w . features, "none of them"
    utility 0, P(line) = exp(u) / (1 + the sum of the page's exp(u)); the probability
    given is its text's (the lines of the same fold summed)."""
    weights, bias = model["weights"], model["bias"]
    utilities = [(bias + sum(weights.get(k, 0.0) * v for k, v in f.items()), -n) for n, f in candidates]
    top, n = max(utilities)
    same = fold(texts[-n])
    total = math.exp(-top) + sum(math.exp(u - top) for u, _ in utilities)  # exp(u - top): finite
    mass = sum(math.exp(u - top) for u, m in utilities if fold(texts[-m]) == same)
    return mass / total, -n


def fit_conf(picked: list[dict]) -> dict:
    """The title confidence (training/meta_eval.py's logistic model of the pick's signals)."""
    from meta_eval import fit_logistic

    return fit_logistic([r for r in picked if r["showable"]])


GRID = [round(x * 0.025, 3) for x in range(0, 41)] + [1.01]


def choose(picked: list[dict], max_wrong: float) -> float:
    for t in GRID:
        by = defaultdict(lambda: [0, 0])
        for r in picked:
            by[r["source"]][0] += 1
            by[r["source"]][1] += r["filled"] and r["confidence"] >= t and not r["right"]
        if all(wrong <= max_wrong * total for total, wrong in by.values()):
            return t
    return 1.01


def shares(picked: list[dict], t: float | None = None, key: str = "at") -> dict[str, tuple[int, float, float]]:
    by = defaultdict(list)
    for r in picked:
        shown = r["filled"] and r["confidence"] >= (t if t is not None else r[key])
        by[r["source"]].append((shown and r["right"], shown and not r["right"]))
        by["all"].append(by[r["source"]][-1])
    return {s: (len(v), sum(a for a, _ in v) / len(v), sum(b for _, b in v) / len(v)) for s, v in sorted(by.items())}


def line(label: str, got: dict) -> str:
    return f"  {label:<34}" + "  ".join(f"{s} {a:.3f}/{b:.3f}" for s, (_, a, b) in got.items())


def seed_confidences(seeds: Path, model: dict, conf: dict | None) -> dict[str, tuple[float, bool]]:
    """Per seed with a gold title: the confidence of the ranker's pick and whether it is
    the gold title (the written threshold must keep these shown)."""
    import pipeline.metadata as metadata
    import pipeline.process as process
    from meta_eval import _predict
    from pipeline.process import Engine, clean_bytes

    metadata.COLLECT_CANDIDATES = True
    engine = Engine.load()
    first = {}
    original = process.read_metadata

    def recording(result, memo=None, language=None, host=None, url=None):
        meta = original(result, memo=memo, language=language, host=host, url=url)
        first.setdefault("meta", (meta, result, language))
        return meta

    process.read_metadata = recording
    out = {}
    try:
        for path in sorted(seeds.glob("*.txt")):
            gold_path = seeds.parent / "tests" / "data" / "gold" / "seeds" / (path.stem + ".json")
            wanted = gold_fields(json.loads(gold_path.read_text("utf-8"))).get("title") if gold_path.is_file() else None
            if not wanted:
                continue
            first.clear()
            clean_bytes(path.read_bytes(), name=path.name, engine=engine)
            meta, result, language = first["meta"]
            candidates = rank_features(result, meta.title_candidates, language)
            if candidates:
                q, n = ranked_pick(model, candidates, {m: result.shapes[m].text for m, _ in candidates})
                signals = meta.title_signals[n] + (rank_signals(q) if RANK_SIGNALS else [])
                out[path.stem[:3]] = (round(q if conf is None else _predict(conf, signals), 4),
                                      field_right("title", result.shapes[n].text, wanted))
    finally:
        process.read_metadata = original
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-wrong", type=float, default=0.10)
    parser.add_argument("--c", type=float, nargs="*", default=[1.0], help="the L2 penalty's inverse (the first is used with --seeds)")
    parser.add_argument("--pointwise", action="store_true", help="a logistic model of each line alone (tried)")
    parser.add_argument("--balance", action="store_true", help="each source weighs the same in the fit")
    parser.add_argument("--sweep", type=float, nargs="*", default=[0.6, 0.65, 0.7, 0.75, 0.8])
    parser.add_argument("--no-rank-signals", action="store_true",
                        help="the confidence without the ranker's probability among its signals (tried)")
    parser.add_argument("--ties-only", action="store_true", help="the ranker picks among the hand score's best lines only")
    parser.add_argument("--ranker-confidence", action="store_true", help="the ranker's probability is the confidence")
    parser.add_argument("--hand-pick", action="store_true",
                        help="the hand score's pick stays the title; the ranker's probability of it is a signal")
    parser.add_argument("--dump", type=Path, help="write the pages' candidates (JSON) for study")
    parser.add_argument("--seeds", type=Path, help="the seeds' folder: the written threshold keeps their titles shown")
    args = parser.parse_args()
    global BALANCE, RANK_SIGNALS, TIES_ONLY, RANKER_CONFIDENCE, HAND_PICK
    HAND_PICK = args.hand_pick
    RANKER_CONFIDENCE = args.ranker_confidence
    TIES_ONLY = args.ties_only
    BALANCE = args.balance
    RANK_SIGNALS = not args.no_rank_signals
    pages = pages_of(args.dev, args.cache)
    if args.dump:
        args.dump.write_text(json.dumps(pages, ensure_ascii=False), "utf-8")
    names = names_of(pages)
    print(f"pages {len(pages)}; candidates {sum(len(p['candidates']) for p in pages)}")
    print(line("a right candidate exists", shares([{"source": p["source"], "filled": any(c["right"] for c in p["candidates"]),
                                                    "right": True, "confidence": 1} for p in pages], 0)))
    fold_of = lambda site: int(hashlib.sha256(site.encode()).hexdigest(), 16) % args.folds  # noqa: E731
    fitter = fit_model if args.pointwise else fit_softmax
    for c in [None] + args.c:  # None: the hand score's pick (before)
        tested, chosen = [], []
        for k in range(args.folds):
            train = [p for p in pages if fold_of(p["site"]) != k]
            model = fitter(train, names, c) if c is not None else None
            conf = fit_conf(picks(train, model))
            t = choose(picks(train, model, conf), args.max_wrong)
            chosen.append(t)
            tested += [dict(r, at=t) for r in picks([p for p in pages if fold_of(p["site"]) == k], model, conf)]
        pooled = choose(tested, args.max_wrong)
        print(f"{'hand pick' if c is None else f'ranker C={c}'}: fold thresholds {chosen}, pooled {pooled}")
        print(line("top-1, any confidence", shares(tested, 0)))
        print(line("fold thresholds", shares(tested)))
        for t in args.sweep:
            print(line(f"at {t}", shares(tested, t)))
    if args.seeds:
        model = fitter(pages, names, args.c[0])
        conf = fit_conf(picks(pages, model))
        seeds = seed_confidences(args.seeds, model, None if RANKER_CONFIDENCE else conf)
        print("seeds' picks (confidence, right):", seeds)
        lowest = min((q for q, right in seeds.values() if right), default=None)
        if lowest is not None:
            cap = math.floor(lowest * 40) / 40  # the grid of choose, at or under it
            print(line(f"at the seeds' cap {cap}", shares(tested, cap)))


if __name__ == "__main__":
    main()
