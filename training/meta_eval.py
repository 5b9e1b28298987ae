"""Fast re-scoring of the text reader's metadata (pipeline/metadata.py) on the dev set,
for iterating on its signals in seconds rather than re-running the whole eval.

`capture` cleans every text dump once and pickles, per page, the classification that
`read_metadata` is given on the first pass (the one whose metadata a run writes) and the
page's language; `score` re-reads the metadata from those pickles with the current code
and prints, per source, right / wrong at the code's thresholds, then the thresholds
chosen on folds grouped by site (training/meta_thresholds.py) and their out-of-fold
figures; `trafilatura` caches trafilatura's metadata of the dev HTML once, and `ceiling`
counts the pages whose gold title / author / date appear in the text dump at all.

    python training/meta_eval.py capture --dev ../shared/eval/dev --cache /tmp/meta-cache.pkl
    python training/meta_eval.py trafilatura --dev ../shared/eval/dev --cache /tmp/meta-traf.json
    python training/meta_eval.py score --dev ../shared/eval/dev --cache /tmp/meta-cache.pkl --traf /tmp/meta-traf.json
    python training/meta_eval.py ceiling --dev ../shared/eval/dev
    python training/meta_eval.py html-titles --dev ../shared/eval/dev --traf /tmp/meta-traf.json
    python training/meta_eval.py site-names --dev ../shared/eval/dev
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import pickle
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

from pipeline.evaluate_meta import (FIELDS, field_right, fold_title, gold_fields, name_words, parse_moment,
                                    read_html, source_of, trafilatura_metadata)


def _manifest(dev: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in (dev / "manifest.jsonl").read_text("utf-8").splitlines() if line.strip()]
    return {r["id"]: r for r in rows}


def _gold(dev: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text("utf-8")) for p in sorted((dev / "gold").glob("*.json"))}


def capture(dev: Path, cache: Path, part: int = 0, parts: int = 1) -> None:
    import pipeline.process as process
    from pipeline.process import Engine, clean_bytes

    captured: dict[str, tuple] = {}
    current = {"id": None}
    original = process.read_metadata

    def recording(result, memo=None, language=None, host=None, url=None):
        # The first call of a page is the pass whose metadata is written.
        if current["id"] not in captured:
            captured[current["id"]] = (copy.deepcopy(result), language)
        return original(result, memo=memo, language=language, host=host, url=url)

    process.read_metadata = recording
    engine = Engine.load()
    paths = sorted((dev / "text").glob("*.txt"))[part::parts]
    for i, path in enumerate(paths, 1):
        current["id"] = path.stem
        clean_bytes(path.read_bytes(), name=str(path), engine=engine)
        if i % 50 == 0 or i == len(paths):  # written as it goes: a partial cache scores too
            cache.write_bytes(pickle.dumps(captured))
            print(i, file=sys.stderr)


def cache_trafilatura(dev: Path, cache: Path) -> None:
    out = {}
    for path in sorted((dev / "html").glob("*.html.gz")):
        out[path.name.split(".", 1)[0]] = trafilatura_metadata(read_html(path))
    cache.write_text(json.dumps(out, sort_keys=True, indent=0), "utf-8")


def site_of(gold: dict, manifest_row: dict, page_id: str) -> str:
    from urllib.parse import urlsplit

    url = gold.get("url") or manifest_row.get("url")
    host = gold.get("site") or (urlsplit(url).hostname if url else None)
    return (host or page_id).removeprefix("www.")


# Pass each page's URL to the reader (--no-url: without, as a folder of text files).
WITH_URL = True
SEPARATE = None  # fit-url --separate url|all: the readings with a URL get a model of their own
ZERO_URL = False  # fit --zero-url: the URL's signals left out of the fit
GRID = False  # fit-url --grid: the URL's weights chosen on a grid at the written threshold


def rows_of(dev: Path, cache: Path) -> list[dict]:
    """One row a page and gold field: the reading's value, confidence, rightness."""
    from pipeline.metadata import read_metadata
    from pipeline.sites import host_of

    captured = {}
    for path in sorted(cache.parent.glob(cache.name + "*")):  # the parts of a split capture
        captured.update(pickle.loads(path.read_bytes()))
    gold, manifest = _gold(dev), _manifest(dev)
    rows = []
    for page_id, (result, language) in sorted(captured.items()):
        if page_id not in gold:
            continue
        wanted = gold_fields(gold[page_id])
        if not wanted:
            continue
        # The page's URL (the manifest's, else the gold's), as a record or urls.tsv gives it
        # to a run; none with --no-url (the reading of a folder of text files).
        url = (manifest.get(page_id, {}).get("url") or gold[page_id].get("url")) if WITH_URL else None
        meta = read_metadata(copy.deepcopy(result), language=language, host=host_of(url), url=url).fields()
        evidence = meta["metadata_evidence"]
        for f, gold_value in wanted.items():
            ev = evidence.get(f) or {}
            value = meta.get(f) or ev.get("withheld")
            signals = ev.get("signals") or []
            # A weak title or an updated date is never shown, whatever its confidence.
            showable = bool(value) and "weak reading" not in signals and "updated date" not in signals
            rows.append({"id": page_id, "signals": signals, "showable": showable, "site": site_of(gold[page_id], manifest.get(page_id, {}), page_id),
                         "source": source_of(page_id, gold[page_id]), "field": f, "value": value,
                         "gold": gold_value, "how": ev.get("how"), "line": ev.get("line"),
                         "confidence": ev.get("confidence", 0.0), "shipped": bool(meta.get(f)),
                         "filled": bool(value), "right": bool(value) and field_right(f, value, gold_value)})
    return rows


