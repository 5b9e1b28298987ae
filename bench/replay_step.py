"""One step's CPU time a page, its calls recorded in a run and replayed. Not a test: it prints.

    python bench/replay_step.py --step language|metadata [--n 300] [--dev DIR] [--cold] [--cprofile K]

Runs the library loop (`pipeline.run`, `doc_time_limit=0`, in this process, one core) over
the first N dev text dumps (after one page to load the code and data) with the step's function (`process.detect` or
`process.read_metadata`) recording each call's arguments, and the CPU time it took in the
run ("in the run": the language step's word caches filling as the pages come). Then the
recorded calls are made again, five times, and the best pass is given ("replayed"): the
step alone, without the rest of the page around it, so a change to the step shows
through the machine's noise better than in bench/profile_steps.py's table. A call is
replayed on its arguments as the run left them (the metadata's claims change a page's
decisions after the reading), so a replay is close to the run's work, not the same. `--cold`
empties the language step's word caches before each pass (each page's words are new
again, as in a short run). `--cprofile K` profiles one more pass and prints the K
functions of most own time.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from real_pages import DEV, pages_of, pin, subset  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--step", choices=("language", "metadata"), required=True)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--cpu", type=int, default=0)
    parser.add_argument("--cold", action="store_true", help="empty the language word caches before each pass")
    parser.add_argument("--cprofile", type=int, default=0)
    args = parser.parse_args()
    if not (args.dev / "text").is_dir():
        print(f"replay_step: the development set is not at {args.dev} (not in the repo); give --dev DIR",
              file=sys.stderr)
        sys.exit(2)
    pin(args.cpu)
    from pipeline import language, process
    from pipeline.options import Options
    from pipeline.runner import run

    name = {"language": "detect", "metadata": "read_metadata"}[args.step]
    original = getattr(process, name)
    calls, spent = [], [0.0]

    def recorded(*a, **k):
        started = time.process_time()
        try:
            return original(*a, **k)
        finally:
            spent[0] += time.process_time() - started
            calls.append((a, k))

    work = Path(tempfile.mkdtemp(prefix="bench-replay-"))
    try:
        pages = pages_of(args.dev / "text")[: args.n]
        folder = subset(pages, len(pages), work / "in")
        run([str(subset(pages, 1, work / "warm"))], work / "warm-out", Options(doc_time_limit=0))  # imports, profiles
        setattr(process, name, recorded)
        try:
            run([str(folder)], work / "out", Options(doc_time_limit=0))
        finally:
            setattr(process, name, original)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def one_pass() -> None:
        if args.cold:
            language._WORD_ROWS.clear()
            language._TOKEN_ROWS.clear()
        for a, k in calls:
            original(*a, **k)

    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        one_pass()
        best = min(best, time.process_time() - started)
    n = len(pages)
    print(f"{args.step}: {len(calls)} calls over {n} pages; in the run {1000 * spent[0] / n:.3f} CPU ms a page, "
          f"replayed{' cold' if args.cold else ''} {1000 * best / n:.3f} (best of 5)")
    if args.cprofile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        one_pass()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.cprofile)


if __name__ == "__main__":
    main()
