#!/usr/bin/env python3
"""Apply the shipped line model (pure-Python walker) to the dev text dumps and score it.

    python training/eval_line_model.py [DEV_DIR] [--pred pred/linemodel] [--model PATH]

Writes <id>.txt per page (kept lines, one paragraph per line, blank line between) into
--pred and prints score.py's per-source table.  DEV_DIR defaults to ../shared/eval/dev
relative to the repository root; the scorer is DEV_DIR/../score.py.  Also checks the seeds
(every gold line kept) when --seeds/--seeds-gold exist.
"""
import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import linemodel as lm  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dev", nargs="?", default=str(ROOT.parent / "shared" / "eval" / "dev"))
    ap.add_argument("--pred", default=str(ROOT / "pred" / "linemodel"))
    ap.add_argument("--model", default=None, help="model JSON (default: the shipped one)")
    ap.add_argument("--seeds", default=str(ROOT.parent / "shared" / "seeds"))
    ap.add_argument("--seeds-gold", default=str(ROOT.parent / "shared" / "gold" / "seeds"))
    args = ap.parse_args()
    dev, pred = Path(args.dev), Path(args.pred)
    sys.path.insert(0, str(dev.parent))
    import score

    model = lm.load_model(args.model)
    thr = model["threshold"]
    langs = {}
    for ln in (dev / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        if ln.strip():
            row = json.loads(ln)
            langs[row["id"]] = row.get("language")
    pred.mkdir(parents=True, exist_ok=True)
    t0, n_lines = time.time(), 0
    for path in sorted((dev / "text").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").split("\n")
        scores = lm.score_lines(lines, langs.get(path.stem), args.model)
        n_lines += len(lines)
        kept = [ln.strip() for ln, s in zip(lines, scores) if s.body_prob >= thr]
        (pred / path.name).write_text("\n\n".join(kept) + "\n", encoding="utf-8")
    dt = time.time() - t0
    print(f"scored {n_lines} lines in {dt:.1f}s ({1000 * dt / max(1, n_lines):.3f} ms/line), threshold {thr}")
    print(score.table(score.score_dirs(pred, dev / "gold", 0), str(pred.relative_to(ROOT)
                                                                     if pred.is_relative_to(ROOT) else pred)))

    seeds, sgold = Path(args.seeds), Path(args.seeds_gold)
    if seeds.is_dir() and sgold.is_dir():
        for path in sorted(seeds.glob("*.txt")):
            meta = json.loads((sgold / f"{path.stem}.json").read_text(encoding="utf-8"))
            lines = path.read_text(encoding="utf-8").split("\n")
            scores = lm.score_lines(lines, meta.get("language"), args.model)
            body = meta.get("body_lines") or []
            lost = [n for n in body if scores[n - 1].body_prob < thr]
            extra = [n for n, s in enumerate(scores, 1) if s.body_prob >= thr and n not in body]
            status = "OK" if not lost else "LOST " + ", ".join(
                f"{n} (p={scores[n - 1].body_prob:.2f}: {'; '.join(scores[n - 1].reasons)})" for n in lost)
            print(f"seed {path.stem}: {len(body)} gold lines, {status}; also kept: {extra}")


if __name__ == "__main__":
    main()
