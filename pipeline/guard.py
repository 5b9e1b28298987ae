"""The per-document time limit: a batch's pages are cleaned in a worker process, and a
page that runs over the limit is stopped, rejected with that reason, and the run goes on.

Why a process and not a timer: SIGALRM only works in the main thread (Prefect runs
tasks in worker threads) and a thread cannot be interrupted at all; a worker process
can always be stopped, also inside a long C call (a regex, a parser), and a page that
crashes or exhausts the worker costs only that page. The worker writes each page's
files itself (atomic writes) and reports after each page, so the parent knows exactly
which page was running when time ran out; the next worker starts after it.

Workers come from a fork server (`multiprocessing`, "forkserver" start method) that has
the pipeline imported already: starting one costs milliseconds, and it is safe in a
process that runs threads (plain `fork` is not).
"""
from __future__ import annotations

import multiprocessing
import signal
from dataclasses import asdict
from pathlib import Path

from pipeline.document import CleanResult, Status
from pipeline.options import Options
from pipeline.runner import DocSummary, process_document, write_result
from pipeline.sources import Source
from pipeline.write import OutputError, remove_quietly

# Loading the engine (rule data) in a fresh worker; generous, it is not the page's time.
_START_TIMEOUT = 300.0


def _context():
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["pipeline.guard"])
        return context
    return multiprocessing.get_context("spawn")


def _work(sources: list[Source], out: str, options: Options, conn) -> None:
    """Worker: clean and write each page in order, reporting after each one."""
    from pipeline.process import Engine

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    engine = Engine.load(options)
    conn.send(("ready", None))
    for source in sources:
        try:
            summary = process_document(source, Path(out), engine)
        except OutputError as exc:
            conn.send(("output-error", str(exc)))
            return
        conn.send(("done", asdict(summary)))
    conn.close()


def process_guarded(sources: list[Source], out: Path, options: Options) -> list[DocSummary]:
    """Clean and write the batch's pages under the per-document time limit."""
    context = _context()
    summaries: list[DocSummary] = []
    position = 0
    while position < len(sources):
        receive, send = context.Pipe(duplex=False)
        worker = context.Process(target=_work, args=(sources[position:], str(out), options, send),
                                 name=f"pipeline-worker-{sources[position].id}", daemon=True)
        worker.start()
        send.close()
        try:
            if not receive.poll(_START_TIMEOUT):
                raise RuntimeError(f"the cleaning worker did not start within {_START_TIMEOUT:g} s")
            kind, _ = _receive(receive)
            if kind != "ready":
                raise RuntimeError(f"the cleaning worker failed to start (exit code {_exit_code(worker)})")
            while position < len(sources):
                if not receive.poll(options.doc_time_limit):
                    _stop(worker)
                    summaries.append(_give_up(sources[position], out, options,
                                              f"took longer than the per-document time limit of {options.doc_time_limit:g} s "
                                              "(stopped; the page may be pathological, or raise doc_time_limit)"))
                    position += 1
                    break
                kind, payload = _receive(receive)
                if kind == "done":
                    summaries.append(DocSummary(**payload))
                    position += 1
                elif kind == "output-error":
                    raise OutputError(payload)
                else:  # the worker died mid-page: a crash or the kernel's out-of-memory killer
                    summaries.append(_give_up(sources[position], out, options,
                                              f"the cleaning process died on this page ({_how_it_ended(worker)})"))
                    position += 1
                    break
        finally:
            _stop(worker)
            receive.close()
    return summaries


def _receive(conn):
    try:
        return conn.recv()
    except (EOFError, OSError):
        return ("died", None)


def _stop(worker) -> None:
    if worker.is_alive():
        worker.kill()
    worker.join()


def _exit_code(worker) -> int | None:
    worker.join(5)
    return worker.exitcode


def _how_it_ended(worker) -> str:
    code = _exit_code(worker)
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        hint = ": out of memory?" if name == "SIGKILL" else ""
        return f"killed by {name}{hint}"
    return f"exit code {code}"


def _give_up(source: Source, out: Path, options: Options, reason: str) -> DocSummary:
    """Record a page the worker did not finish, and clear anything it left half-done."""
    for leftover in list(out.glob(f".{source.id}.txt.*.tmp")) + list(out.glob(f".{source.id}.json.*.tmp")):
        remove_quietly(leftover)
    return write_result(source, CleanResult(Status.REJECTED, reason), out, options)
