"""Time the steps on hostile lines and the cost of the per-document time limit.

    python bench/hostile.py [--chars 200000]

Prints seconds per case; figures in README ("Hostile input") come from this script.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from pipeline.dates import find_dates
from pipeline.lexicon import Lexicon
from pipeline.options import Options
from pipeline.runner import run

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chars", type=int, default=200_000, help="length of each hostile line")
    args = parser.parse_args()
    n = args.chars
    lexicon = Lexicon.load()
    cases = {
        "'by clicking ' repeated": "by clicking " * (n // 12),
        "'(photo:' repeated": "(photo:" * (n // 7),
        "'2025-1-1 ' repeated": "2025-1-1 " * (n // 9),
        "'word ' repeated": "word " * (n // 5),
    }
    print(f"one line of {n:,} characters:")
    for name, line in cases.items():
        for step, fn in (("lexicon", lexicon.match), ("dates", find_dates)):
            started = time.perf_counter()
            fn(line)
            print(f"  {name:26s} {step:8s} {time.perf_counter() - started:8.3f} s")
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "in"
        inputs.mkdir()
        for copy in range(4):
            for seed in sorted((ROOT / "seeds").glob("*.txt")):
                shutil.copy(seed, inputs / f"{copy}-{seed.name}")
        for label, options in (("no time limit (in-process)", Options(doc_time_limit=0)),
                               ("time limit, batch of 20", Options(batch_size=20)),
                               ("time limit, batch of 1", Options(batch_size=1))):
            started = time.perf_counter()
            run([str(inputs)], Path(tmp) / "out", options)
            print(f"20 seed pages, {label:28s} {time.perf_counter() - started:6.2f} s")


if __name__ == "__main__":
    main()
