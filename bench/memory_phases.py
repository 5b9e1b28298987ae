"""What the run's own process holds after each phase of a run, at two or more scales. Not a test.

    python bench/memory_phases.py --scale 2000 10000 [--top 5] [--no-tracemalloc]

Each scale is a set of mutated real-size pages (bench/scale_pages.py, made once under
--data and shared with bench/real_pages.py --scale), cleaned by the library loop
(`pipeline.run`, default options: the pages are cleaned in the worker process) into a
new output folder, in a child process of its own. The run's phases are timed and
measured from the outside: the runner's own functions are wrapped (discover, plan,
site learning, cutting the batches, the batches with their state writes, the duplicate
index, the index with its settling, the recorded outputs, the report). Per phase:

- `held`: bytes Python holds (tracemalloc) when the phase ends, over what it held before
  the run began; `peak`: the most it held during the phase, over the same base;
- `rss` / `rss peak`: the process's resident memory after the phase and at its highest
  during it (the kernel's high-water mark, reset before each phase: /proc/self/clear_refs);
- `cpu`: the run process's CPU seconds in the phase (the worker's are not in it).

With two scales, the last table gives each column's growth in bytes a page between the
smallest and the largest: what a phase holds that grows with the run. tracemalloc slows
the run's process (not the worker) about twice; --no-tracemalloc leaves RSS only.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

DEV = ROOT.parent / "shared" / "eval" / "dev"
PHASES = ["discover", "plan", "learn sites", "cut batches", "batches + state writes", "duplicate index",
          "index + settle", "record outputs", "report", "after the run"]


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_rss_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")  # resets VmHWM to the current RSS (Linux 4.0+)
    except OSError:
        pass


class Phases:
    def __init__(self, traced: bool):
        self.traced = traced
        self.rows: dict[str, dict] = {}
        self.base = 0

    def start(self) -> None:
        if self.traced:
            self.base = tracemalloc.get_traced_memory()[0]

    def begin(self, name: str) -> None:
        if self.traced:
            tracemalloc.reset_peak()
        _reset_rss_peak()
        self.rows.setdefault(name, {"cpu": 0.0})["_cpu0"] = time.process_time()

    def end(self, name: str) -> None:
        row = self.rows[name]
        row["cpu"] += time.process_time() - row.pop("_cpu0")
        if self.traced:
            current, peak = tracemalloc.get_traced_memory()
            row["held"] = current - self.base
            row["peak"] = max(row.get("peak", 0), peak - self.base)
        row["rss"] = _status_kb("VmRSS") * 1024
        row["rss_peak"] = max(row.get("rss_peak", 0), _status_kb("VmHWM") * 1024)

    def wrap(self, name: str, function):
        @functools.wraps(function)
        def wrapped(*args, **kwargs):
            self.begin(name)
            try:
                return function(*args, **kwargs)
            finally:
                self.end(name)
        return wrapped

    def wrap_generator(self, name: str, function):
        """A generator whose phase runs from its first item to its last, the caller's
        work between items (in the library loop: nothing) counted in."""
        @functools.wraps(function)
        def wrapped(*args, **kwargs):
            self.begin(name)
            try:
                yield from function(*args, **kwargs)
            finally:
                self.end(name)
        return wrapped


def child(folder: Path, traced: bool, top: int) -> dict:
    import pipeline.runner as runner
    from pipeline.state import State

    phases = Phases(traced)
    originals = [(runner, name, getattr(runner, name)) for name in
                 ("discover", "learn", "batches", "find_duplicates", "write_jsonl", "write_report")]
    originals += [(State, "plan", State.plan), (State, "record_outputs", State.record_outputs),
                  (runner.Run, "batches_done", runner.Run.batches_done)]
    runner.discover = phases.wrap("discover", runner.discover)
    State.plan = phases.wrap("plan", State.plan)
    runner.learn = phases.wrap("learn sites", runner.learn)
    runner.batches = phases.wrap("cut batches", runner.batches)
    runner.Run.batches_done = phases.wrap_generator("batches + state writes", runner.Run.batches_done)
    runner.find_duplicates = phases.wrap("duplicate index", runner.find_duplicates)
    runner.write_jsonl = phases.wrap("index + settle", runner.write_jsonl)
    State.record_outputs = phases.wrap("record outputs", State.record_outputs)
    runner.write_report = phases.wrap("report", runner.write_report)
    work = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    try:
        # Warm-up (imports, the worker, the model) on one page, outside the figures.
        warm = work / "warm"
        warm.mkdir()
        shutil.copyfile(next(folder.rglob("*.txt")), warm / "page.txt")
        runner.run([str(warm)], work / "warm-out")
        if traced:
            tracemalloc.start()
        phases.rows.clear()
        phases.start()
        first = tracemalloc.take_snapshot() if traced and top else None
        started = time.perf_counter()
        summary = runner.run([str(folder)], work / "out")
        seconds = time.perf_counter() - started
        phases.begin("after the run")
        phases.end("after the run")
        tops = []
        if first is not None:
            for stat in tracemalloc.take_snapshot().compare_to(first, "lineno")[:top]:
                frame = stat.traceback[0]
                tops.append(f"{stat.size_diff / 1e6:8.2f} MB  {stat.count_diff:>9,} blocks  "
                            f"{Path(frame.filename).name}:{frame.lineno}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if traced:
            tracemalloc.stop()
        for owner, name, function in originals:  # the runner as it was (a test calls this in its process)
            setattr(owner, name, function)
    from pipeline.guard import stop_workers

    stop_workers()
    return {"pages": summary.documents, "seconds": seconds, "phases": phases.rows, "top": tops,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def child_light(folder: Path) -> dict:
    """The phases that do not clean, on their own: discover, plan, site learning and
    the duplicate index (over the pages' own signatures, as the batches would store
    them; the list that feeds it is the bench's, not counted), with tracemalloc."""
    import pipeline.runner as runner
    from pipeline.dedup_corpus import packed_fingerprint
    from pipeline.options import Options
    from pipeline.state import State, fingerprint
    from pipeline.version import VERSION

    options = Options()
    phases = Phases(True)
    work = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    try:
        tracemalloc.start()
        phases.start()
        phases.begin("discover")
        sources = runner.discover([str(folder)], False, options, out=work / "out")
        phases.end("discover")
        with State(work / "out") as state:
            phases.begin("plan")
            plan = state.plan(sources, fingerprint(options, VERSION), inputs=[str(folder)], options=options)
            del sources
            phases.end("plan")
            phases.begin("learn sites")
            runner.learn(plan.todo, work / "out", options)
            phases.end("learn sites")
            tracemalloc.stop()
            rows = []
            for source in plan.todo:
                text = Path(source.path).read_text("utf-8", "surrogateescape")
                digest, signature = packed_fingerprint(text, options.shingle_words, options.minhash_permutations)
                rows.append((source.id, digest, signature))
            pages = len(rows)
            del plan
            tracemalloc.start()
            phases.start()
            phases.begin("duplicate index")
            links = runner.find_duplicates(iter(rows), options.near_duplicate_threshold, options.minhash_permutations,
                                           options.near_duplicate_containment, options.near_duplicate_candidates)
            phases.end("duplicate index")
            del links
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"pages": pages, "light": True, "phases": phases.rows, "top": []}


