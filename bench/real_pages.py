"""Speed on real pages, on one core, against trafilatura in the same run. Not a test.

    python bench/real_pages.py [--dev DIR] [--n 100 1086] [--modes trafilatura library flow]
    python bench/real_pages.py --n 100 1086 --rounds 3     # modes in turn; median of the rounds' ratios
    python bench/real_pages.py --scale 10000 100000        # real dumps, mutated, repeated
    python bench/real_pages.py --generated 1000            # the old 4 KB generated pages

Pages: the development set's real text dumps (`../shared/eval/dev/text`, median 13 KB)
and, for trafilatura, the same pages' HTML (`dev/html/*.html.gz`). That set is not in the
repo: without it the script says so and exits with status 2 (`--sample` runs on the six
pages of tests/data/pages instead, labelled as a tiny sample).

What is timed, each in its own process pinned to one core (sched_setaffinity; cleaning
workers and Prefect's temporary server inherit it), after a warm-up run that pays the
fixed start-up (imports, the cleaning worker, Prefect's server), which is reported apart:

- `library`: `pipeline.run` with default options (the pages are cleaned in one kept
  worker process), into a new output folder: read, clean, write both files, the state,
  the duplicate index, the index and report;
- `flow`: the Prefect flow `pipeline run` runs (`flows.clean.clean_flow`, the CLI's
  settings: heartbeat off, the run's own temporary server of `flows/server.py`), the
  same work through Prefect's tasks;
- `trafilatura`: `trafilatura.extract(html, include_comments=False, with_metadata=True)`
  on the HTML of the pages of the largest run (N2), already decompressed and decoded (outside the timer): the
  extraction and metadata our HTML mode asks of it, nothing written.

Each of `library` and `flow` cleans the first N1 pages, then the first N2 into another
new folder; pages/s is N2 over its time, and the marginal rate (N2 - N1) over the
difference of the two times, so per-run costs (state, index, report) cancel out. The
ratio printed is ours / trafilatura's pages/s, both measured in this run: the machine's
load moves both, the ratio much less. With `--rounds`, the summary gives each mode's median
ratio of the whole N2 run and of the marginal rate (what a run costs once, whatever its
size, left out).

`--scale N...`: N pages made from the real dumps (bench/scale_pages.py: each dump
copied N / 1,086 times with its body lines' words shuffled and its digits changed, so
sizes and line counts stay real), one folder per round of copies (a folder is a site, so
site learning sees what it sees on the dev set); pages/s and peak memory (the run's
process and its largest child) for the library loop and the flow.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

DEV = ROOT.parent / "shared" / "eval" / "dev"
SAMPLE = ROOT / "tests" / "data" / "pages"
MISSING = 2  # exit status when the development set is not there


def pages_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.txt") if p.is_file())


def html_of(text_page: Path) -> Path | None:
    """The HTML of a text dump (dev/html/<stem>.html.gz beside dev/text), if any."""
    folder = text_page.parent.parent / "html"
    for name in (f"{text_page.stem}.html.gz", f"{text_page.stem}.html"):
        if (folder / name).exists():
            return folder / name
    return None


def subset(pages: list[Path], count: int, into: Path) -> Path:
    """A folder with copies of the first `count` pages, each at its path under the pages'
    common folder: the scale sets hold the same file names in one folder per round, and
    copying them by name alone overwrote all but one round (only 1,086 of 10,000 pages
    were cleaned)."""
    chosen = pages[:count]
    root = Path(os.path.commonpath([p.parent for p in chosen])) if chosen else into
    for path in chosen:
        target = into / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    into.mkdir(parents=True, exist_ok=True)
    return into


def pin(cpu: int, cores: int = 1) -> int:
    """Pin this process (and the children it starts) to one core, or to `cores` cores
    from `cpu` on for a run with that many cleaning workers."""
    available = sorted(os.sched_getaffinity(0))
    core = cpu if cpu in available else available[0]
    start = available.index(core)
    os.sched_setaffinity(0, set((available[start:] + available[:start])[:max(1, cores)]))
    return core


def cpu_seconds() -> float:
    """CPU time (user + system) of this process, its live descendants (the cleaning
    worker, Prefect's server) and its reaped children. The machine's load stretches wall
    time, hardly CPU time: pages per CPU second compare runs taken under any load."""
    return sum(cpu_by_process().values())


def _role(pid: int, me: int) -> str:
    """What a process of the run is, from its command line."""
    if pid == me:
        return "run"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            command = f.read().replace(b"\0", b" ")
    except OSError:
        return "other"
    if b"pipeline.worker" in command:
        return "worker"
    if b"flows.server" in command or b"prefect" in command:
        return "server"
    return "other"


def cpu_by_process() -> dict[str, float]:
    """cpu_seconds() split by role: "run" (this process: the library loop or the flow's
    own process, Prefect's client and task runs in it), "worker" (the cleaning worker),
    "server" (Prefect's temporary server), "reaped" (children already ended), "other"."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            # after the name: state ppid ... utime(12) stime(13) cutime(14) cstime(15)
            stats[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14]))
    me = os.getpid()
    out = {"run": stats[me][1] / tick, "worker": 0.0, "server": 0.0, "reaped": stats[me][2] / tick, "other": 0.0}
    for pid, (parent, own, _) in stats.items():
        while parent not in (me, 0, 1) and parent in stats:
            parent = stats[parent][0]
        if parent == me and pid != me:
            out[_role(pid, me)] += own / tick
            out["reaped"] += stats[pid][2] / tick
    return out


def preemptions_by_process() -> dict[str, int]:
    """Involuntary context switches (`nonvoluntary_ctxt_switches`, all threads) of this
    process and its live descendants, by role as cpu_by_process() splits them: how often
    something else took the core from each. On one core every switch of the worker costs
    it cache and TLB refills as well as the time the other task runs."""
    me = os.getpid()
    parents, counts = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                parents[int(entry)] = int(f.read().rsplit(b")", 1)[1].split()[1])
            total = 0
            for tid in os.listdir(f"/proc/{entry}/task"):
                with open(f"/proc/{entry}/task/{tid}/status", "rb") as f:
                    for row in f:
                        if row.startswith(b"nonvoluntary_ctxt_switches:"):
                            total += int(row.split()[1])
            counts[int(entry)] = total
        except OSError:  # ended meanwhile
            parents.pop(int(entry), None)
    out = {"run": counts.get(me, 0), "worker": 0, "server": 0, "other": 0}
    for pid, parent in parents.items():
        while parent not in (me, 0, 1) and parent in parents:
            parent = parents[parent]
        if parent == me and pid != me and pid in counts:
            out[_role(pid, me)] += counts[pid]
    return out


def peaks() -> dict:
    return {"peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "child_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}


# -- children: one measurement each ------------------------------------------------------
def child_trafilatura(pages: list[Path]) -> dict:
    import trafilatura

    markup = []
    for path in pages:
        html = html_of(path)
        if html is None:
            continue
        data = html.read_bytes()
        if html.name.endswith(".gz"):
            data = gzip.decompress(data)
        markup.append(data.decode("utf-8", "replace"))
    for text in markup[:5]:  # warm-up: imports, lxml, trafilatura's caches
        trafilatura.extract(text, include_comments=False, with_metadata=True)
    started, cpu = time.perf_counter(), time.process_time()
    for text in markup:
        trafilatura.extract(text, include_comments=False, with_metadata=True)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"pages": len(markup), "mb": sum(len(t.encode("utf-8")) for t in markup) / 1e6, "seconds": seconds,
            "cpu_seconds": cpu}


