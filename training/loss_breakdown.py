#!/usr/bin/env python3
"""Where a cv.py run loses: the summed loss (1 - token F1 of each page) broken down by
source x language, by page length, by where the lost tokens are (body dropped vs chrome
kept, and where on the page the kept chrome sits) and by the rule that dropped the body.

    python training/loss_breakdown.py cv-out [DEV_DIR] [--top 12]

Reads OUT/scores.jsonl, OUT/pred/<id>.txt and OUT/removed.jsonl of a `cv.py` run, the dev
manifest (language) and gold bodies. Prints Markdown tables.

The split is exact per page: with the bag-of-words counts of pipeline/evaluate.py,
1 - F1 = (FP + FN) / (2 TP + FP + FN), so a page's loss is FP / (...) (chrome kept) plus
FN / (...) (body dropped). The body-dropped part is shared among the rules that removed
the lines holding the missing gold tokens (each removed line, in page order, takes the
missing tokens it holds); the chrome-kept part among the kept lines' places (above the
first kept body line, between body lines, below the last one), a kept line being chrome
when fewer than half of its tokens are left in the gold's bag. Standard library only
(pipeline/evaluate.py for the tokens).
"""
import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.evaluate import tokens  # noqa: E402


def read_jsonl(path: Path):
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def page_parts(pred: str, gold: str, removed: list[tuple[int, str, str]]):
    """(loss, fp part, fn part, {rule: fn part}, {place: fp part}) of one page."""
    pc, gc = Counter(tokens(pred)), Counter(tokens(gold))
    tp = sum((pc & gc).values())
    fp, fn = sum(pc.values()) - tp, sum(gc.values()) - tp
    denom = 2 * tp + fp + fn
    if denom == 0:
        return 0.0, 0.0, 0.0, {}, {}
    fp_part, fn_part = fp / denom, fn / denom
    missing = gc - pc
    by_rule = Counter()
    for _, rule, text in sorted(removed):
        for t in tokens(text):
            if missing[t] > 0:
                missing[t] -= 1
                by_rule[rule] += 1
    by_rule["(not in the dump's removed lines)"] += sum(v for v in missing.values() if v > 0)
    total = sum(by_rule.values()) or 1
    rules = {r: fn_part * n / total for r, n in by_rule.items() if n}
    left = Counter(gc)
    kinds = []  # (is body, chrome tokens) per kept line, in order
    for ln in pred.split("\n"):
        toks = tokens(ln)
        if not toks:
            continue
        hit = 0
        for t in toks:
            if left[t] > 0:
                left[t] -= 1
                hit += 1
        kinds.append((hit * 2 >= len(toks), len(toks) - hit))
    body_at = [i for i, (b, _) in enumerate(kinds) if b]
    places = Counter()
    for i, (b, extra) in enumerate(kinds):
        if not extra:
            continue
        if not body_at:
            place = "no body kept"
        elif i < body_at[0]:
            place = "above the body"
        elif i > body_at[-1]:
            place = "below the body"
        else:
            place = "inside the body"
        places[place] += extra
    total = sum(places.values()) or 1
    where = {p: fp_part * n / total for p, n in places.items()}
    return fp_part + fn_part, fp_part, fn_part, rules, where


def bucket(n: int, edges=(100, 300, 1000, 3000)) -> str:
    lo = 0
    for e in edges:
        if n < e:
            return f"{lo}-{e - 1}"
        lo = e
    return f">= {lo}"


def table(title, rows, total):
    out = [f"\n| {title} | pages | mean F1 | loss | share of all loss | chrome kept | body dropped |",
           "|---|---|---|---|---|---|---|"]
    for key, v in rows:
        out.append(f"| {key} | {v['n']} | {v['f1'] / v['n']:.3f} | {v['loss']:.1f} | {100 * v['loss'] / total:.1f} % "
                   f"| {v['fp']:.1f} | {v['fn']:.1f} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("dev", nargs="?", default=str(ROOT.parent / "shared" / "eval" / "dev"))
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args()
    out, dev = Path(args.out), Path(args.dev)
    lang = {r["id"]: r.get("language") or "?" for r in read_jsonl(dev / "manifest.jsonl")}
    removed = defaultdict(list)
    for r in read_jsonl(out / "removed.jsonl") if (out / "removed.jsonl").exists() else []:
        removed[r["id"]].append((r["line"], r["rule"], r["text"]))
    groups = defaultdict(lambda: defaultdict(lambda: {"n": 0, "f1": 0.0, "loss": 0.0, "fp": 0.0, "fn": 0.0}))
    rules, places = defaultdict(Counter), defaultdict(Counter)
    total = 0.0
    for s in read_jsonl(out / "scores.jsonl"):
        pid, src = s["id"], s["source"]
        pred = (out / "pred" / f"{pid}.txt").read_text(encoding="utf-8")
        gold = (dev / "gold" / f"{pid}.txt").read_text(encoding="utf-8")
        loss, fp, fn, by_rule, where = page_parts(pred, gold, removed[pid])
        total += loss
        keys = {"source x language": (src, lang[pid]), "source": (src,),
                "gold words": (src, bucket(s["gold_words"])), "predicted/gold words": (src, bucket(
                    round(100 * s["pred_words"] / max(1, s["gold_words"])), (50, 90, 111, 200, 500)) + " %")}
        for name, key in keys.items():
            g = groups[name][key]
            g["n"] += 1
            g["f1"] += s["tok_f1"]
            g["loss"] += loss
            g["fp"] += fp
            g["fn"] += fn
        for r, v in by_rule.items():
            rules[src][r] += v
            rules["all"][r] += v
        for p, v in where.items():
            places[src][p] += v
            places["all"][p] += v
    print(f"summed loss (sum over pages of 1 - token F1): {total:.1f} over the run's pages")
    for name in ("source", "source x language", "gold words", "predicted/gold words"):
        rows = sorted(groups[name].items(), key=lambda kv: -kv[1]["loss"])
        if name == "source x language":
            rows = rows[:args.top]
        elif name != "source":
            rows = sorted(groups[name].items())
        print(table(name, [(" / ".join(k), v) for k, v in rows], total))
    print("\n| body dropped, by rule | " + " | ".join(sorted(rules)) + " |")
    print("|---" * (len(rules) + 1) + "|")
    top = [r for r, _ in rules["all"].most_common(args.top)]
    for r in top:
        print(f"| {r} | " + " | ".join(f"{rules[s][r]:.1f}" for s in sorted(rules)) + " |")
    print("\n| chrome kept, by place | " + " | ".join(sorted(places)) + " |")
    print("|---" * (len(places) + 1) + "|")
    for p in ("above the body", "inside the body", "below the body", "no body kept"):
        print(f"| {p} | " + " | ".join(f"{places[s][p]:.1f}" for s in sorted(places)) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
