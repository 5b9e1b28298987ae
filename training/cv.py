#!/usr/bin/env python3
"""Site-grouped cross-validation of the whole text-dump pipeline.

    python training/cv.py [DEV_DIR] [--folds 5] [--workers 1] [--out cv-out] [--worst 10]

The dev pages are split into folds by site (the manifest's `site`, else the URL's host;
md5 of the site, so the folds never change). For each fold, the line model is trained
on the other folds (training/train_line_model.py's settings, seeded), and the fold's text
dumps are cleaned by the whole pipeline with that model, through the library (no
Prefect): rules, line model, site learning (over the fold's pages, one folder a site, as
a user who keeps a site's pages together would run it), metadata claims, in-page
duplicates and the settle pass. The bodies are scored with pipeline/evaluate.py (the
metrics of shared/eval/score.py) and the script prints token F1/P/R per source, the
line model alone on the same folds, and the worst pages.

`--group source`: one fold a source instead (leave one source out: trained on the other
sources' pages only, a site found in two sources kept out of training), a collection of
other years, languages and gold conventions than the model learned from.

Deterministic: sorted inputs, md5 folds, `random_state=0`, one thread per training.
Writes OUT/pred/<id>.txt (the held-out bodies), OUT/models/fold-K.json,
OUT/scores.jsonl, OUT/model_scores.jsonl (the line model alone, per page) and OUT/removed.jsonl (every removed line with its rule; with `--kept`, OUT/kept.jsonl:
every kept line with the rule that kept it, for training/kept_chrome.py; with `--probs`, OUT/probs.jsonl: the line
model's held-out probability of each line). Page features and labels are cached under OUT/cache (keyed by the
code that makes them). `--workers 2` trains and cleans two folds at once.
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # shared 2-core machine

import argparse
import hashlib
import json
import pickle
import re
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

import train_line_model as tlm  # noqa: E402
from align import label_lines  # noqa: E402
from pipeline import linemodel as lm  # noqa: E402
from pipeline import sequence  # noqa: E402
from pipeline.linemodel.forest import sigmoid  # noqa: E402
from pipeline.evaluate import by_source, score_page, table  # noqa: E402
from pipeline.options import Options  # noqa: E402
from pipeline.process import Engine  # noqa: E402
from pipeline.runner import clean_source  # noqa: E402
from pipeline.siteprofile import learn_sites  # noqa: E402
from pipeline.sources import discover  # noqa: E402
from pipeline.state import STATE_DIR  # noqa: E402

_DOCS = []  # the loaded pages, shared with forked fold workers
_EXTRA = []  # --extra-train's pages (training only), shared the same way


def load_docs(dev: Path, cache: Path):
    """train_line_model.load(dev), cached: keyed by the code that makes features/labels
    (train_line_model.load and site_of are not in the key: clear the cache after
    changing them)."""
    key = hashlib.sha256()
    for path in (*sorted((ROOT / "pipeline" / "linemodel").glob("*.py")), ROOT / "pipeline" / "language.py",
                 ROOT / "pipeline" / "data" / "stoplists.json", ROOT / "training" / "align.py", dev / "manifest.jsonl"):
        key.update(path.read_bytes())
    cached = cache / f"docs-{key.hexdigest()[:16]}.pickle"
    if cached.exists():
        return pickle.loads(cached.read_bytes())
    docs = tlm.load(dev)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(docs, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(tmp, cached)
    return docs


def relabel(docs, min_cover, min_block):
    """The training labels again with other alignment settings (the seeds' labels are exact
    and stay); the scores still read the gold text."""
    changed = 0
    for d in docs:
        labels, _ = label_lines(d["lines"], d["gold"], min_cover=min_cover, min_block=min_block)
        y = [labels[i] for i in d["idx"]]
        changed += sum(a != b for a, b in zip(y, d["y"]))
        d["y"] = y
    print(f"relabelled: min_cover {min_cover}, min_block {min_block}: {changed} line labels changed", flush=True)


def model_spec(clf, threshold, caseless=None):
    spec = {"format": "hgb-trees-v1", "threshold": threshold, "features": lm.FEATURES, "params": tlm.PARAMS,
            "stage1": tlm.export_forest(clf)}
    if caseless is not None:  # the model for pages without case (train_line_model.CASELESS_MODEL)
        spec["caseless"] = {"without": list(tlm.CASE_FEATURES), "stage1": tlm.export_forest(caseless)}
    return spec


_UNSAFE = re.compile(r"[^\w.-]+")


def _sources() -> list[str]:
    return sorted({d["source"] for d in _DOCS})


def _fold_by(group: str, k: int):
    """A page's fold: md5 of its site (`site`), or its source (`source`: leave one source
    out, a collection of other years, languages and gold conventions than the training's)."""
    if group == "source":
        index = {s: n for n, s in enumerate(_sources())}
        return lambda d: index[d["source"]]
    return lambda d: tlm.fold_of(d["host"], k)


