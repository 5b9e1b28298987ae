"""The per-document time limit: a batch's pages are cleaned in a worker process, and a
page that runs over the limit is stopped, rejected with that reason, and the run goes on.

Why a process and not a timer: SIGALRM only works in the main thread (Prefect runs
tasks in worker threads) and a thread cannot be interrupted at all; a worker process
can always be stopped, also inside a long C call (a regex, a parser), and a page that
crashes or exhausts the worker costs only that page. The worker writes each page's
files itself (atomic writes) and reports after each page, so the parent knows exactly
which page was running when time ran out; the next worker starts after it.

The worker is a fresh interpreter (`python -m pipeline.worker`) talking JSON lines over
pipes: multiprocessing's spawn and forkserver would re-run the caller's main script in
the worker (a library user's script without a `__main__` guard would break), and plain
fork is unsafe in a process that runs threads, as Prefect does. Starting one costs
about a second of imports, so workers are kept in a pool and fed batch after batch,
replaced only after a page was stopped or a worker died. A batch takes an idle worker
or starts one; at most `Options.workers` of them, so that is how many batches run at
once: the library loop's or Prefect's task threads (several batches submitted at once)
wait for a free worker (outside any page's time). The workers are the run's parallelism:
threads only wait on pipes, so N workers use N cores with no second Prefect process.
Before the batches, the same workers also read a long run's pages for site learning
(`read_for_learning`), so that step is not one process's alone either.
Workers end when the calling process exits (or when their input closes).

Its interface, all the rest of the package uses: `process_guarded` (a batch under the
time limit), `read_for_learning`, `stop_workers`, `stop_all_workers`, `RunStopping`,
and `end_process` (stop a child process: signals in turn; flows/server.py's too).

Why no library: pebble (the well-kept pool with per-task time limits) runs on
multiprocessing, whose spawn and forkserver contexts re-import the caller's main
script and whose fork context is unsafe beside Prefect's threads (above); its time
limit is per task, so a page per task would cost an IPC round and a rule-data load
per page, or a batch per task would lose every finished page of a batch whose last
page runs over; and it cannot ask a page over its time which rule it was matching
(SIGUSR1, `what_runs`), which is how a user's runaway regex gets named.
"""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import weakref
from pathlib import Path

from pipeline.batch import DocSummary, give_up, sources_to_wire
from pipeline.options import Options
from pipeline.outdir import OutputError
from pipeline.sources import Source

# How a worker's "done" message begins (pipeline/worker.py: json.dumps([kind, payload])).
_DONE = b'["done", '
# Loading Python and the rule data in a fresh worker; generous, it is not a page's time.
_START_TIMEOUT = 300.0


def end_process(process: subprocess.Popen, steps=((signal.SIGKILL, 5.0),), group: bool = False) -> None:
    """Send each signal of `steps` in turn, waiting its seconds for the process to end,
    until it has ended. `group`: the signals go to its whole process group (a process
    started with start_new_session). The time-limit workers are killed outright; the
    run's Prefect server (flows/server.py) is asked with SIGTERM first."""
    for sig, wait in steps:
        try:
            if group:
                os.killpg(process.pid, sig)
            else:
                process.send_signal(sig)  # nothing, once the process has been reaped
        except ProcessLookupError:
            break
        try:
            process.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue


def _shut(process: subprocess.Popen, fd_box: list) -> None:
    """Stop a worker and release its pipes (also run when its owner is collected)."""
    end_process(process)
    if process.stdin is not None:
        try:
            process.stdin.close()
        except OSError:
            pass
    if fd_box[0] is not None:
        os.close(fd_box[0])
        fd_box[0] = None


class RunStopping(RuntimeError):
    """The run is being stopped (stop_all_workers): a page in flight is not a page's fault."""


# Every worker of this process, busy or idle, and whether the run is stopping: a signal
# to the run stops them all at once (stop_all_workers).
_every_worker: "weakref.WeakSet[_Worker]" = weakref.WeakSet()
_stopping = threading.Event()


