"""Where a run's time goes, step by step, on real pages. Not a test: it prints a table.

    python bench/profile_steps.py [--n 300] [--dev DIR] [--cprofile 40]

Runs the library loop (`pipeline.run`, `doc_time_limit=0` so the pages are cleaned in
this process and every step is seen) over the first N text dumps of the development set
into a new folder, on one core, with each step's function wrapped in a timer where the
run calls it. A step called by the settle pass (process._settle: the clean body
classified again) is counted under "settle pass", not under its own row. `--cprofile K`
also runs cProfile over the same pages and prints the K functions of most cumulative
time (cProfile slows the many small calls most, so its shares are rougher).

Rows: read (input bytes), decode, normalise, language, line classifier (rules, shapes,
lexicon, line model), metadata, comment sections, in-page duplicates, settle pass,
corpus dedup (each body's MinHash signature, then the duplicate index), write (the
page's two files), site learning (before the batches), state (plan, record), finalize
(index, report, run record, less its duplicate index). What is left is "other".
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from real_pages import DEV, pages_of, pin, subset  # noqa: E402

SPENT: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)
_active: list[str] = []  # the steps running now, outermost first


def _wrap(module, name: str, step: str) -> None:
    """module.name timed under `step` (time in a step inside another counts for the outer
    one only; inside the settle pass everything counts for the settle pass)."""
    original = getattr(module, name)

    def timed(*args, **kwargs):
        if _active:
            return original(*args, **kwargs)
        _active.append(step)
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            SPENT[step] += time.process_time() - started
            CALLS[step] += 1
            _active.pop()

    setattr(module, name, timed)


def instrument() -> None:
    from pipeline import batch, decode, process, runner, state

    # Wrapped where they are called from: a page is read, fingerprinted and written in
    # pipeline/batch.py; the run's own steps are pipeline/runner.py's.
    for module, name, step in [
        (batch, "read_source", "read"),
        (process, "decode_bytes", "decode"),
        (process, "looks_binary", "decode"),
        (process, "normalise", "normalise"),
        (process, "normalise_lines", "normalise"),
        (process, "detect", "language"),
        (process, "classify", "line classifier"),
        (process, "read_metadata", "metadata"),
        (process, "mark_sections", "comment sections"),
        (process, "mark_duplicates", "in-page duplicates"),
        (process, "_settle", "settle pass"),
        (batch, "packed_fingerprint", "corpus dedup"),
        (runner, "find_duplicates", "corpus dedup"),
        (batch, "write_atomic", "write"),
        (batch, "write_json", "write"),
        (runner, "learn", "site learning"),
        (state.State, "plan", "state"),
        (state.State, "record", "state"),
        (runner, "write_report", "finalize"),
        (runner, "write_jsonl", "finalize"),
    ]:
        _wrap(module, name, step)
    del decode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--cpu", type=int, default=0)
    parser.add_argument("--cprofile", type=int, default=0, help="also cProfile, printing this many functions")
    parser.add_argument("--sort", default="cumulative", help="cProfile's order: cumulative, or tottime (own time)")
    args = parser.parse_args()
    if not (args.dev / "text").is_dir():
        print(f"profile_steps: the development set is not at {args.dev} (not in the repo); give --dev DIR",
              file=sys.stderr)
        sys.exit(2)
    pin(args.cpu)
    from pipeline.options import Options
    from pipeline.runner import run

    options = Options(doc_time_limit=0)
    work = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    try:
        pages = pages_of(args.dev / "text")[: args.n]
        folder = subset(pages, len(pages), work / "in")
        run([str(subset(pages, 1, work / "warm"))], work / "warm-out", options)  # imports, rule data, model
        instrument()
        started, wall = time.process_time(), time.perf_counter()
        summary = run([str(folder)], work / "out", options)
        total, wall = time.process_time() - started, time.perf_counter() - wall
        mb = sum(p.stat().st_size for p in pages) / 1e6
        print(f"library loop, {len(pages)} dev text dumps ({mb:.1f} MB), one core, in-process: {total:.1f} CPU s, "
              f"{len(pages) / total:.1f} pages per CPU second ({summary.cleaned} cleaned; wall {wall:.1f} s, "
              f"load {os.getloadavg()[0]:.1f})")
        print(f"\n| step | CPU seconds | share | CPU ms a page |\n|---|---|---|---|")
        rows = sorted(SPENT.items(), key=lambda kv: -kv[1])
        for step, seconds in rows + [("other", total - sum(SPENT.values()))]:
            print(f"| {step} | {seconds:.2f} | {100 * seconds / total:.1f} % | {1000 * seconds / len(pages):.1f} |")
        if args.cprofile:
            import cProfile
            import pstats

            _active.append("off")  # the timers step aside
            profiler = cProfile.Profile()
            profiler.enable()
            run([str(folder)], work / "out-profiled", options)
            profiler.disable()
            print()
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.cprofile)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
