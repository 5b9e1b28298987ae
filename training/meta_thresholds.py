"""Choose the metadata confidence thresholds (pipeline/metadata.py THRESHOLDS) by folds
grouped by site, from the outputs of one `pipeline eval` run.

Each output's `metadata_evidence` holds, per field, the confidence of the best reading
and its value (the field, or `withheld` when it was below the threshold of that run), so
any threshold can be replayed without cleaning again. Per field, on the training folds,
the threshold is the lowest one whose filled-but-wrong share stays at most `--max-wrong`
on every source; the test fold is scored with it. Sites (the URL's host, else the page
id) never fall in both.

    python training/meta_thresholds.py --pages EVAL_OUT/pages --gold ../shared/eval/dev/gold
"""
from __future__ import annotations

import argparse
import hashlib
import json
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.evaluate_meta import FIELDS, field_right, gold_fields, source_of

GRID = [round(x * 0.05, 2) for x in range(0, 21)] + [1.01]


def site_of(gold: dict, page_id: str) -> str:
    host = gold.get("site") or (urlsplit(gold["url"]).hostname if gold.get("url") else None)
    return (host or page_id).removeprefix("www.")


def readings(pages: Path, gold_dir: Path) -> list[dict]:
    rows = []
    for gold_path in sorted(gold_dir.glob("*.json")):
        gold = json.loads(gold_path.read_text("utf-8"))
        page_id = gold_path.stem
        wanted = gold_fields(gold)
        if not wanted:
            continue
        out = pages / f"{page_id}.json"
        if not out.is_file():
            continue  # not in this run
        meta = json.loads(out.read_text("utf-8"))
        evidence = meta.get("metadata_evidence") or {}
        for field, gold_value in wanted.items():
            ev = evidence.get(field) or {}
            value = meta.get(field) or ev.get("withheld")
            confidence = ev.get("confidence", 1.0 if meta.get(field) else 0.0)
            rows.append({"id": page_id, "site": site_of(gold, page_id), "source": source_of(page_id, gold),
                         "field": field, "confidence": confidence, "filled": bool(value),
                         "right": bool(value) and field_right(field, value, gold_value)})
    return rows


def shares(rows: list[dict], threshold: float) -> dict[str, tuple[float, float]]:
    by_source = defaultdict(list)
    for r in rows:
        by_source[r["source"]].append(r)
    out = {}
    for source, group in by_source.items():
        filled = [r for r in group if r["filled"] and r["confidence"] >= threshold]
        out[source] = (sum(r["right"] for r in filled) / len(group), sum(not r["right"] for r in filled) / len(group))
    return out


def choose(rows: list[dict], max_wrong: float) -> float:
    for threshold in GRID:
        if all(wrong <= max_wrong for _, wrong in shares(rows, threshold).values()):
            return threshold
    return GRID[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", required=True, type=Path)
    parser.add_argument("--gold", required=True, type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-wrong", type=float, default=0.08)
    args = parser.parse_args()
    rows = readings(args.pages, args.gold)
    fold_of = lambda site: int(hashlib.sha256(site.encode()).hexdigest(), 16) % args.folds  # noqa: E731
    report = {}
    for field in FIELDS:
        field_rows = [r for r in rows if r["field"] == field]
        chosen, tested = [], []
        for k in range(args.folds):
            train = [r for r in field_rows if fold_of(r["site"]) != k]
            test = [r for r in field_rows if fold_of(r["site"]) == k]
            threshold = choose(train, args.max_wrong)
            chosen.append(threshold)
            tested += [dict(r, filled=r["filled"] and r["confidence"] >= threshold) for r in test]
        out_of_fold = {s: (round(a, 3), round(b, 3)) for s, (a, b) in shares(tested, 0.0).items()}
        in_sample = choose(field_rows, args.max_wrong)
        report[field] = {"fold_thresholds": chosen, "out_of_fold_right_wrong": out_of_fold,
                         "threshold_all_pages": in_sample,
                         "in_sample_right_wrong": {s: (round(a, 3), round(b, 3)) for s, (a, b) in shares(field_rows, in_sample).items()}}
    print(json.dumps(report, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