def _shares(rows, keep) -> dict[str, tuple[int, float, float]]:
    by = defaultdict(list)
    for r in rows:
        by[r["source"]].append(r)
        by["all"].append(r)
    out = {}
    for source, group in sorted(by.items()):
        filled = [r for r in group if r["filled"] and keep(r)]
        out[source] = (len(group), sum(r["right"] for r in filled) / len(group),
                       sum(not r["right"] for r in filled) / len(group))
    return out


def score(dev: Path, cache: Path, traf: Path | None, folds: int, max_wrong: float, worst: int) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from meta_thresholds import choose

    rows = rows_of(dev, cache)
    traf_meta = json.loads(traf.read_text("utf-8")) if traf else {}
    gold = _gold(dev)
    fold_of = lambda site: int(hashlib.sha256(site.encode()).hexdigest(), 16) % folds  # noqa: E731
    for f in FIELDS:
        field_rows = [r for r in rows if r["field"] == f]
        shipped = _shares(field_rows, lambda r: r["shipped"])
        tested, chosen = [], []
        for k in range(folds):
            train = [r for r in field_rows if fold_of(r["site"]) != k]
            threshold = choose([dict(r, filled=r["showable"]) for r in train], max_wrong)
            chosen.append(threshold)
            tested += [dict(r, filled=r["showable"] and r["confidence"] >= threshold)
                       for r in field_rows if fold_of(r["site"]) == k]
        oof = _shares(tested, lambda r: True)
        traf_rows = []
        for r in field_rows:
            value = (traf_meta.get(r["id"]) or {}).get(f)
            traf_rows.append(dict(r, filled=bool(value), right=bool(value) and field_right(f, value, r["gold"])))
        tr = _shares(traf_rows, lambda r: True)
        print(f"{f}: fold thresholds {chosen}")
        for source in shipped:
            n, a, b = shipped[source]
            print(f"  {source:<12} n={n:<4} shipped {a:.3f}/{b:.3f}  out-of-fold {oof[source][1]:.3f}/{oof[source][2]:.3f}"
                  f"  trafilatura {tr[source][1]:.3f}/{tr[source][2]:.3f}")
    if worst:
        wrong = sorted((r for r in rows if r["filled"] and not r["right"]), key=lambda r: -r["confidence"])
        for r in wrong[:worst]:
            print(json.dumps({k: r[k] for k in ("id", "field", "confidence", "value", "gold", "how", "line")},
                             ensure_ascii=False))
    del gold


def fit_logistic(rows: list[dict], l2: float = 1.0, steps: int = 400, rate: float = 0.5,
                 fixed: dict | None = None) -> dict:
    """Weights of a logistic model over the rows' signals (gradient descent with an L2
    penalty on the weights, not the bias). Hand-written: a dozen binary signals and a
    thousand rows need no numerical library at run time or here. `fixed`: a model whose
    bias and weights stay as they are; only the signals it has no weight for are fitted
    (--keep: a reading without the new signals keeps its confidence to the digit)."""
    names = sorted({s for r in rows for s in r["signals"]} - set((fixed or {}).get("weights", {})))
    w = {s: 0.0 for s in names}
    bias = fixed["bias"] if fixed else 0.0
    known = fixed["weights"] if fixed else {}
    n = max(1, len(rows))
    for _ in range(steps):
        grad = {s: l2 * w[s] / n for s in names}
        grad_bias = 0.0
        for r in rows:
            z = bias + sum(w[s] if s in w else known.get(s, 0.0) for s in r["signals"])
            err = 1 / (1 + math.exp(-z)) - (1.0 if r["right"] else 0.0)
            grad_bias += err / n
            for s in r["signals"]:
                if s in grad:
                    grad[s] += err / n
        if not fixed:
            bias -= rate * grad_bias
        for s in names:
            w[s] -= rate * grad[s]
    weights = {**known, **{s: round(v, 3) for s, v in w.items()}}
    return {"bias": round(bias, 3), "weights": dict(sorted(weights.items()))}