def run_fold(job):
    """Train without fold `f`, clean fold `f`'s dumps with the pipeline: {id: (body, status, reason)}
    and the model's own held-out probabilities {id: [p per non-blank line]}."""
    f, k, dev, out, threshold, params, per_site, fixed_model, extra, page_power, only, overrides, group = job
    docs = _DOCS
    fold = _fold_by(group, k)
    test = [d for d in docs if fold(d) == f and (not only or d["source"] in only)]
    # No site in both (with folds by source, a site in two sources stays out of training).
    held_sites = {d["host"] for d in docs if fold(d) == f}
    train = [d for d in docs if fold(d) != f and d["host"] not in held_sites] + extra
    # other versions of the dev pages (--extra-train: ciphers), of the training folds' sites only
    train += [d for d in _EXTRA if fold(d) != f and d["host"] not in held_sites]
    if fixed_model:  # no training: the given model on every fold (in-sample if it saw them),
        # or, given a folder, the model an earlier run trained for this fold (still grouped)
        model_path = Path(fixed_model) / f"fold-{f}.json" if Path(fixed_model).is_dir() else Path(fixed_model)
        forest = lm.load_model(str(model_path))["stage1"]
        probs = {d["id"]: [sigmoid(z) for z in forest.raw_many(d["rows"])[0]] if d["rows"] else [] for d in test}
    else:
        clf = tlm.fit(train, "rows", params=params, per_site=per_site, page_power=page_power)
        caseless = (tlm.fit(train, "rows", params={**params, "case_blind": True}, per_site=per_site,
                            page_power=page_power) if tlm.CASELESS_MODEL else None)
        model_path = out / "models" / f"fold-{f}.json"
        model_path.parent.mkdir(parents=True, exist_ok=True)
        model_path.write_text(json.dumps(model_spec(clf, threshold, caseless), separators=(",", ":")) + "\n",
                              encoding="utf-8")
        probs = dict(zip((d["id"] for d in test), tlm.predict(clf, test, "rows")))

    # The fold's dumps, one folder a site (site learning reads a page's site from its folder).
    pages = out / "work" / f"fold-{f}"
    shutil.rmtree(pages, ignore_errors=True)
    for d in test:
        folder = pages / "in" / (_UNSAFE.sub("_", d["host"]) or "site")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(dev / "text" / f"{d['id']}.txt", folder / f"{d['id']}.txt")
    # The threshold the fold is cleaned at: the trained model carries it; a given model
    # (`--model`) is cleaned at `--threshold` when one is given.
    options = Options(**{"doc_time_limit": 0, "line_model_threshold": threshold, **overrides})
    sources = discover([str(pages / "in")])
    learn_sites(sources, pages / "state" / STATE_DIR, options.max_input_bytes)
    engine = replace(Engine.load(options, out_dir=pages / "state"), line_model=str(model_path))
    cleaned = {}
    for source in sources:
        _, result = clean_source(source, engine)
        cleaned[Path(source.path).stem] = (result.body or "", result.status.value, result.reason,
                                           [(d.line, d.rule, d.text) for d in result.removed],
                                           [(d.line, d.rule, d.text) for d in result.kept])
    shutil.rmtree(pages, ignore_errors=True)
    return f, cleaned, probs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dev", nargs="?", default=str(ROOT.parent / "shared" / "eval" / "dev"))
    ap.add_argument("--folds", type=int, default=tlm.N_FOLDS)
    ap.add_argument("--workers", type=int, default=1, help="folds trained and cleaned at once (default 1)")
    ap.add_argument("--group", choices=("site", "source"), default="site",
                    help="folds by site (default; --folds of them) or one a source: leave one source out, "
                         "trained on the other sources' pages only")
    ap.add_argument("--out", default=str(ROOT / "cv-out"))
    ap.add_argument("--worst", type=int, default=10)
    ap.add_argument("--threshold", type=float, default=None,
                    help="the line model's threshold (default: the shipped model's)")
    ap.add_argument("--model", default=None,
                    help="no training: clean every fold with this model file (e.g. the shipped one: "
                         "in-sample on the pages it was trained on), or with FOLDER/fold-K.json, the "
                         "fold models an earlier run wrote (OUT/models: still grouped, for trying rules)")
    ap.add_argument("--train-seeds", type=float, default=0.0,
                    help="also train every fold on the seed pages, each weighing this many dev pages "
                         "(as the shipped model is trained; 0: not)")
    ap.add_argument("--extra-train", action="append", default=[], metavar="DEV_DIR",
                    help="also train on this dev folder's pages (e.g. training/cipher.py's ciphers of the "
                         "dev pages), each in its site's fold: trained on where its site is, never cleaned "
                         "(repeatable)")
    ap.add_argument("--seeds", default=str(ROOT.parent / "shared" / "seeds"))
    ap.add_argument("--seeds-gold", default=str(ROOT.parent / "shared" / "gold" / "seeds"))
    ap.add_argument("--params", default="{}", help="JSON overrides of train_line_model.PARAMS")
    ap.add_argument("--per-site", choices=("yes", "no", "default"), default="default",
                    help="weight each site the same in training (default: train_line_model.PER_SITE)")
    ap.add_argument("--page-power", type=float, default=None,
                    help="a page weighs (its lines) ** this in training (default: train_line_model.PAGE_POWER)")
    ap.add_argument("--sources", default="",
                    help="comma-separated sources to clean and score (e.g. readability,fundus; training "
                         "still uses every other fold's pages of all sources): a quicker design")
    ap.add_argument("--drop", default="",
                    help="comma-separated features to leave out of training (their columns set to 0, "
                         "so no tree splits on them): an ablation without touching the registry")
    ap.add_argument("--sequence", default=None,
                    help='JSON overrides of the sequence labelling (pipeline/data/sequence.json), e.g. '
                         '\'{"switch": 0}\' for the plain threshold')
    ap.add_argument("--kept", action="store_true",
                    help="also write OUT/kept.jsonl: every kept line with the rule that kept it")
    ap.add_argument("--probs", action="store_true",
                    help="also write OUT/probs.jsonl: the line model's held-out body probability of each "
                         "non-blank line of each page ({id, idx: 0-based line numbers of the dump, p})")
    ap.add_argument("--min-cover", type=float, default=None,
                    help="relabel the training lines: body when this share of their tokens align with the gold "
                         "(training/align.py label_lines; default 0.5 as cached)")
    ap.add_argument("--min-block", type=int, default=None,
                    help="relabel: aligned blocks shorter than this many tokens do not count (default 2)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                    help="an Options field for the pipeline's cleaning, e.g. header_keep_probability=0.9 "
                         "(repeatable; with --model, rules and settings are tried in minutes)")
    args = ap.parse_args()
    overrides = {key: json.loads(value) for key, _, value in (s.partition("=") for s in args.set)}
    if args.sequence:  # read by the forked fold workers too
        sequence.PARAMS = {**sequence.shipped_params(), **json.loads(args.sequence)}
    dev, out = Path(args.dev), Path(args.out)
    shipped = args.model and not Path(args.model).is_dir()
    threshold = args.threshold if args.threshold is not None else lm.load_model(args.model if shipped else None)["threshold"]
    params = json.loads(args.params)
    per_site = None if args.per_site == "default" else args.per_site == "yes"

    t0 = time.time()
    global _DOCS, _EXTRA
    _DOCS = load_docs(dev, out / "cache")
    _EXTRA = [d for extra_dev in args.extra_train for d in load_docs(Path(extra_dev), out / "cache")]
    print(f"{len(_DOCS)} pages, {len({d['host'] for d in _DOCS})} sites, "
          f"{'one fold a source (' + ', '.join(_sources()) + ')' if args.group == 'source' else f'{args.folds} folds by site'}; "
          f"threshold {threshold}; params {params or 'as shipped'}; per-site weights "
          f"{tlm.PER_SITE if per_site is None else per_site}; sequence {sequence.params()}; options {overrides or 'default'}; loaded in {time.time() - t0:.0f}s", flush=True)
    if args.min_cover is not None or args.min_block is not None:
        relabel(_DOCS, 0.5 if args.min_cover is None else args.min_cover, 2 if args.min_block is None else args.min_block)
    extra = tlm.seed_docs(args.seeds, args.seeds_gold, args.train_seeds) if args.train_seeds else []
    if args.drop:
        cols = [lm.FEATURES.index(name) for name in args.drop.split(",") if name]
        for d in (*_DOCS, *extra):
            d["rows"] = [[0.0 if j in cols else v for j, v in enumerate(r)] for r in d["rows"]]
        print(f"left out of training: {args.drop}", flush=True)
    only = frozenset(s for s in args.sources.split(",") if s)
    folds = len(_sources()) if args.group == "source" else args.folds
    jobs = [(f, folds, dev, out, threshold, params, per_site, args.model, extra, args.page_power, only, overrides,
             args.group) for f in range(folds)]
    if args.workers > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(args.workers) as pool:
            results = pool.map(run_fold, jobs, chunksize=1)
    else:
        results = [run_fold(job) for job in jobs]
    print(f"folds done in {time.time() - t0:.0f}s", flush=True)

    fold_of = {}
    cleaned, probs = {}, {}
    for f, c, p in results:
        cleaned.update(c)
        probs.update(p)
        fold_of.update({i: f for i in c})
    pred = out / "pred"
    shutil.rmtree(pred, ignore_errors=True)
    pred.mkdir(parents=True)
    scores, model_scores, failed, ledger, kept_ledger = [], [], [], [], []
    scored = [d for d in _DOCS if d["id"] in cleaned]
    for d in scored:
        body, status, reason, removed, kept_lines = cleaned[d["id"]]
        ledger.extend(json.dumps({"id": d["id"], "line": n, "rule": r, "text": t}, ensure_ascii=False) + "\n"
                      for n, r, t in removed)
        if args.kept:
            kept_ledger.extend(json.dumps({"id": d["id"], "line": n, "rule": r, "text": t}, ensure_ascii=False) + "\n"
                               for n, r, t in kept_lines)
        if status == "rejected" and reason and reason.startswith("internal error"):
            failed.append((d["id"], reason))
        (pred / f"{d['id']}.txt").write_text(body, encoding="utf-8")
        scores.append(score_page(d["id"], d["source"], body, d["gold"]))
        kept = "\n\n".join(d["lines"][i].strip() for i, q in zip(d["idx"], probs[d["id"]]) if q >= threshold)
        model_scores.append(score_page(d["id"], d["source"], kept, d["gold"]))
    name = "pipeline, given model" if shipped else "pipeline (grouped CV)"
    groups = {(name, s): v for s, v in by_source(scores).items()}
    groups.update({("line model alone" + ("" if shipped else " (CV)"), s): v for s, v in by_source(model_scores).items()})
    print(table(groups))
    rejected = [(d["id"], cleaned[d["id"]][2]) for d in scored if cleaned[d["id"]][1] == "rejected"]
    print(f"\nrejected {len(rejected)} (internal errors: {len(failed)})")
    for page_id, reason in rejected:
        print(f"  {page_id}: {reason}")
    site = {d["id"]: d["host"] for d in _DOCS}
    print(f"\nworst {args.worst} pages (token F1, P, R, fold, site):")
    for s in sorted(scores, key=lambda s: (s.tok_f1, s.id))[:args.worst]:
        print(f"  {s.tok_f1:.3f}  P {s.tok_p:.3f} R {s.tok_r:.3f}  fold {fold_of[s.id]}  {s.id}  ({site[s.id]})")
    rows = sorted(({**s.to_dict(), "fold": fold_of[s.id], "site": site[s.id]} for s in scores),
                  key=lambda r: (r["tok_f1"], r["id"]))
    (out / "removed.jsonl").write_text("".join(ledger), encoding="utf-8")  # every removed line, its rule
    if args.kept:
        (out / "kept.jsonl").write_text("".join(kept_ledger), encoding="utf-8")  # every kept line, its rule
    if args.probs:  # the model alone, before any rule: the near misses a rule may take back
        (out / "probs.jsonl").write_text("".join(
            json.dumps({"id": d["id"], "idx": d["idx"], "p": [round(q, 4) for q in probs[d["id"]]]}) + "\n"
            for d in scored), encoding="utf-8")
    (out / "scores.jsonl").write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows), encoding="utf-8")
    # the line model alone, per page (compare_cv.py pairs two runs' model_scores.jsonl too)
    (out / "model_scores.jsonl").write_text("".join(json.dumps({**s.to_dict(), "fold": fold_of[s.id]}, sort_keys=True) + "\n"
                                                    for s in model_scores), encoding="utf-8")
    print(f"\n{time.time() - t0:.0f}s; bodies in {pred}, per-page scores in {out / 'scores.jsonl'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