class _Worker:
    def __init__(self):
        read_end, write_end = os.pipe()
        root = str(Path(__file__).resolve().parent.parent)  # the folder that holds pipeline/
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.worker", str(write_end)], stdin=subprocess.PIPE,
            pass_fds=(write_end,), env=env)
        os.close(write_end)
        self.fd_box, self.buffer = [read_end], b""
        self._finalizer = weakref.finalize(self, _shut, self.process, self.fd_box)
        self.booted = False
        _every_worker.add(self)

    @property
    def fd(self) -> int | None:
        return self.fd_box[0]

    def send(self, sources: list[Source], out: Path, options: Options) -> bool:
        """Hand the worker a batch; False if it is gone."""
        return self.send_job({"sources": sources_to_wire(sources), "out": str(out), "options": options.to_dict()})

    def send_job(self, job: dict) -> bool:
        try:
            # ASCII escapes: a file name whose bytes are not UTF-8 (surrogates in Python)
            # reaches the worker as it is, where UTF-8 could not carry it.
            self.process.stdin.write(json.dumps(job).encode("ascii") + b"\n")
            self.process.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False  # it died: receive() reports that

    def receive(self, timeout: float | None, done_as_line: bool = False):
        """The next message, ("timeout", None) or ("died", None); None waits for ever.
        `done_as_line`: a "done" message's payload is its line as read, parsed later."""
        while b"\n" not in self.buffer:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return "timeout", None
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return "died", None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        if done_as_line and line.startswith(_DONE):
            return "done", line
        kind, payload = json.loads(line)
        return kind, payload

    def ready(self) -> bool:
        """Whether the worker has started (waiting for its "ready" the first time)."""
        if not self.booted:
            kind, _ = self.receive(_START_TIMEOUT)
            self.booted = kind == "ready"
        return self.booted

    def stop(self) -> None:
        self._finalizer()

    def what_runs(self) -> dict | None:
        """Ask the worker (a page over its time) which rule it was matching; None if it
        does not say soon (it is inside a call that does not check for signals)."""
        try:
            self.process.send_signal(signal.SIGUSR1)
        except OSError:
            return None
        for _ in range(20):  # a few other messages may come first (a page done just now)
            kind, payload = self.receive(2.0)
            if kind == "running":
                return payload
            if kind in ("timeout", "died"):
                return None
        return None

    def how_it_ended(self) -> str:
        try:
            code = self.process.wait(5)
        except subprocess.TimeoutExpired:
            return "no report and still running"
        if code < 0:
            name = signal.Signals(-code).name
            return f"killed by {name}{': out of memory?' if name == 'SIGKILL' else ''}"
        return f"exit code {code}"


class _Pool:
    """Idle workers and how many exist, for this process (a forked child starts afresh:
    its parent's workers are not its own)."""

    def __init__(self):
        self.pid = os.getpid()
        self.idle: list[_Worker] = []
        self.count = 0
        self.changed = threading.Condition()


_pool = _Pool()
_pool_lock = threading.Lock()


def _current_pool() -> _Pool:
    global _pool
    with _pool_lock:
        if _pool.pid != os.getpid():
            for worker in _pool.idle:
                worker._finalizer.detach()  # the parent's: leave them alone
            _pool = _Pool()
        return _pool


def _take_worker(limit: int) -> _Worker:
    pool = _current_pool()
    with pool.changed:
        while True:
            while pool.idle:
                worker = pool.idle.pop()
                if worker.process.poll() is None:
                    return worker
                worker.stop()
                pool.count -= 1
            if _stopping.is_set():
                raise RunStopping("the run is stopping")
            if pool.count < max(1, limit):
                pool.count += 1
                break
            pool.changed.wait()
    try:
        return _Worker()
    except BaseException:
        with pool.changed:
            pool.count -= 1
            pool.changed.notify()
        raise


def _give_back(worker: _Worker) -> None:
    pool = _current_pool()
    with pool.changed:
        pool.idle.append(worker)
        pool.changed.notify()


def _drop_worker(worker: _Worker) -> None:
    worker.stop()
    pool = _current_pool()
    with pool.changed:
        pool.count -= 1
        pool.changed.notify()


def stop_all_workers() -> None:
    """Stop every worker of this process now, busy ones included (a run stopped by a
    signal). Batches in flight end with RunStopping; nothing is recorded for their pages."""
    _stopping.set()
    for worker in list(_every_worker):
        # Only killed here: the thread reading a busy worker's pipe sees its end and
        # releases it (closing the pipe under that thread could hand its number to a new file).
        try:
            worker.process.kill()
        except OSError:
            pass
    pool = _current_pool()
    with pool.changed:
        pool.changed.notify_all()


def stop_workers() -> None:
    """Stop this process's idle workers now (they also end when it exits)."""
    pool = _current_pool()
    with pool.changed:
        idle, pool.idle = pool.idle, []
        pool.count -= len(idle)
        pool.changed.notify_all()
    for worker in idle:
        worker.stop()


