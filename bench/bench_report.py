"""Benchmark: the run's report on a folder of pages: size of report.html and time to build.

    python bench/bench_report.py ../shared/eval/dev/text /tmp/dev-out

Cleans the folder with the library loop (no Prefect), then rebuilds the report alone."""
import sys
import time
from pathlib import Path

from pipeline.report import build_report
from pipeline.runner import run


def main(inputs: str, out: str) -> None:
    started = time.monotonic()
    summary = run([inputs], out)
    cleaning = time.monotonic() - started
    started = time.monotonic()
    html = build_report(out)
    building = time.monotonic() - started
    size_in = sum(p.stat().st_size for p in Path(inputs).rglob("*") if p.is_file())
    print(f"documents: {summary.documents}  cleaned: {summary.cleaned}  duplicates: {summary.duplicates}  "
          f"rejected: {summary.rejected}")
    print(f"run (report included): {cleaning:.1f} s; report alone: {building:.2f} s")
    print(f"report.html: {len(html.encode()) / 1e6:.1f} MB for {size_in / 1e6:.1f} MB of input "
          f"({len(html.encode()) / max(size_in, 1):.1f}x)")


if __name__ == "__main__":
    main(*sys.argv[1:3])