def _predict(model: dict, signals: list[str]) -> float:
    z = model["bias"] + sum(model["weights"].get(s, 0.0) for s in signals)
    return 1 / (1 + math.exp(-z))


def _choose(rows: list[dict], confidences: list[float], max_wrong: float) -> float:
    """The lowest threshold whose filled-but-wrong share is at most max_wrong on every source."""
    for t in [round(x * 0.025, 3) for x in range(0, 41)] + [1.01]:
        by = defaultdict(lambda: [0, 0])
        for r, c in zip(rows, confidences):
            by[r["source"]][0] += 1
            by[r["source"]][1] += r["showable"] and c >= t and not r["right"]
        if all(wrong <= max_wrong * total for total, wrong in by.values()):
            return t
    return 1.01


def _seed_cap(seeds: Path, f: str, model: dict) -> float | None:
    """The lowest confidence, under `model`, of the seeds' shown `f` readings (their gold
    has the field): the written threshold must not withhold any (their metadata stays
    exact)."""
    confidences = _seed_confidences(seeds, f, model)
    return min(confidences.values()) if confidences else None


def _seed_confidences(seeds: Path, f: str, model: dict) -> dict[str, float]:
    from pipeline.process import Engine, clean_bytes

    engine = Engine.load()
    out = {}
    for path in sorted(seeds.glob("*.txt")):
        gold_path = seeds.parent / "tests" / "data" / "gold" / "seeds" / (path.stem + ".json")
        evidence = clean_bytes(path.read_bytes(), name=path.name, engine=engine).metadata["metadata_evidence"].get(f)
        if not evidence or "weak reading" in evidence.get("signals", []) or "updated date" in evidence.get("signals", []):
            continue
        if gold_path.is_file() and not gold_fields(json.loads(gold_path.read_text("utf-8"))).get(f):
            continue
        out[path.stem[:3]] = _predict(model, evidence["signals"])
    return out


def fit(dev: Path, cache: Path, traf: Path | None, folds: int, max_wrong: float, write: Path | None,
        caps: dict[str, float], seeds: Path | None = None, sweep: list[float] | None = None,
        keep: bool = False) -> None:
    """Per field: the signals' weights and the threshold, out of fold by site, then on
    all pages (threshold: chosen on the pooled out-of-fold confidences). `keep`: the
    written weights, bias and threshold stay; only new signals' weights are fitted."""
    from pipeline.metadata import confidence_model

    rows = rows_of(dev, cache)
    train_rows = rows
    if ZERO_URL:
        # The title as shipped: the URL moves the line read and its words, its signals weigh
        # nothing, and the weights are the ones a reading without the URL fits: each fold's
        # weights fitted on its other sites' pages read without their URL, then tested on
        # its own pages read with it.
        global WITH_URL
        WITH_URL = False
        train_rows = rows_of(dev, cache)
        WITH_URL = True
        rows = [dict(r, signals=[s for s in r["signals"] if "URL" not in s]) for r in rows]
    traf_meta = json.loads(traf.read_text("utf-8")) if traf else {}
    fold_of = lambda site: int(hashlib.sha256(site.encode()).hexdigest(), 16) % folds  # noqa: E731
    out = {}
    for f in FIELDS:
        field_rows = [r for r in rows if r["field"] == f]
        tested, oof_conf, chosen = [], [], []
        kept = confidence_model()[f] if keep else None
        for k in range(folds):
            train = [r for r in train_rows if r["field"] == f and fold_of(r["site"]) != k]
            test = [r for r in field_rows if fold_of(r["site"]) == k]
            model = fit_logistic([r for r in train if r["showable"]], fixed=kept)
            t = kept["threshold"] if keep else _choose(train, [_predict(model, r["signals"]) for r in train],
                                                          max_wrong)
            chosen.append(t)
            for r in test:
                c = _predict(model, r["signals"])
                oof_conf.append(c)
                tested.append(dict(r, filled=r["showable"] and c >= t))
        oof = _shares(tested, lambda r: True)
        model = fit_logistic([r for r in train_rows if r["field"] == f and r["showable"]], fixed=kept)
        pooled = kept["threshold"] if keep else _choose(tested, oof_conf, max_wrong)
        insample = _shares([dict(r, filled=r["showable"] and _predict(model, r["signals"]) >= pooled) for r in field_rows],
                           lambda r: True)
        tr = _shares([dict(r, filled=bool((traf_meta.get(r["id"]) or {}).get(f)),
                           right=bool((traf_meta.get(r["id"]) or {}).get(f))
                           and field_right(f, traf_meta[r["id"]][f], r["gold"])) for r in field_rows], lambda r: True)
        print(f"{f}: fold thresholds {chosen}, pooled out-of-fold threshold {pooled}")
        print("   " + json.dumps(model))
        for source in oof:
            print(f"  {source:<12} n={oof[source][0]:<4} out-of-fold {oof[source][1]:.3f}/{oof[source][2]:.3f}"
                  f"  in-sample {insample[source][1]:.3f}/{insample[source][2]:.3f}"
                  f"  trafilatura {tr[source][1]:.3f}/{tr[source][2]:.3f}")
        cap = caps.get(f, pooled)
        if seeds is not None:
            lowest = _seed_cap(seeds, f, model)
            if lowest is not None:
                print(f"  the seeds' lowest {f} confidence under these weights: {lowest}")
                cap = min(cap, math.floor(lowest * 40) / 40)  # the grid of _choose, at or under it
        if sweep:
            seed_conf = _seed_confidences(seeds, f, model) if seeds is not None else {}
            for t in sweep:
                at = _shares([dict(r, filled=r["showable"] and c >= t) for r, c in zip(tested, oof_conf)], lambda r: True)
                lost = sorted(k for k, c in seed_conf.items() if c < t)
                print(f"  at {t}: out-of-fold " + ", ".join(f"{s} {a:.3f}/{b:.3f}" for s, (_, a, b) in at.items())
                      + f"; seeds withheld: {', '.join(lost) or 'none'}")
        written = min(pooled, cap)
        if written != pooled:
            capped = _shares([dict(r, filled=r["showable"] and c >= written) for r, c in zip(tested, oof_conf)], lambda r: True)
            print(f"  capped at {written}: out-of-fold " + ", ".join(f"{s} {a:.3f}/{b:.3f}" for s, (_, a, b) in capped.items()))
        out[f] = {**model, "threshold": written}
    if write:
        data = json.loads(write.read_text("utf-8"))
        data.update(out)
        write.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")


