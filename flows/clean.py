"""The cleaning flow: discover inputs, skip what earlier runs already did, clean the rest
in batches (one Prefect task per batch, so the per-task cost stays small), then find
cross-document duplicates over every document and write the index. All the work is done
by the pipeline library; this module only orchestrates it."""
from __future__ import annotations

import time
from dataclasses import asdict

from prefect import flow, task
from prefect.futures import as_completed

from pipeline.options import Options
from pipeline.process import VERSION
from pipeline.runner import DocSummary, batches, finalize, process_batch
from pipeline.sources import Source, discover
from pipeline.state import Plan, State, fingerprint


# Caching off: the pipeline's own state (content hash + rules fingerprint) decides what
# to skip; Prefect's input hashing would only see path strings.
@task(name="clean-batch", cache_policy=None, persist_result=False)
def clean_batch(sources: list[dict], out: str, options: dict) -> list[dict]:
    summaries = process_batch([Source(**s) for s in sources], out, Options.from_dict(options))
    return [asdict(s) for s in summaries]


@task(name="finalize-run", cache_policy=None, persist_result=False)
def finalize_run(out: str, options: dict, started: float, plan: dict) -> dict:
    return finalize(out, Options.from_dict(options), started, Plan(**plan)).to_dict()


@flow(name="clean-news", log_prints=False, validate_parameters=True)
def clean_flow(inputs: list[str], out: str = "clean", options: dict | None = None, progress: bool = False,
               wait: bool = False) -> dict:
    """Clean every new or changed page under `inputs` into `out`; return the run's summary.

    The output folder is locked for the run (a second run refuses, or queues with
    `wait`). Batches run on the flow's task runner: threads by default, worker processes
    (`--workers`) or a Dask cluster (`--dask`); their results are committed to the
    output's state as each batch finishes, so a killed run loses only batches in flight."""
    started = time.monotonic()
    opts = Options.from_dict(options)
    option_dict = opts.to_dict()
    fp = fingerprint(opts, VERSION)
    sources = discover(inputs, opts.follow_symlinks)
    with State(out, wait=wait) as state:
        plan = state.plan(sources, fp)
        del sources
        futures = [clean_batch.submit([asdict(s) for s in chunk], out, option_dict)
                   for chunk in batches(plan.todo, opts.batch_size)]
        with _progress(progress, plan.processed) as advance:
            for future in as_completed(futures):
                done = future.result()
                state.record([DocSummary(**d) for d in done], fp)
                advance(len(done))
        return finalize_run(out, option_dict, started, plan.counts())


class _progress:
    """A rich progress bar on a terminal; nothing otherwise."""

    def __init__(self, enabled: bool, total: int):
        self.enabled, self.total, self.bar = enabled, total, None

    def __enter__(self):
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self.bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), transient=True)
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