def process_guarded(sources: list[Source], out: Path, options: Options) -> list[DocSummary]:
    """Clean and write the batch's pages under the per-document time limit."""
    summaries: list[DocSummary] = []
    position = 0
    while position < len(sources):
        worker = _take_worker(options.workers)
        finished = False  # the worker answered for the whole job: it may take the next
        try:
            if not worker.ready():
                raise _failure(f"the cleaning worker failed to start ({worker.how_it_ended()})")
            worker.send(sources[position:], out, options)
            kind, _ = worker.receive(_START_TIMEOUT)
            if kind != "start":
                raise _failure(f"the cleaning worker failed to take a batch ({worker.how_it_ended()})")
            while position < len(sources):
                kind, payload = worker.receive(options.doc_time_limit or None, done_as_line=True)
                if kind == "done":
                    summaries.append(payload)
                    position += 1
                    continue
                if kind == "output-error":
                    finished = True  # it skipped the rest of the job and waits for the next
                    raise OutputError(payload)
                if _stopping.is_set():
                    raise RunStopping("the run is stopping")
                if kind == "timeout":
                    reason = _time_limit_reason(options.doc_time_limit, worker.what_runs())
                    worker.stop()
                else:  # the worker died mid-page: a crash, or the kernel's out-of-memory killer
                    reason = f"the cleaning process died on this page ({worker.how_it_ended()})"
                summaries.append(give_up(sources[position], out, options, reason))
                position += 1
                break
            else:
                finished = True
        finally:
            if finished:
                _give_back(worker)
            else:
                _drop_worker(worker)
    # The pages' summaries parsed now, together, not one at each wake-up between pages
    # (the worker's page has just pushed this process's data out of the caches).
    return [DocSummary.from_wire(json.loads(s)[1]) if type(s) is bytes else s for s in summaries]


# Pages a worker reads for site learning at a time. Learning reads every page before the
# first batch; with several workers it reads them in the workers (started then, kept for
# the batches), and below this many pages a second worker's start-up costs more than
# it saves.
LEARN_CHUNK_PAGES = 500
PARALLEL_LEARNING_MIN_PAGES = 2_000


def read_for_learning(sources: list[Source], options: Options):
    """siteprofile.read_pages(sources), read by up to `options.workers` workers a chunk
    each, yielded in the sources' order. A chunk whose worker fails is read here."""
    from concurrent.futures import ThreadPoolExecutor

    chunks = [sources[i:i + LEARN_CHUNK_PAGES] for i in range(0, len(sources), LEARN_CHUNK_PAGES)]
    with ThreadPoolExecutor(max(1, options.workers), thread_name_prefix="learn") as threads:
        for seen in threads.map(lambda chunk: _read_chunk(chunk, options), chunks):
            yield from seen


def _read_chunk(chunk: list[Source], options: Options) -> list:
    from pipeline.siteprofile import read_pages

    seen = []
    worker = _take_worker(options.workers)
    finished = False
    try:
        job = {"learn": sources_to_wire(chunk), "max_bytes": options.max_input_bytes}
        if worker.ready() and worker.send_job(job):
            kind, _ = worker.receive(_START_TIMEOUT)
            while kind == "start" and len(seen) < len(chunk):
                answer, payload = worker.receive(_START_TIMEOUT)
                if answer != "read":
                    break
                seen.append(payload and (payload[0], payload[1], set(payload[2]), set(payload[3])))
            finished = len(seen) == len(chunk)
    finally:
        if finished:
            _give_back(worker)
        else:
            _drop_worker(worker)
    if not finished and _stopping.is_set():
        raise RunStopping("the run is stopping")
    return seen if finished else list(read_pages(chunk, options.max_input_bytes))


def _failure(message: str) -> RuntimeError:
    return RunStopping("the run is stopping") if _stopping.is_set() else RuntimeError(message)


def _time_limit_reason(limit: float, running: dict | None) -> str:
    """Why a page over its time was stopped: a rule's regex, when the worker was inside
    one (a user's rule with catastrophic backtracking must not pass for a bad page)."""
    if running:
        return (f"took longer than the per-document time limit of {limit:g} s while rule {running['rule']} "
                f"(from {running['source']}) was matching one of its lines: that rule's regex runs too long "
                "on this text (catastrophic backtracking?); fix the rule")
    return (f"took longer than the per-document time limit of {limit:g} s "
            "(stopped; the page may be pathological, or raise doc_time_limit)")