def _by_url(r: dict) -> bool:
    """A reading the page's URL spoke to (a signal naming the URL): held to the field's
    `url_threshold`."""
    return any("URL" in s for s in r["signals"])


def fit_url(dev: Path, cache: Path, folds: int, write: Path | None, sweep: list[float] | None = None,
            fields: tuple[str, ...] = FIELDS) -> None:
    """The URL's signals (pipeline/urlwords.py): per field, their weights on top of the
    written model (kept as it is: without a URL every confidence stays to the digit) and
    the threshold of the readings they touch, out of fold by site: each fold's
    `url_threshold` is the lowest at which no source's training pages get a larger share
    of wrong readings than the same pages read without their URL (at the written
    threshold). Prints per source right / wrong without the URL, with it out of fold, and
    at the --sweep thresholds. --write: the `fields`' models (--fields)."""
    from pipeline.metadata import confidence_model

    global WITH_URL
    WITH_URL = False
    base_rows = rows_of(dev, cache)
    WITH_URL = True
    rows = rows_of(dev, cache)
    fold_of = lambda site: int(hashlib.sha256(site.encode()).hexdigest(), 16) % folds  # noqa: E731
    grid = [round(x * 0.025, 3) for x in range(0, 41)] + [1.01]
    out = {}
    for f in FIELDS:
        kept = confidence_model()[f]
        if SEPARATE:
            # Today's figures as the README gives them: every weight refitted on each fold's
            # other sites, the written threshold.
            base = []
            for k in range(folds):
                group = [r for r in base_rows if r["field"] == f and fold_of(r["site"]) != k]
                m = fit_logistic([r for r in group if r["showable"]])
                base += [dict(r, filled=r["showable"] and _predict(m, r["signals"]) >= kept["threshold"])
                         for r in base_rows if r["field"] == f and fold_of(r["site"]) == k]
        else:
            base = [dict(r, filled=r["showable"] and _predict(kept, r["signals"]) >= kept["threshold"])
                    for r in base_rows if r["field"] == f]
        field_rows = [r for r in rows if r["field"] == f]

        def shown(group, model, t_url):
            if GRID and f == "title":  # one model, old weights and the URL's, at the written threshold
                return [dict(r, filled=r["showable"] and _predict(model, r["signals"]) >= kept["threshold"])
                        for r in group]
            return [dict(r, filled=r["showable"] and (_predict(model, r["signals"]) >= t_url if _by_url(r) else
                                                      _predict(kept, r["signals"]) >= kept["threshold"]))
                    for r in group]

        def fitted(group):
            if GRID and f == "title":
                return grid_fit(group)
            if SEPARATE == "url":  # a model of its own for the readings with a URL, fitted on them
                return fit_logistic([r for r in group if r["showable"] and _by_url(r)])
            if SEPARATE == "all":  # a model of its own for the readings with a URL, fitted on every reading
                return fit_logistic([r for r in group if r["showable"]])
            return fit_logistic([r for r in group if r["showable"]], fixed=kept)

        def choose_url(group, model):
            ids = {r["id"] for r in group}
            limit = {s: b for s, (_, _, b) in _shares([r for r in base if r["id"] in ids], lambda r: True).items()}
            for t in grid:
                if all(b <= limit[s] + 1e-9 for s, (_, _, b) in _shares(shown(group, model, t), lambda r: True).items()):
                    return t
            return 1.01

        def grid_fit(group):
            """The URL's weights on a grid, the threshold the written one: the most right
            readings (summed over the sources' shares) at no source's wrong share above
            its share without the URL, on `group`."""
            ids = {r["id"] for r in group}
            limit = {s: b for s, (_, _, b) in _shares([r for r in base if r["id"] in ids], lambda r: True).items()}
            # --separate all: the old weights refitted on these pages too (the README's frame)
            old = fit_logistic([r for r in base_rows if r["field"] == f and r["id"] in ids and r["showable"]]) \
                if SEPARATE == "all" else kept
            best = (None, {**old, "weights": dict(old["weights"])})
            steps = [x * 0.25 for x in range(0, 9)]
            # --grid switch: the weight of "chosen by the URL ..." alone
            for w_in in steps if GRID != "switch" else [0.0]:
                for w_not in steps if GRID != "switch" else [0.0]:
                    for w_switch in (0.0, 0.5, 1.0) if GRID != "switch" else steps + [2.5, 3.0]:
                        m = {**old, "weights": {**old["weights"], "its words in the URL": w_in,
                                                 "its words not in the URL": -w_not,
                                                 "chosen by the URL over the hand score's line": w_switch}}
                        got = _shares(shown(group, m, kept["threshold"]), lambda r: True)
                        if any(b > limit[s] + 1e-9 for s, (_, _, b) in got.items()):
                            continue
                        score = (round(sum(a for s, (_, a, _) in got.items() if s != "all"), 9), -w_in - w_not - w_switch)
                        if best[0] is None or score > best[0]:
                            best = (score, m)
            return best[1]

        tested, chosen, models = [], [], []
        for k in range(folds):
            train = [r for r in field_rows if fold_of(r["site"]) != k]
            model = fitted(train)
            t = kept["threshold"] if GRID and f == "title" else choose_url(train, model)
            chosen.append(t)
            models.append((k, model, t))
            if GRID and f == "title":
                print(f"  fold {k}: " + json.dumps({s: w for s, w in model["weights"].items() if "URL" in s}))
            tested += shown([r for r in field_rows if fold_of(r["site"]) == k], model, t)
        model = fitted(field_rows)
        written = kept["threshold"] if GRID and f == "title" else choose_url(field_rows, model)
        before, after = _shares(base, lambda r: True), _shares(tested, lambda r: True)
        print(f"{f}: fold URL thresholds {chosen}; on all pages {written}; the URL's weights "
              + json.dumps({s: w for s, w in model["weights"].items() if s not in kept["weights"]}))
        print(f"  pages read with a URL signal: {sum(_by_url(r) for r in field_rows)} of {len(field_rows)}")
        for source in after:
            print(f"  {source:<12} n={after[source][0]:<4} without the URL {before[source][1]:.3f}/{before[source][2]:.3f}"
                  f"  with it, out of fold {after[source][1]:.3f}/{after[source][2]:.3f}")
        for t in sweep or []:
            at = []
            for k, m, _ in models:
                at += shown([r for r in field_rows if fold_of(r["site"]) == k], m, t)
            print(f"  URL threshold {t}: out of fold " + ", ".join(f"{s} {a:.3f}/{b:.3f}"
                                                              for s, (_, a, b) in _shares(at, lambda r: True).items()))
        if f in fields:
            out[f] = {**model, "threshold": kept["threshold"],
                      **({"url_threshold": written} if written != kept["threshold"] else {})}
    if write:
        data = json.loads(write.read_text("utf-8"))
        data.update(out)
        write.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")