def _timed_runs(clean, pages: list[Path], counts: list[int], work: Path) -> dict:
    """Warm-up on one page, then a run of each count into its own new folder."""
    started = time.perf_counter()
    clean(subset(pages, 1, work / "warm"), work / "warm-out")
    startup = time.perf_counter() - started
    runs = []
    for count in counts:
        folder = subset(pages, count, work / f"in-{count}")
        t, cpu, switched = time.perf_counter(), cpu_by_process(), preemptions_by_process()
        summary = clean(folder, work / f"out-{count}")
        spent = {role: seconds - cpu.get(role, 0.0) for role, seconds in cpu_by_process().items()}
        preempted = {role: n - switched.get(role, 0) for role, n in preemptions_by_process().items()}
        runs.append({"pages": count, "seconds": time.perf_counter() - t, "cpu_seconds": sum(spent.values()),
                     "cpu_by_process": {role: round(seconds, 2) for role, seconds in spent.items()},
                     "preempted_by_process": preempted,
                     "cleaned": summary["cleaned"],
                     "mb": sum(p.stat().st_size for p in pages[:count]) / 1e6})
        shutil.rmtree(folder)
    return {"startup_seconds": round(startup, 2), "runs": runs}


def child_library(pages: list[Path], counts: list[int], work: Path, workers: int = 1) -> dict:
    from pipeline.options import Options
    from pipeline.runner import run

    options = Options(workers=workers)
    return _timed_runs(lambda folder, out: run([str(folder)], out, options).to_dict(), pages, counts, work)


