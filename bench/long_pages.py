"""Seconds per MB of cleaning one long page of real text, at 1, 2, 4 and 8 MB: linear
time shows as a flat column. Not a test (times are measured, not asserted).

    python bench/long_pages.py [--dev ../shared/eval/dev] [--sizes 1 2 4 8] [--repeat 1]

A page of N MB is the dev set's text dumps (sorted by id) joined with blank lines until
the next would pass N MB: real menus, bodies and footers, about 24,000 lines a MB. Each
size is cleaned with `process.clean_bytes` in this process (no time limit), after one
warm-up page; wall-clock and CPU seconds are printed (the CPU figure moves less when
the machine is shared). Without --dev (a clone without ../shared), the pages of
tests/data and the seeds are joined again and again, which repeats lines: a weaker
test of the same thing."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.options import Options  # noqa: E402
from pipeline.process import Engine, clean_bytes  # noqa: E402

MB = 1024 * 1024


def long_page(files: list[Path], size: int) -> bytes:
    parts, total = [], 0
    while True:
        for path in files:
            data = path.read_bytes()
            if total + len(data) + 2 > size:
                return b"\n\n".join(parts)
            parts.append(data)
            total += len(data) + 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "dev")
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (the fastest is shown)")
    args = parser.parse_args()
    if (args.dev / "text").is_dir():
        files = sorted((args.dev / "text").glob("*.txt"))
    else:
        files = sorted((ROOT / "tests" / "data" / "pages" / "text").glob("*.txt")) + sorted((ROOT / "seeds").glob("*.txt"))
        print(f"no dev set at {args.dev}: repeating the {len(files)} pages of tests/data and seeds/")
    options = Options(doc_time_limit=0, max_input_bytes=20 * MB)
    clean_bytes(files[0].read_bytes(), "warm-up.txt", Engine.load(options))
    print(f"{'MB':>5s} {'lines':>8s} {'wall s':>8s} {'cpu s':>8s} {'wall s/MB':>10s} {'cpu s/MB':>9s}  status")
    for size in args.sizes:
        data = long_page(files, int(size * MB))
        best = None
        for _ in range(args.repeat):
            engine = Engine.load(options)  # a fresh per-batch memo, as a run has
            wall, cpu = time.perf_counter(), time.process_time()
            result = clean_bytes(data, "long.txt", engine)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if best is None or cpu < best[1]:
                best = (wall, cpu, result)
        wall, cpu, result = best
        mb, lines = len(data) / MB, data.count(b"\n") + 1
        print(f"{mb:5.2f} {lines:8d} {wall:8.1f} {cpu:8.1f} {wall / mb:10.2f} {cpu / mb:9.2f}  "
              f"{result.status.value}", flush=True)


if __name__ == "__main__":
    main()
