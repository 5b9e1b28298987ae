#!/usr/bin/env python3
"""The rules' probability thresholds chosen inside the site-grouped folds (nested CV).

    python training/nested_thresholds.py --model BASE/models --out OUT [--workers 2] [--grid JSON]

The rules after the line model compare its body probabilities with a few thresholds
(`Options.list_keep_probability`, `between_prose_probability`, `last_prose_probability`,
`header_run_probability`...). They were chosen on the held-out errors of all five folds:
scoring those folds with them leaks a little. Here each fold's thresholds are chosen on
the other four folds only, and the fold is then scored with its own choice:

1. every grid value of every threshold, the others as shipped, cleans every fold with the
   fold models of an earlier `cv.py` run (`--model BASE/models`: no training; the same
   cleaning as `cv.py --model BASE/models --set KEY=VALUE`);
2. for held-out fold f, each threshold takes the grid value that scores best on the
   other folds, one threshold at a time (the shipped value on a tie), where the score
   is the mean over the design sources (`--design`, each source weighing the same) of
   their pages' token F1; the other sources' pages are cleaned and scored but never
   read for a choice;
3. fold f is cleaned with the combination chosen for it and scored.

Writes OUT/grid/<name>.jsonl (per page token F1 of each grid value), OUT/choices.json
(each fold's choice and the choice on all five folds) and OUT/scores.jsonl (the nested
figure, each page cleaned with its fold's choice; `compare_cv.py BASE/scores.jsonl
OUT/scores.jsonl` pairs it with the base), and prints per source the mean token F1 of
each grid value (all folds; the design sources only) and of the nested choice.
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # shared 2-core machine

import argparse
import json
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

import cv  # noqa: E402
from pipeline import linemodel as lm  # noqa: E402
from pipeline.evaluate import score_page  # noqa: E402
from pipeline.options import Options  # noqa: E402
from pipeline.process import Engine  # noqa: E402
from pipeline.runner import clean_source  # noqa: E402
from pipeline.siteprofile import learn_sites  # noqa: E402
from pipeline.sources import discover  # noqa: E402
from pipeline.state import STATE_DIR  # noqa: E402

# A small grid around each shipped value (the shipped value included).
GRID = {
    "list_keep_probability": [0.15, 0.2, 0.25, 0.3, 0.35],
    "between_prose_probability": [0.2, 0.25, 0.3, 0.35, 0.4],
    "last_prose_probability": [0.2, 0.25, 0.3, 0.35, 0.4],
    "header_run_probability": [0.7, 0.75, 0.8, 0.85, 0.9],
    "header_keep_probability": [0.8, 0.9, 0.95, 1.0],
}
DESIGN = ("sh", "wcxb", "fundus")


def clean_fold(job):
    """Clean fold `f`'s dumps with the fold's model under each of `configs` ({name:
    overrides}): {name: {id: token F1 row}}. Site learning reads no option, so it runs
    once for all of them."""
    f, part, k, dev, work, model_dir, configs = job
    test = [d for d in cv._DOCS if cv.tlm.fold_of(d["host"], k) == f]
    pages = work / f"fold-{f}-{part}"
    shutil.rmtree(pages, ignore_errors=True)
    for d in test:
        folder = pages / "in" / (cv._UNSAFE.sub("_", d["host"]) or "site")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dev / "text" / f"{d['id']}.txt", folder / f"{d['id']}.txt")
    model_path = Path(model_dir) / f"fold-{f}.json"
    threshold = lm.load_model(str(model_path))["threshold"]
    sources = discover([str(pages / "in")])
    learn_sites(sources, pages / "state" / STATE_DIR, Options().max_input_bytes)
    by_id = {d["id"]: d for d in test}
    out = {}
    for name, overrides in configs.items():
        options = Options(**{"doc_time_limit": 0, "line_model_threshold": threshold, **overrides})
        engine = replace(Engine.load(options, out_dir=pages / "state"), line_model=str(model_path))
        rows = {}
        for source in sources:
            _, result = clean_source(source, engine)
            d = by_id[Path(source.path).stem]
            s = score_page(d["id"], d["source"], result.body or "", d["gold"])
            rows[d["id"]] = {**s.to_dict(), "fold": f, "site": d["host"]}
        out[name] = rows
    shutil.rmtree(pages, ignore_errors=True)
    return f, out


def run(configs, k, dev, work, model_dir, workers, folds=None):
    """{name: {id: row}} over the folds given ({fold: [names]}, default all of them)."""
    present = {cv.tlm.fold_of(d["host"], k) for d in cv._DOCS}
    folds = {f: names for f, names in (folds or {f: list(configs) for f in range(k)}).items() if f in present}
    # a fold's configurations in parts of about three, so the workers finish together
    jobs = [(f, p, k, dev, work, model_dir, {n: configs[n] for n in names[p::parts]})
            for f, names in folds.items() for parts in [max(1, len(names) // 3)] for p in range(parts)]
    if workers > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(clean_fold, jobs, chunksize=1)
    else:
        results = [clean_fold(job) for job in jobs]
    merged = {}
    for _, out in results:
        for name, rows in out.items():
            merged.setdefault(name, {}).update(rows)
    return merged


def objective(rows, folds, design):
    """Mean over the design sources (each weighing the same) of their pages' mean token F1
    on the given folds."""
    means = []
    for s in design:
        vals = [r["tok_f1"] for r in rows.values() if r["source"] == s and r["fold"] in folds]
        if vals:
            means.append(sum(vals) / len(vals))
    return sum(means) / len(means) if means else 0.0


def choose(grid_rows, grid, shipped, folds, design):
    """Each threshold's best grid value on `folds` (the others as shipped; the shipped
    value on a tie)."""
    chosen = {}
    for key, values in grid.items():
        best, best_score = shipped[key], objective(grid_rows[config_name(key, shipped[key])], folds, design)
        for v in values:
            score = objective(grid_rows[config_name(key, v)], folds, design)
            if score > best_score + 1e-12:
                best, best_score = v, score
        chosen[key] = best
    return chosen


def config_name(key, value):
    return f"{key}={value}"


def per_source(rows):
    out = {}
    for r in rows.values():
        out.setdefault(r["source"], []).append(r["tok_f1"])
        out.setdefault("all", []).append(r["tok_f1"])
    return {s: sum(v) / len(v) for s, v in out.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dev", nargs="?", default=str(ROOT.parent / "shared" / "eval" / "dev"))
    ap.add_argument("--model", required=True, help="FOLDER/fold-K.json: the fold models of an earlier cv.py run")
    ap.add_argument("--out", required=True)
    ap.add_argument("--folds", type=int, default=cv.tlm.N_FOLDS)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--grid", default=None, help="JSON {option: [values]} (default: GRID)")
    ap.add_argument("--design", default=",".join(DESIGN), help="the sources a choice reads")
    args = ap.parse_args()
    dev, out = Path(args.dev), Path(args.out)
    grid = json.loads(args.grid) if args.grid else GRID
    design = tuple(s for s in args.design.split(",") if s)
    defaults = Options()
    shipped = {key: getattr(defaults, key) for key in grid}
    for key, values in grid.items():
        if shipped[key] not in values:
            values.append(shipped[key])

    t0 = time.time()
    cv._DOCS = cv.load_docs(dev, out / "cache")
    configs = {config_name(key, v): {key: v} for key, values in grid.items() for v in values}
    # the shipped values: one run stands for every key's shipped name
    base_name = "shipped"
    unique = {base_name: {}, **{n: c for n, c in configs.items() if c[next(iter(c))] != shipped[next(iter(c))]}}
    print(f"{len(cv._DOCS)} pages; {len(unique)} configurations; shipped {shipped}", flush=True)
    grid_dir = out / "grid"
    grid_dir.mkdir(parents=True, exist_ok=True)
    todo = {n: c for n, c in unique.items() if not (grid_dir / f"{n}.jsonl").exists()}
    if todo:
        done = run(todo, args.folds, dev, out / "work", args.model, args.workers)
        for name, rows in done.items():
            (grid_dir / f"{name}.jsonl").write_text(
                "".join(json.dumps(rows[i], sort_keys=True) + "\n" for i in sorted(rows)), encoding="utf-8")
    grid_rows = {}
    for name in unique:
        rows = {}
        for ln in (grid_dir / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            r = json.loads(ln)
            rows[r["id"]] = r
        grid_rows[name] = rows
    for key in grid:
        grid_rows[config_name(key, shipped[key])] = grid_rows[base_name]
    print(f"grid cleaned in {time.time() - t0:.0f}s", flush=True)

    all_folds = {r["fold"] for r in grid_rows[base_name].values()}  # the folds with pages
    print("\nmean token F1 per design source (all folds), each grid value, the others as shipped:")
    print(f"{'option=value':<36}" + "".join(f"{s:>9}" for s in design) + f"{'design':>9}")
    for key, values in grid.items():
        for v in sorted(values):
            ps = per_source(grid_rows[config_name(key, v)])
            print(f"{config_name(key, v):<36}" + "".join(f"{ps.get(s, 0):>9.4f}" for s in design)
                  + f"{objective(grid_rows[config_name(key, v)], all_folds, design):>9.4f}")

    choices = {f: choose(grid_rows, grid, shipped, all_folds - {f}, design) for f in sorted(all_folds)}
    overall = choose(grid_rows, grid, shipped, all_folds, design)
    print("\neach fold's choice (on the other folds):")
    for f, c in choices.items():
        print(f"  fold {f}: " + ", ".join(f"{k}={v}" for k, v in c.items()))
    print("  all folds: " + ", ".join(f"{k}={v}" for k, v in overall.items()))
    (out / "choices.json").write_text(json.dumps({"folds": choices, "all": overall, "shipped": shipped,
                                                  "grid": grid, "design": design}, indent=1) + "\n")

    # each fold cleaned with its own choice
    nested_configs = {f"fold{f}": {k: v for k, v in c.items() if v != shipped[k]} for f, c in choices.items()}
    need = {f: [f"fold{f}"] for f in choices if nested_configs[f"fold{f}"]}
    nested = {i: r for i, r in grid_rows[base_name].items() if r["fold"] not in need}
    if need:
        done = run(nested_configs, args.folds, dev, out / "work", args.model, args.workers, folds=need)
        for name, rows in done.items():
            nested.update(rows)
    rows = sorted(nested.values(), key=lambda r: (r["tok_f1"], r["id"]))
    (out / "scores.jsonl").write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), encoding="utf-8")
    base, nest = per_source(grid_rows[base_name]), per_source(nested)
    print("\ndesign sources, token F1: shipped values / each fold's own choice (nested); every source: compare_cv.py")
    for s in design:
        if s in base:
            print(f"  {s:<12} {base[s]:.4f} / {nest[s]:.4f}")
    print(f"\n{time.time() - t0:.0f}s; pair with: python training/compare_cv.py BASE/scores.jsonl {out / 'scores.jsonl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
