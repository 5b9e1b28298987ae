"""The cleaning flow: discover inputs, clean them in batches (one Prefect task per
batch, so the per-task cost stays small), then find cross-document duplicates and
write the index. All the work is done by the pipeline library."""
from __future__ import annotations

import time
from dataclasses import asdict

from prefect import flow, task
from prefect.futures import as_completed

from flows.logs import CONSOLE, event
from pipeline.options import Options
from pipeline.runner import DocSummary, batches, finalize, process_batch
from pipeline.sources import Source, discover


@task(name="clean-batch")
def clean_batch(sources: list[dict], out: str, options: dict) -> list[dict]:
    summaries = process_batch([Source(**s) for s in sources], out, Options.from_dict(options))
    return [asdict(s) for s in summaries]


@task(name="finalize-run")
def finalize_run(summaries: list[dict], out: str, options: dict, started: float) -> dict:
    return finalize([DocSummary(**s) for s in summaries], out, Options.from_dict(options), started).to_dict()


@flow(name="clean-news", log_prints=False, validate_parameters=True)
def clean_flow(inputs: list[str], out: str = "clean", options: dict | None = None, progress: bool = False) -> dict:
    """Clean every page under `inputs` into `out`; return the run's summary."""
    started = time.monotonic()
    opts = Options.from_dict(options)
    sources = discover(inputs, opts.follow_symlinks)
    chunks = batches(sources, opts.batch_size)
    option_dict = opts.to_dict()
    event("run_start", inputs=list(inputs), out=out, documents=len(sources), batches=len(chunks))
    futures = [clean_batch.submit([asdict(s) for s in chunk], out, option_dict) for chunk in chunks]
    summaries: list[dict] = []
    with _progress(progress, len(sources)) as advance:
        for number, future in enumerate(as_completed(futures), 1):
            done = future.result()
            summaries += done
            advance(len(done))
            statuses = {status: sum(1 for s in done if s["status"] == status) for status in ("cleaned", "rejected")}
            event("batch_done", batch=number, batches=len(chunks), documents=len(done), **statuses,
                  lines_removed=sum(sum(s["rules"].values()) for s in done), done=len(summaries), total=len(sources))
    summary = finalize_run(summaries, out, option_dict, started)
    event("run_end", **{k: summary[k] for k in ("documents", "cleaned", "duplicates", "rejected", "seconds", "out")})
    return summary


class _progress:
    """A rich progress bar on a terminal; nothing otherwise."""

    def __init__(self, enabled: bool, total: int):
        self.enabled, self.total, self.bar = enabled, total, None

    def __enter__(self):
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self.bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), transient=True, console=CONSOLE)
            self.bar.start()
            self.task = self.bar.add_task("cleaning", total=self.total)
        return self.advance

    def advance(self, count: int) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, count)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False
