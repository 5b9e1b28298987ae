"""The cleaning flow: discover inputs, skip what earlier runs already did, clean the rest
in batches (one Prefect task per batch, so the per-task cost stays small), then find
cross-document duplicates over every document and write the index. All the work is done
by the pipeline library; this module only orchestrates it."""
from __future__ import annotations

import json

from prefect import flow, task
from prefect.context import FlowRunContext
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from flows.logs import CONSOLE, event
from pipeline.batch import DocSummary, sources_from_wire, sources_to_wire
from pipeline.options import Options
from pipeline.runner import Run, finalize, process_batch
from pipeline.state import Plan


# How far this process's latest run got: documents to clean and cleaned so far, their
# results recorded in the output's state (what the CLI reports when a signal stops it).
PROGRESS: dict = {}


# Caching off: the pipeline's own state (content hash + rules fingerprint) decides what
# to skip; Prefect's input hashing would only see path strings.
@task(name="clean-batch", cache_policy=None, persist_result=False)
def clean_batch(sources: str, out: str, options: dict) -> str:
    """Takes the batch's sources and gives back its summaries as JSON texts, not lists:
    Prefect walks every item of a list parameter twice a task run (resolving futures,
    recording inputs; 1.5 s of the flow's CPU at 10,000 pages), and links each item of
    a returned list to a copy of the task's state for the rest of the flow run (about
    0.7 KB a document that the flow never uses)."""
    summaries = process_batch(sources_from_wire(json.loads(sources)), out, Options.from_dict(options))
    return json.dumps([s.to_wire() for s in summaries], ensure_ascii=False)


@task(name="finalize-run", cache_policy=None, persist_result=False)
def finalize_run(out: str, options: dict, started: float, plan: dict) -> dict:
    return finalize(out, Options.from_dict(options), started, Plan(**plan)).to_dict()


@flow(name="clean-news", log_prints=False, validate_parameters=True)
def clean_flow(inputs: list[str], out: str = "clean", options: dict | None = None, progress: bool = False,
               wait: bool = False) -> dict:
    """Clean every new or changed page under `inputs` into `out`; return the run's summary.

    The output folder is locked for the run (a second run refuses, or queues with
    `wait`). Batches run on the flow's task runner: threads by default, each feeding one
    of `workers` cleaning processes, or a Dask cluster (`--dask`); their results are
    committed to the output's state as each batch finishes, so a killed run loses only
    batches in flight."""
    opts = Options.from_dict(options)
    option_dict = opts.to_dict()
    with Run(inputs, out, opts, wait=wait) as run:
        plan, total = run.plan, run.batch_count
        event("run_start", inputs=list(run.inputs), out=out, documents=plan.documents, to_clean=plan.processed,
              skipped=plan.skipped, batches=total)
        done_count = 0
        PROGRESS.update(to_clean=plan.processed, done=0)
        with _progress(progress, plan.processed) as advance:
            batches = run.batches_done(_submitter(out, option_dict), _in_flight(opts),
                                       lambda running: next(as_completed(running)), _result)
            for number, done in enumerate(batches, 1):
                done_count += len(done)
                PROGRESS["done"] = done_count
                advance(len(done))
                statuses = {status: sum(1 for d in done if d.status == status) for status in ("cleaned", "rejected")}
                event("batch_done", batch=number, batches=total, documents=len(done), **statuses,
                      lines_removed=sum(sum(d.rules.values()) for d in done), done=done_count, total=plan.processed)
        # The last step as a task of its own (its own connection to the state; the lock is
        # still this flow's).
        summary = finalize_run(out, option_dict, run.started, plan.counts())
    event("run_end", **{k: summary[k] for k in ("documents", "cleaned", "duplicates", "rejected", "seconds", "out")})
    return summary


def _submitter(out: str, option_dict: dict):
    """Submit a batch as a Prefect task run."""
    return lambda chunk: clean_batch.submit(json.dumps(sources_to_wire(chunk), ensure_ascii=False), out, option_dict)


def _result(future) -> list[DocSummary]:
    done = json.loads(future.result())
    _let_go_of_result(future)
    return [DocSummary.from_wire(d) for d in done]


def _in_flight(opts: Options) -> int | None:
    """How many batches to hand the task runner at once. On threads (the default) the
    worker processes do the cleaning, `opts.workers` of them: a batch more keeps them
    busy, and no more threads or task runs wait idle on a big run. Other runners (Dask)
    take every batch and spread them over their cluster."""
    runner = FlowRunContext.get().task_runner
    return opts.workers + 1 if isinstance(runner, ThreadPoolTaskRunner) else None


def _let_go_of_result(future) -> None:
    """Drop a batch's result (its summaries' JSON text, about 1.8 KB a document) from its
    finished state once read. A Prefect future and the concurrent future it wraps refer
    to each other, so the pair, and the state, lived on until Python's next full garbage
    collection, which comes more rarely as the heap grows: at 5,000 pages all 25 batches'
    results (9 MB) were still held when the last step began. A full collection after
    each batch would cost about 0.1 s."""
    future.state.data = None


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
