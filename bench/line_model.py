"""CPU time of the line model alone on real dev text dumps. Not a test.

    python bench/line_model.py [DEV_DIR] [--n 300] [--profile]

`score_page` on each of the first N dev dumps (sorted by name, each page's manifest
language), then the reasons for every other line (a run asks for the lines whose decision
the model made, about half). Prints the process CPU time, best of three passes (CPU time,
not wall time: the machine is shared), or with --profile a cProfile by own time.
DEV_DIR defaults to ../shared/eval/dev beside the repository.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.linemodel import load_model, score_page  # noqa: E402
from pipeline.normalise import normalise  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dev", nargs="?", type=Path, default=ROOT.parent / "shared" / "eval" / "dev")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    language = {}
    for line in (args.dev / "manifest.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        language[row["id"]] = row.get("language")
    paths = sorted((args.dev / "text").glob("*.txt"))[:args.n]
    pages = [(normalise(p.read_text("utf-8")).split("\n"), language.get(p.stem)) for p in paths]
    load_model()
    score_page(*pages[0])  # warm-up: the character table, the stoplists

    def run() -> None:
        for lines, code in pages:
            score_page(lines, code).reasons(range(0, len(lines), 2))

    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(run)
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)
        return
    times = []
    for _ in range(3):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    lines = sum(len(p[0]) for p in pages)
    print(f"{len(pages)} pages, {lines} lines: {min(times):.3f} s CPU (best of 3; "
          f"{1000 * min(times) / len(pages):.2f} ms a page)")


if __name__ == "__main__":
    main()