def child_flow(pages: list[Path], counts: list[int], work: Path) -> dict:
    os.environ["PIPELINE_STATE_DIR"] = str(work / "prefect")
    from flows.settings import configure_prefect

    configure_prefect()
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from flows.clean import clean_flow
    from flows.server import TemporaryServer

    # The run's own temporary server, as `pipeline run` starts it (flows/server.py), not
    # Prefect's own ephemeral one: its settings are the ones the CLI's runs get. Given
    # PREFECT_API_URL, the run uses that server, as the CLI does.
    updates = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}  # as `pipeline run` does
    started, server = time.perf_counter(), None
    if not PREFECT_API_URL.value():
        server = TemporaryServer()
        server.start()
        updates[PREFECT_API_URL] = server.api_url
    server_start = time.perf_counter() - started
    try:
        with temporary_settings(updates=updates):
            result = _timed_runs(lambda folder, out: clean_flow(inputs=[str(folder)], out=str(out)), pages, counts,
                                 work)
    finally:
        if server is not None:
            server.stop()
    result["startup_seconds"] = round(result["startup_seconds"] + server_start, 2)
    return result


def child(args) -> None:
    core = pin(args.cpu, args.workers)
    load = os.getloadavg()[0]
    pages = pages_of(Path(args.pages))
    work = Path(tempfile.mkdtemp(prefix="bench-real-"))
    try:
        if args.child == "trafilatura":  # the pages of the largest timed run, as ours
            result = child_trafilatura(pages[:max(args.counts)] if args.counts else pages)
        elif args.child == "library":
            result = child_library(pages, args.counts, work, args.workers)
        else:
            result = child_flow(pages, args.counts, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    from pipeline.guard import stop_workers

    stop_workers()  # waited for: their peak memory counts among this process's children
    result.update(peaks(), core=core, load=round((load + os.getloadavg()[0]) / 2, 1))
    print(json.dumps(result))


# -- the driver --------------------------------------------------------------------------
def measure(mode: str, folder: Path, counts: list[int], cpu: int, workers: int = 1) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", mode, "--pages", str(folder), "--cpu", str(cpu),
                           "--workers", str(workers), "--counts", *map(str, counts)], capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"{mode} on {folder} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def rates(result: dict) -> dict:
    """pages/s and MB/s of the largest run, and the marginal pages/s between the first two."""
    runs = result["runs"]
    last = runs[-1]
    out = {"pages": last["pages"], "seconds": round(last["seconds"], 2), "pages_per_s": last["pages"] / last["seconds"],
           "mb_per_s": last["mb"] / last["seconds"], "pages_per_cpu_s": last["pages"] / last["cpu_seconds"]}
    if len(runs) > 1 and runs[-1]["seconds"] > runs[0]["seconds"]:
        out["marginal_pages_per_s"] = (runs[-1]["pages"] - runs[0]["pages"]) / (runs[-1]["seconds"] - runs[0]["seconds"])
    return out