UNCASED = "a script without case"
# The share of titles shown wrong on the English dev dumps today (`score`, shipped, with
# the URL): the uncased models' thresholds may show no larger share wrong on any source
# of any script.
ENGLISH_WRONG = {"fundus": 0.056, "readability": 0.143, "wcxb": 0.038}


def _choose_under(rows: list[dict], confidences: list[float], limits: dict[str, float]) -> float:
    """The lowest threshold (on `_choose`'s grid) at which no source's share of shown but
    wrong titles is above its limit, in any script."""
    for t in [round(x * 0.025, 3) for x in range(0, 41)] + [1.01]:
        by = defaultdict(lambda: [0, 0])
        for r, c in zip(rows, confidences):
            by[(r.get("script"), r["source"])][0] += 1
            by[(r.get("script"), r["source"])][1] += r["showable"] and c >= t and not r["right"]
        if all(wrong <= limits.get(s, 0.0) * total + 1e-9 for (_, s), (total, wrong) in by.items()):
            return t
    return 1.01


def fit_uncased(devs: list[Path], caches: list[Path], folds: int, write: Path | None,
                sweep: list[float] | None = None) -> None:
    """The title models of scripts without capital letters (`title_uncased`, used where the
    page's URL has a slug; with --no-url `title_uncased_no_url`, the pages read without
    their URL): fitted on the ciphered dev pages of several scripts pooled (training/cipher.py; the titles whose
    signals hold "a script without case"), every weight fitted, out of fold by site (a
    page's twins in the other scripts are in its fold: the cipher keeps the host); each
    fold's threshold the lowest at which no source's training pages show a larger share
    of wrong titles than the English dumps do today (ENGLISH_WRONG). Then each script
    left out: the model and threshold fitted on the other scripts' training folds, tested
    on its own test fold (an unseen script and unseen sites). --write: the model fitted
    on all pages, its threshold chosen on the pooled out-of-fold confidences."""
    fold_of = lambda site: int(hashlib.sha256(site.encode()).hexdigest(), 16) % folds  # noqa: E731
    rows, others = [], []  # others: the titles the English model reads (shown as written)
    for dev, cache in zip(devs, caches):
        for r in rows_of(dev, cache):
            if r["field"] == "title":
                # with the URL: the readings with a slug (a URL signal); the others are the no-URL model's
                mine = UNCASED in r["signals"] and (not WITH_URL or any("URL" in x for x in r["signals"]))
                (rows if mine else others).append(dict(r, script=dev.name, filled=r["shipped"]))
    scripts = sorted({r["script"] for r in rows})

    def run(train_scripts, test_scripts):
        tested, conf = [], []
        for k in range(folds):
            train = [r for r in rows if fold_of(r["site"]) != k and r["script"] in train_scripts]
            model = fit_logistic([r for r in train if r["showable"]])
            t = _choose_under(train, [_predict(model, r["signals"]) for r in train], ENGLISH_WRONG)
            for r in rows:
                if fold_of(r["site"]) == k and r["script"] in test_scripts:
                    c = _predict(model, r["signals"])
                    conf.append(c)
                    tested.append(dict(r, filled=r["showable"] and c >= t))
        return tested, conf

    def line(tested, script):
        # shares of all the script's pages with a gold title, the others' as shown today
        got = _shares([r for r in tested + others if r["script"] == script], lambda r: True)
        return ", ".join(f"{s} {a:.3f}/{b:.3f}" for s, (_, a, b) in got.items())

    tested, conf = run(scripts, scripts)
    for script in scripts:
        shipped = _shares([dict(r, filled=r["shipped"]) for r in rows + others if r["script"] == script],
                          lambda r: True)
        print(f"{script}: {sum(r['script'] == script for r in rows)} titles read uncased")
        print("  as read now:          " + ", ".join(f"{s} {a:.3f}/{b:.3f}" for s, (_, a, b) in shipped.items()))
        print("  out of fold by site:  " + line(tested, script))
        left, _ = run([s for s in scripts if s != script], [script])
        print("  and the script left out: " + line(left, script))
        for t in sweep or []:
            at = [dict(r, filled=r["showable"] and c >= t) for r, c in zip(tested, conf)]
            print(f"  at {t}: " + line(at, script))
    model = fit_logistic([r for r in rows if r["showable"]])
    written = _choose_under(tested, conf, ENGLISH_WRONG)
    print(f"pooled out-of-fold threshold {written}\n   " + json.dumps(model))
    if write:
        data = json.loads(write.read_text("utf-8"))
        data["title_uncased" if WITH_URL else "title_uncased_no_url"] = {**model, "threshold": written}
        write.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")


