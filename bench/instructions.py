"""Instructions a page costs, counted by valgrind (callgrind), not timed. Not a test.

This machine's speed drifts by more than the changes worth measuring (the same
1,000-page run took 6.2 s and 10.0 s within the hour), and `perf` cannot count
instructions here (no hardware counters in the VM). valgrind counts the instructions
a process executes, whatever else the machine does: the same code on the same pages
gives the same count to within a fraction of a per cent, so two versions of the code
compare exactly, run hours apart.

    python bench/instructions.py [--n 200] [--modes clean library steps] [--data DIR]

Each figure is a difference of two runs of one child process, so Python's start-up,
the imports and the warm-up pages are not counted: the child run with the N pages,
less the same child with none. Modes:

- `clean`: `process.clean_bytes` on each page (one Engine a batch, as a run has, and the
  worker's collector setting, `gcpolicy.batch_collection`): what a cleaning worker does
  for a page, without the writes;
- `library`: `pipeline.run` in one process (`doc_time_limit=0`) into a new folder:
  cleaning, writes, the state, the duplicate index, index and report;
- `steps`: bench.py's steps called directly, cut after each step in turn; each
  step's figure is the difference between two cuts.

valgrind runs about 50x slower than the machine: `--n 200` takes about 2 minutes a
mode, `steps` about 8 (two children run at once on two cores). Install valgrind with
`apt-get install valgrind`.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

WARM_UP_PAGES = 20  # pages every child cleans first, in both runs of a pair: not counted


def child(mode: str, pages: Path, count: int, last_step: str | None) -> None:
    files = sorted(pages.rglob("*.txt"))
    warm, counted = files[:WARM_UP_PAGES], files[WARM_UP_PAGES:WARM_UP_PAGES + count]
    if mode == "clean":
        from pipeline.options import Options
        from pipeline.process import Engine, clean_bytes

        options = Options()
        engine = Engine.load(options)
        for path in warm:
            clean_bytes(path.read_bytes(), str(path), engine)
        from pipeline.gcpolicy import batch_collection

        statuses = Counter()
        for start in range(0, len(counted), options.batch_size):
            engine = Engine.load(options)
            with batch_collection():  # as the cleaning worker runs a batch
                for path in counted[start:start + options.batch_size]:
                    statuses[clean_bytes(path.read_bytes(), str(path), engine).status.value] += 1
    elif mode == "library":
        from pipeline.options import Options
        from pipeline.runner import run

        work = Path(tempfile.mkdtemp(prefix="bench-ir-"))
        try:
            options = Options(doc_time_limit=0)
            for target, chosen in (("warm", warm), ("pages", counted)):
                (work / target).mkdir()
                for k, path in enumerate(chosen):
                    shutil.copy(path, work / target / f"{k:06d}.txt")
            run([str(work / "warm")], work / "warm-out", options)
            summary = run([str(work / "pages")], work / "out", options) if counted else None
            statuses = Counter({"cleaned": summary.cleaned, "duplicate": summary.duplicates,
                                "rejected": summary.rejected} if summary else {})
        finally:
            shutil.rmtree(work, ignore_errors=True)
    else:
        from bench import measure_steps

        folder = Path(tempfile.mkdtemp(prefix="bench-ir-"))
        try:
            for k, path in enumerate(warm + counted):
                shutil.copy(path, folder / f"{k:06d}.txt")
            done = measure_steps(folder, len(warm) + len(counted), last_step)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        statuses = Counter({"stepped": done["pages"] - len(warm)})
    # What was counted, for a person (and a test) to check: one status a counted page.
    print(json.dumps({"mode": mode, "statuses": dict(+statuses)}))


def instructions(mode: str, pages: Path, count: int, last_step: str | None = None) -> int:
    """Instructions executed by one child process, as valgrind counts them."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
               "--child", mode, "--pages", str(pages), "--count", str(count)]
    if last_step:
        command += ["--last-step", last_step]
    # Hash seeds decide set and dict orders, and so some of the work: fix them.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode or not found:
        print(done.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"{mode} under valgrind failed")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="pages counted (after the warm-up pages)")
    parser.add_argument("--modes", nargs="+", default=["clean", "library"], choices=["clean", "library", "steps"])
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "news-pipeline-bench")
    parser.add_argument("--child", choices=["clean", "library", "steps"], help=argparse.SUPPRESS)
    parser.add_argument("--pages", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--last-step", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.pages, args.count, args.last_step)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")

    from bench import STEPS
    from generate import generate

    # The same generated pages as bench.py's 1,000-page runs.
    pages = args.data / "pages-1000"
    if not (pages / ".complete").exists():
        shutil.rmtree(pages, ignore_errors=True)
        generate(1000, pages)
        (pages / ".complete").write_text("", "utf-8")
    n = min(args.n, 1000 - WARM_UP_PAGES)
    cuts = [(mode, None) for mode in args.modes if mode != "steps"]
    if "steps" in args.modes:
        cuts += [("steps", step) for step in STEPS]
    # Counts do not depend on what else runs: as many children at once as there are cores.
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        counted = {cut: (pool.submit(instructions, cut[0], pages, n, cut[1]),
                         pool.submit(instructions, cut[0], pages, 0, cut[1])) for cut in cuts}
        per_page = {cut: (full.result() - base.result()) / n / 1e6 for cut, (full, base) in counted.items()}
    print(f"{n} pages counted, after {WARM_UP_PAGES} not counted; millions of instructions a page:")
    for mode in args.modes:
        if mode != "steps":
            print(f"  {mode:16s} {per_page[(mode, None)]:8.2f}")
    if "steps" in args.modes:
        before = 0.0
        for step in STEPS:
            print(f"  step {step:11s} {per_page[('steps', step)] - before:8.2f}")
            before = per_page[("steps", step)]
        print(f"  steps in all     {before:8.2f}")


if __name__ == "__main__":
    main()
