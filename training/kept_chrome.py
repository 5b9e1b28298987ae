#!/usr/bin/env python3
"""Where a cv.py run keeps chrome, and which rule kept it: the kept lines the gold lacks,
by the rule that kept them (`keep.body`, `keep.between_body`, ...) and by their place on
the page (above the first kept gold line, inside, below the last one).

    python training/cv.py --workers 2 --train-seeds 20 --model BASE/models --kept --out OUT
    python training/kept_chrome.py OUT [DEV_DIR] --sources sh,wcxb,fundus [--min-oracle 0.1]

Reads OUT/kept.jsonl (every kept line with its rule: `cv.py --kept`), OUT/scores.jsonl
(each page's source) and, for the pages of `--sources` only, the gold bodies: a source
kept out of design is filtered before any of its pages or gold is read. A kept line is
gold when training/align.py's `label_lines` aligns half of its tokens to the gold body.

Two Markdown tables:

- by rule and source: kept lines not in the gold / in it, their tokens, and the summed
  change of page token F1 (pipeline/evaluate.py's bag of words) if every line that rule
  kept were removed, with the pages it would make better / worse: a `keep.*` rule that
  brings in more chrome than body is one to tighten;
- by source, place and rule (and the line's length in words): the oracle, the summed
  change of page F1 if the class's non-gold lines alone were removed (the most a perfect
  remover of that class could gain), with its non-gold and gold lines.

Standard library plus the repository (pipeline/evaluate.py, training/align.py).
"""
import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

from align import label_lines  # noqa: E402
from pipeline.evaluate import prf, tokens  # noqa: E402


def read_jsonl(path: Path):
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def page_f1(pred: Counter, gold: Counter) -> float:
    return prf(sum((pred & gold).values()), sum(pred.values()), sum(gold.values()))[2]


def words_band(text: str) -> str:
    n = len(text.split())
    return "1-3" if n <= 3 else "4-8" if n <= 8 else "9-20" if n <= 20 else "21+"


def page_classes(kept: list[tuple[int, str, str]], gold_text: str):
    """One page: (labels, token counters, base F1, gold counter, {class: [kept index]})
    for the kept lines `kept` [(line, rule, text)] in page order."""
    labels, _ = label_lines([t for _, _, t in kept], gold_text)
    gold = Counter(tokens(gold_text))
    toks = [Counter(tokens(t)) for _, _, t in kept]
    pred = Counter()
    for t in toks:
        pred.update(t)
    body = [i for i, y in enumerate(labels) if y]
    first, last = (body[0], body[-1]) if body else (len(kept), -1)
    classes = defaultdict(list)
    for i, (_, rule, text) in enumerate(kept):
        place = "above" if i < first else "below" if i > last else "inside"
        classes[(place, rule, "all")].append(i)
        classes[(place, rule, words_band(text))].append(i)
    return labels, toks, page_f1(pred, gold), gold, pred, classes


def without(pred: Counter, toks: list[Counter], idx) -> Counter:
    out = pred.copy()
    for i in idx:
        out.subtract(toks[i])
    return +out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="a cv.py --kept output folder")
    ap.add_argument("dev", nargs="?", default=str(ROOT.parent / "shared" / "eval" / "dev"))
    ap.add_argument("--sources", required=True, help="comma-separated sources to read (e.g. sh,wcxb,fundus)")
    ap.add_argument("--min-oracle", type=float, default=0.1,
                    help="print the place table's classes whose oracle reaches this (default 0.1)")
    args = ap.parse_args()
    out, dev = Path(args.out), Path(args.dev)
    wanted = {s for s in args.sources.split(",") if s}
    source = {r["id"]: r["source"] for r in read_jsonl(out / "scores.jsonl")}
    kept = defaultdict(list)
    for r in read_jsonl(out / "kept.jsonl"):
        if source.get(r["id"]) in wanted and r["text"].strip():
            kept[r["id"]].append((r["line"], r["rule"], r["text"]))

    by_rule = defaultdict(lambda: [0, 0, 0, 0, 0.0, 0, 0])  # (rule, source): lines ng/g, tokens ng/g, change, better, worse
    by_place = defaultdict(lambda: [0.0, 0, 0, set()])  # (source, place, rule, words): oracle, ng, g, pages
    for page_id in sorted(kept):
        src = source[page_id]
        lines = sorted(kept[page_id])
        gold_text = (dev / "gold" / f"{page_id}.txt").read_text(encoding="utf-8")
        labels, toks, base, gold, pred, classes = page_classes(lines, gold_text)
        for (place, rule, band), idx in classes.items():
            chrome = [i for i in idx if not labels[i]]
            row = by_place[(src, place, rule, band)]
            if chrome:
                row[0] += page_f1(without(pred, toks, chrome), gold) - base
                row[3].add(page_id)
            row[1] += len(chrome)
            row[2] += len(idx) - len(chrome)
        rules = defaultdict(list)
        for i, (_, rule, _) in enumerate(lines):
            rules[rule].append(i)
        for rule, idx in rules.items():
            row = by_rule[(rule, src)]
            for i in idx:
                k = 0 if labels[i] else 1
                row[1 - k] += 1
                row[3 - k] += sum(toks[i].values())
            change = page_f1(without(pred, toks, idx), gold) - base
            row[4] += change
            row[5] += change > 1e-9
            row[6] += change < -1e-9

    print(f"Kept lines by the rule that kept them ({', '.join(sorted(wanted))}; {len(kept)} pages)\n")
    print("| rule | source | lines not gold / gold | tokens not gold / gold | all its lines removed: summed F1 change | better / worse |")
    print("|---|---|---|---|---|---|")
    for (rule, src), r in sorted(by_rule.items()):
        print(f"| `{rule}` | {src} | {r[0]:,} / {r[1]:,} | {r[2]:,} / {r[3]:,} | {r[4]:+.2f} | {r[5]} / {r[6]} |")
    print("\nThe oracle by place (relative to the kept gold lines), rule and words: non-gold lines removed\n")
    print("| source | place | rule | words | oracle | non-gold / gold lines | pages |")
    print("|---|---|---|---|---|---|---|")
    for (src, place, rule, band), r in sorted(by_place.items(), key=lambda kv: (-kv[1][0], kv[0])):
        if r[0] >= args.min_oracle:
            print(f"| {src} | {place} | `{rule}` | {band} | {r[0]:+.2f} | {r[1]:,} / {r[2]:,} | {len(r[3])} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