def _mb(value) -> str:
    return "" if value is None else f"{value / 1e6:.1f}"


def table(result: dict) -> str:
    head = (f"{result['pages']:,} pages, the phases that do not clean (--light)" if result.get("light") else
            f"{result['pages']:,} pages in {result['seconds']:.0f} s; run process peak {result['peak_mb']:.0f} MB, "
            f"worker peak {result['worker_peak_mb']:.0f} MB")
    lines = [head,
             "| phase | held MB | peak MB | rss MB | rss peak MB | cpu s |", "|---|---|---|---|---|---|"]
    for name in PHASES:
        row = result["phases"].get(name)
        if row:
            lines.append(f"| {name} | {_mb(row.get('held'))} | {_mb(row.get('peak'))} | {_mb(row['rss'])} | "
                         f"{_mb(row['rss_peak'])} | {row['cpu']:.2f} |")
    if result["top"]:
        lines.append("held at the end, by line allocated (top):")
        lines += ["  " + t for t in result["top"]]
    return "\n".join(lines)


def growth(small: dict, large: dict) -> str:
    """Bytes a page each column grows between two scales."""
    pages = large["pages"] - small["pages"]
    lines = [f"growth a page, {small['pages']:,} to {large['pages']:,} pages (bytes a page; cpu: ms a page)",
             "| phase | held | peak | rss | rss peak | cpu |", "|---|---|---|---|---|---|"]
    for name in PHASES:
        a, b = small["phases"].get(name), large["phases"].get(name)
        if not a or not b:
            continue
        cells = [f"{(b[k] - a[k]) / pages:,.0f}" if k in a and k in b else "" for k in ("held", "peak", "rss", "rss_peak")]
        lines.append(f"| {name} | {' | '.join(cells)} | {1000 * (b['cpu'] - a['cpu']) / pages:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "news-pipeline-bench")
    parser.add_argument("--top", type=int, default=0, help="also the N lines holding most at the end")
    parser.add_argument("--no-tracemalloc", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--light", action="store_true",
                        help="only the phases that do not clean (discover, plan, learning, duplicate index): minutes, not hours")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_light(args.child) if args.light else child(args.child, not args.no_tracemalloc, args.top)))
        return
    from scale_pages import make_scale_pages

    results = []
    for n in sorted(args.scale):
        folder = args.data / f"real-{n}"  # as bench/real_pages.py --scale makes it
        if not (folder / ".complete").exists():
            if not (args.dev / "text").is_dir():
                sys.exit(f"memory_phases: the development set is not at {args.dev}; give --dev DIR")
            shutil.rmtree(folder, ignore_errors=True)
            make_scale_pages(sorted(p for p in (args.dev / "text").rglob("*.txt") if p.is_file()), n, folder)
            (folder / ".complete").write_text("", "utf-8")
        command = [sys.executable, __file__, "--child", str(folder), "--top", str(args.top)]
        if args.no_tracemalloc:
            command.append("--no-tracemalloc")
        if args.light:
            command.append("--light")
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            sys.stderr.write(done.stderr[-4000:])
            sys.exit(f"memory_phases: the run of {n} pages failed")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(table(results[-1]), flush=True)
        print(flush=True)
    if len(results) > 1:
        print(growth(results[0], results[-1]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), "utf-8")


if __name__ == "__main__":
    main()