def html_titles(dev: Path, traf: Path, folds: int) -> None:
    """The HTML title choice of `merge_html_metadata`, on the dev HTML: trafilatura's
    title alone, the page's <h1> where trafilatura's title goes on from it (shipped),
    and the <h1> whenever there is one; per source right / wrong, then the rule each of
    5 folds grouped by site picks on the other four (by the mean over sources of the
    right share) and its out-of-fold figures."""
    from pipeline.html_headline import headline_leads_title, page_headline

    traf_meta = json.loads(traf.read_text("utf-8"))
    gold, manifest = _gold(dev), _manifest(dev)
    rules = {
        "trafilatura": lambda h, t: t,
        "h1 where trafilatura's title goes on from it": lambda h, t: h if headline_leads_title(h, t) else t,
        "h1 whenever there is one": lambda h, t: h or t,
    }
    pages = []
    for page_id, g in sorted(gold.items()):
        path = dev / "html" / f"{page_id}.html.gz"
        if not g.get("title") or not path.is_file():
            continue
        headline, title = page_headline(read_html(path)), (traf_meta.get(page_id) or {}).get("title")
        verdicts = {}
        for name, rule in rules.items():
            value = rule(headline, title)
            verdicts[name] = (bool(value) and field_right("title", value, g["title"]),
                              bool(value) and not field_right("title", value, g["title"]))
        pages.append({"source": source_of(page_id, g), "site": site_of(g, manifest.get(page_id, {}), page_id),
                      "verdicts": verdicts})

    def shares(group, name):
        by = defaultdict(list)
        for p in group:
            by[p["source"]].append(p["verdicts"][name])
            by["all"].append(p["verdicts"][name])
        return {s: (len(v), sum(r for r, _ in v) / len(v), sum(w for _, w in v) / len(v)) for s, v in sorted(by.items())}

    for name in rules:
        print(name + ": " + ", ".join(f"{s} (n={n}) {a:.3f}/{b:.3f}" for s, (n, a, b) in shares(pages, name).items()))
    fold_of = lambda site: int(hashlib.sha256(site.encode()).hexdigest(), 16) % folds  # noqa: E731
    tested = []
    for k in range(folds):
        train = [p for p in pages if fold_of(p["site"]) != k]
        macro = lambda name: sum(a for s, (_, a, _) in shares(train, name).items() if s != "all")  # noqa: E731
        best = max(rules, key=macro)
        print(f"fold {k}: picks {best}")
        tested += [dict(p, verdicts={"picked": p["verdicts"][best]}) for p in pages if fold_of(p["site"]) == k]
    print("out of fold: " + ", ".join(f"{s} {a:.3f}/{b:.3f}" for s, (_, a, b) in shares(tested, "picked").items()))