def line(label: str, r: dict, result: dict, reference: float | None) -> str:
    text = f"{label:34s} {r['pages_per_s']:7.1f} pages/s {r['mb_per_s']:6.2f} MB/s  {r['pages']:>7,} pages {r['seconds']:8.2f} s"
    if "marginal_pages_per_s" in r:
        text += f"  marginal {r['marginal_pages_per_s']:6.1f} pages/s"
    text += f"  {r['pages_per_cpu_s']:6.1f} pages/CPU-s"
    if "startup_seconds" in result:
        text += f"  (+ start-up {result['startup_seconds']:.1f} s)"
    by_process = result.get("runs", [{}])[-1].get("cpu_by_process")
    if by_process:
        text += "  CPU s: " + ", ".join(f"{role} {seconds:.1f}" for role, seconds in by_process.items() if seconds)
    preempted = result.get("runs", [{}])[-1].get("preempted_by_process")
    if preempted:
        text += "  preempted: " + ", ".join(f"{role} {n}" for role, n in preempted.items() if n)
    text += f"  peak {result['peak_mb']:.0f} MB, largest child {result['child_peak_mb']:.0f} MB  [core {result['core']}, load {result['load']}]"
    if reference:
        text += (f"  ours/trafilatura {r['pages_per_s'] / reference[0]:.2f} (wall), "
                 f"{r['pages_per_cpu_s'] / reference[1]:.2f} (CPU)")
    return text


def real_pages(args, folder: Path, label: str) -> list[dict]:
    pages = pages_of(folder)
    counts = sorted({min(n, len(pages)) for n in args.n})
    print(f"{label}: {len(pages):,} text dumps in {folder}, median "
          f"{sorted(p.stat().st_size for p in pages)[len(pages) // 2] / 1000:.1f} KB; runs of {counts} pages; one core"
          + (f"; {args.rounds} rounds, each mode once a round in turn" if args.rounds > 1 else ""), flush=True)
    report = []
    ratios: dict[str, list[tuple[float, float]]] = {}
    for round_number in range(1, args.rounds + 1):
        if args.rounds > 1:
            print(f"round {round_number}", flush=True)
        reference = None  # each round's ratio is to the trafilatura of the same round
        for mode in args.modes:
            if mode == "trafilatura":
                result = measure(mode, folder, counts, args.cpu)
                if not result["pages"]:
                    print("trafilatura: no HTML beside these dumps (dev/html/*.html.gz); no ratio", flush=True)
                    continue
                r = {"pages": result["pages"], "seconds": round(result["seconds"], 2),
                     "pages_per_s": result["pages"] / result["seconds"], "mb_per_s": result["mb"] / result["seconds"],
                     "pages_per_cpu_s": result["pages"] / result["cpu_seconds"]}
                reference = (r["pages_per_s"], r["pages_per_cpu_s"])
                print(line("trafilatura.extract on the HTML", r, result, None) + f"  (HTML {result['mb']:.1f} MB)", flush=True)
            else:
                result = measure(mode, folder, counts, args.cpu)
                r = rates(result)
                print(line(f"news-pipeline {mode} on the dumps", r, result, reference), flush=True)
                if reference:
                    ratios.setdefault(mode, []).append((r["pages_per_s"] / reference[0],
                                                        r["pages_per_cpu_s"] / reference[1],
                                                        r.get("marginal_pages_per_s", 0.0) / reference[0]))
            report.append({"mode": mode, "set": label, "round": round_number, **result, **r})
    if args.rounds > 1:
        # The machine's speed drifts over minutes (other tenants, clocks): alternating the
        # modes and taking each round's own pair keeps the drift out of the ratio.
        for mode, pairs in ratios.items():
            wall = sorted(p[0] for p in pairs)
            cpu = sorted(p[1] for p in pairs)
            # The marginal rate (N2 - N1 pages over the two runs' difference) leaves out what
            # a run costs once whatever its size (the flow run's creation, state, index,
            # report), as the issue's own flow figure did; the whole-run rate keeps it in.
            marginal = sorted(p[2] for p in pairs)
            print(f"{mode}: ours/trafilatura over {len(pairs)} rounds, median {statistics.median(wall):.2f} (wall), "
                  f"{statistics.median(cpu):.2f} (CPU), {statistics.median(marginal):.2f} (marginal, wall); "
                  f"range {wall[0]:.2f}-{wall[-1]:.2f} (wall), {cpu[0]:.2f}-{cpu[-1]:.2f} (CPU), "
                  f"{marginal[0]:.2f}-{marginal[-1]:.2f} (marginal)", flush=True)
    return report


