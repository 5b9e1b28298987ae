#!/usr/bin/env python3
"""The figures of a cipher run (training/cipher.py) beside the English run on the same
pages: token F1 per source and cipher, the gap to English, and the removed lines' rules
whose counts moved most.

    python training/cipher_report.py EN_CV_OUT CIPHER_CV_OUT [CIPHER_CV_OUT ...] [--rules 12]
        [--rule-sources sh,wcxb,fundus]

Pages are paired by id (the ciphered run holds the English pages only). Rule counts are
read on `--rule-sources` only (the design sources).
"""
import argparse
import json
from collections import Counter
from pathlib import Path


def read_scores(out: Path) -> dict:
    return {r["id"]: r for r in map(json.loads, (out / "scores.jsonl").read_text(encoding="utf-8").splitlines()) if r}


def rule_counts(out: Path, ids: set) -> Counter:
    counts = Counter()
    for ln in (out / "removed.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(ln)
        if r["id"] in ids:
            counts[r["rule"]] += 1
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("english")
    ap.add_argument("ciphers", nargs="+")
    ap.add_argument("--rules", type=int, default=12)
    ap.add_argument("--rule-sources", default="sh,wcxb,fundus")
    args = ap.parse_args()
    en = read_scores(Path(args.english))
    runs = {Path(c).name: read_scores(Path(c)) for c in args.ciphers}
    ids = set(en)
    for scores in runs.values():
        ids &= set(scores)
    sources = sorted({en[i]["source"] for i in ids}) + ["all"]
    head = "| source (pages) | English | " + " | ".join(f"{n} (gap)" for n in runs) + " |"
    print(head)
    print("|---" * (2 + len(runs)) + "|")
    for source in sources:
        page_ids = sorted(i for i in ids if source == "all" or en[i]["source"] == source)
        base = sum(en[i]["tok_f1"] for i in page_ids) / len(page_ids)
        cells = []
        for scores in runs.values():
            f1 = sum(scores[i]["tok_f1"] for i in page_ids) / len(page_ids)
            cells.append(f"{f1:.3f} ({f1 - base:+.3f})")
        print(f"| {source} ({len(page_ids)}) | {base:.3f} | " + " | ".join(cells) + " |")
    design = {i for i in ids if en[i]["source"] in args.rule_sources.split(",")}
    base_rules = rule_counts(Path(args.english), design)
    print(f"\nremoved lines by rule on {args.rule_sources} ({len(design)} pages): English, then each cipher "
          f"(the rules whose count moved most)")
    for name, c in zip(runs, args.ciphers):
        rules = rule_counts(Path(c), design)
        moved = sorted(set(rules) | set(base_rules), key=lambda r: -abs(rules[r] - base_rules[r]))[:args.rules]
        print(f"  {name}: " + ", ".join(f"{r} {base_rules[r]}->{rules[r]}" for r in moved))


if __name__ == "__main__":
    main()