def _words(text: str) -> str:
    return " " + fold_title(text) + " "


def ceiling(dev: Path) -> None:
    """Pages whose gold field can be read from the text dump at all: the folded title on
    one line (or as a line's start or end), half the author's name words in the dump, the
    gold day's numbers (year and day, month by number or name) on one line. Beside it
    the stricter bound a one-line reading can reach: the title a whole line, half the
    author's name words on one line of at most 25 words."""
    from pipeline.metadates import find_moments

    gold, manifest = _gold(dev), _manifest(dev)
    counts = defaultdict(lambda: [0, 0, 0])
    for page_id, g in sorted(gold.items()):
        path = dev / "text" / f"{page_id}.txt"
        if not path.is_file():
            continue
        text = path.read_text("utf-8", errors="replace")
        lines = [_words(l) for l in text.splitlines() if l.strip()]
        source = source_of(page_id, g)
        language = manifest.get(page_id, {}).get("language")
        for f, value in gold_fields(g).items():
            strict = None  # the stricter bound: what a reading of one line can give
            if f == "title":
                t = _words(value)
                found = any(t in l for l in lines)
                strict = t in set(lines)  # a whole line is the title
            elif f == "author":
                wanted = name_words(value)
                present = set(re.findall(r"[^\W\d_]+", text.casefold()))
                found = bool(wanted) and 2 * sum(w in present for w in wanted) >= len(wanted)
                # ... on one line of at most 25 words (a byline, not a mention in the story)
                strict = found and any(
                    len(l.split()) <= 25 and 2 * sum(w in set(name_words(l)) for w in wanted) >= len(wanted)
                    for l in lines)
            else:
                moment = parse_moment(value)
                day = moment.date() if hasattr(moment, "date") and callable(moment.date) else moment
                found = False
                if day is not None:
                    for raw in text.splitlines():
                        if str(day.year) not in raw and f"{day.year % 100:02d}" not in raw:
                            continue
                        if any(m.day == day for m in find_moments(raw, language)):
                            found = True
                            break
            for key in (source, "all"):
                counts[(f, key)][0] += 1
                counts[(f, key)][1] += found
                counts[(f, key)][2] += found if strict is None else strict
    for (f, source), (n, found, strict) in sorted(counts.items()):
        print(f"{f:<10} {source:<12} n={n:<4} in the dump: {found / n:.3f}  on one line: {strict / n:.3f}")