def _timed_sets(args, sizes, kind: str, label: str, make) -> list[dict]:
    """Each size's pages made once (`make(n, folder)`, kept under --data), then timed by
    every mode but trafilatura (these pages have no HTML)."""
    report = []
    for n in sizes:
        folder = args.data / f"{kind}-{n}"
        if not (folder / ".complete").exists():
            shutil.rmtree(folder, ignore_errors=True)
            make(n, folder)
            (folder / ".complete").write_text("", "utf-8")
        for mode in [m for m in args.modes if m != "trafilatura"]:
            result = measure(mode, folder, [n], args.cpu, args.workers)
            r = rates(result)
            cores = f", {args.workers} workers on {args.workers} cores" if args.workers > 1 else ""
            print(line(f"{mode}, {n:,} {label}{cores}", r, result, None), flush=True)
            report.append({"mode": mode, "set": f"{'scale' if kind == 'real' else kind}-{n}", **result, **r})
    return report


def scale(args) -> list[dict]:
    from scale_pages import make_scale_pages

    return _timed_sets(args, args.scale, "real", "real-size pages (mutated)",
                       lambda n, folder: make_scale_pages(pages_of(args.dev / "text"), n, folder))


def generated(args) -> list[dict]:
    from generate import generate

    return _timed_sets(args, args.generated, "generated", "GENERATED 4 KB pages", generate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", type=Path, default=DEV, help="the development set (text/ and html/)")
    parser.add_argument("--sample", action="store_true", help="without the development set: tests/data/pages (6 pages)")
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1086], help="page counts of the two timed runs")
    parser.add_argument("--modes", nargs="+", default=["trafilatura", "library", "flow"],
                        choices=["trafilatura", "library", "flow"])
    parser.add_argument("--scale", type=int, nargs="*", default=[], help="also N mutated real-size pages")
    parser.add_argument("--generated", type=int, nargs="*", default=[], help="also N generated 4 KB pages (labelled)")
    parser.add_argument("--skip-dev", action="store_true", help="only --scale / --generated")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "news-pipeline-bench")
    parser.add_argument("--cpu", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat every mode this many times in turn; a ratio per round, and their median")
    parser.add_argument("--workers", type=int, default=1,
                        help="--scale / --generated runs of the library loop only: N cleaning workers on N cores "
                             "(pages per CPU second stays the figure to compare with one core)")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--child", choices=["trafilatura", "library", "flow"], help=argparse.SUPPRESS)
    parser.add_argument("--pages", help=argparse.SUPPRESS)
    parser.add_argument("--counts", type=int, nargs="*", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.child and args.workers > 1 and (not args.skip_dev or "library" not in args.modes or len(args.modes) > 1):
        parser.error("--workers N: only with --skip-dev --modes library (the dev-page ratio is one core's)")
    if args.child:
        return child(args)
    if args.sample:
        folder, label = SAMPLE / "text", "TINY SAMPLE (tests/data/pages, not the dev set)"
    else:
        folder, label = args.dev / "text", "dev set"
        if not folder.is_dir():
            print(f"real_pages: the development set is not at {args.dev} (its text/ folder is missing); "
                  f"it is not in the repo. Give --dev DIR, or --sample for the six pages of tests/data/pages.",
                  file=sys.stderr)
            sys.exit(MISSING)
    report = []
    if not args.skip_dev:
        report += real_pages(args, folder, label)
    if args.scale:
        report += scale(args)
    if args.generated:
        report += generated(args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), "utf-8")


if __name__ == "__main__":
    main()