def site_names(dev: Path) -> None:
    """The text reader's site name on every dev dump, cleaned with and without its URL:
    how many pages show one, and how many of those are plausible. No gold names the site,
    so "plausible" is a proxy: the name's letters hold the URL host's longest label
    (www, com, co, ... left out) or the label holds them, or both start with the same four
    letters. It is strict ("The New York Times" for nytimes.com counts as not)."""
    from urllib.parse import urlparse

    from pipeline.process import Engine, clean_bytes

    generic = {"www", "com", "org", "net", "co", "uk", "de", "au", "in", "es", "it", "fr", "edu", "gov", "io",
               "ca", "br", "jp", "blogspot", "wordpress", "news"}

    def letters(text: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if c.isalnum())

    def plausible(name: str, host: str) -> bool:
        parts = [p for p in host.split(".") if p not in generic]
        label, got = (letters(max(parts, key=len)) if parts else ""), letters(name)
        return bool(label) and bool(got) and (label in got or got in label or (len(got) >= 4 and got[:4] == label[:4]))

    engine = Engine.load()
    gold = _gold(dev)
    for with_url in (False, True):
        shown = right = 0
        paths = sorted((dev / "text").glob("*.txt"))
        for path in paths:
            url = gold.get(path.stem, {}).get("url")
            name = clean_bytes(path.read_bytes(), path.name, engine, url=url if with_url else None).metadata["site_name"]
            if name:
                shown += 1
                right += plausible(name, urlparse(url or "").hostname or "")
        print(f"{'with' if with_url else 'without'} the URL: {len(paths)} pages, site name shown on {shown}, "
              f"plausible on {right}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("capture", "trafilatura", "score", "fit", "fit-url", "fit-uncased", "ceiling",
                                                "html-titles", "site-names"))
    parser.add_argument("--write", type=Path, help="fit: write the weights and thresholds to this JSON file")
    parser.add_argument("--cap", action="append", default=[], metavar="FIELD=VALUE",
                        help="fit: write at most this threshold (the seeds' readings must stay shown)")
    parser.add_argument("--seeds", type=Path, help="fit: the seeds' folder (seeds/); each threshold is capped at "
                        "the seeds' lowest confidence, their gold in tests/data/gold/seeds")
    parser.add_argument("--sweep", type=float, nargs="*", default=None,
                        help="fit: the out-of-fold right / wrong at these thresholds, and the seeds each would withhold")
    parser.add_argument("--dev", type=Path, required=True, action="extend", nargs="+",
                        help="fit-uncased: several (the ciphered dev folders), each with its --cache")
    parser.add_argument("--cache", type=Path, action="extend", nargs="+")
    parser.add_argument("--traf", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-wrong", type=float, default=0.10)
    parser.add_argument("--worst", type=int, default=0)
    parser.add_argument("--part", type=int, default=0, help="capture: this part of --parts (pages i %% parts)")
    parser.add_argument("--parts", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="fit: keep the written weights, bias and threshold; "
                        "fit only the signals they have no weight for (the URL's)")
    parser.add_argument("--separate", choices=("url", "all"), help="fit-url: a model of its own, every weight "
                        "fitted (on the readings with a URL signal, or on all), for the readings with a URL signal")
    parser.add_argument("--grid", nargs="?", const="all", choices=("all", "switch"),
                        help="fit-url: the URL's title weights on a grid (all three, or the switch's alone), the "
                        "written threshold kept: the most right at no more wrong on any source")
    parser.add_argument("--fields", nargs="*", default=list(FIELDS), help="fit-url: the fields --write writes")
    parser.add_argument("--zero-url", action="store_true", help="fit: the URL's signals weigh nothing (left out)")
    parser.add_argument("--no-url", action="store_true", help="score / fit: read the pages without their URL")
    args = parser.parse_args()
    if args.command == "fit-uncased":
        global WITH_URL
        WITH_URL = not args.no_url
        fit_uncased(args.dev, args.cache, args.folds, args.write, args.sweep)
        return
    args.dev, args.cache = args.dev[0], (args.cache or [None])[0]
    global SEPARATE, GRID, ZERO_URL
    WITH_URL = not args.no_url
    ZERO_URL = args.zero_url
    SEPARATE = args.separate
    GRID = args.grid
    if args.command == "capture":
        capture(args.dev, args.cache.with_name(f"{args.cache.name}.{args.part}"), args.part, args.parts)
    elif args.command == "trafilatura":
        cache_trafilatura(args.dev, args.cache)
    elif args.command == "score":
        score(args.dev, args.cache, args.traf, args.folds, args.max_wrong, args.worst)
    elif args.command == "fit":
        caps = {k: float(v) for k, v in (c.split("=") for c in args.cap)}
        fit(args.dev, args.cache, args.traf, args.folds, args.max_wrong, args.write, caps, args.seeds, args.sweep,
            args.keep)
    elif args.command == "fit-url":
        fit_url(args.dev, args.cache, args.folds, args.write, args.sweep, tuple(args.fields))
    elif args.command == "html-titles":
        html_titles(args.dev, args.traf, args.folds)
    elif args.command == "site-names":
        site_names(args.dev)
    else:
        ceiling(args.dev)


if __name__ == "__main__":
    main()
