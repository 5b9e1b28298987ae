"""The run engine: one run over an output folder, whoever runs its batches.

`Run` plans (what is new or changed), learns site profiles, cuts the work into batches,
hands each batch to a submit function, records each result in the output's state as it
comes back, and finalises (cross-document duplicates, each document's files brought in
line, the index, the run record). The plain library loop (`run`, below) submits batches
to this process or to threads feeding the time-limit workers; the Prefect flow
(flows/clean.py) submits them as Prefect tasks. Cleaning one batch is pipeline/batch.py's.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Callable, Iterator

from pipeline import guard
from pipeline.batch import DocSummary, clean_in_process, clean_source, process_document, provenance, write_result
from pipeline.corpus import take_stdin, write_corpus
from pipeline.dedup_corpus import find_duplicates
from pipeline.document import Status
from pipeline.options import Options
from pipeline.outdir import CORPUS_FILES, OutDir, body_name, meta_name, remove_quietly, write_atomic
from pipeline.report import write_report
from pipeline.siteprofile import learn_sites
from pipeline.sources import Source, discover
from pipeline.state import Plan, State, connect, fingerprint
from pipeline.version import VERSION
from pipeline.write import to_json, write_json, write_jsonl

# batch.py's names too, for callers that import them from the runner (training/cv.py, tests).
__all__ = ["DocSummary", "Run", "RunSummary", "clean_source", "finalize", "process_batch", "process_document",
           "provenance", "run", "write_result"]


def process_batch(sources: list[Source], out_dir: str | Path, options: Options | None = None) -> list[DocSummary]:
    """Clean and write each source of a batch; return their summaries.

    With a per-document time limit (the default) or several workers, the pages are
    cleaned in a worker process, stopped when one page runs over (pipeline/guard.py)."""
    options = options or Options()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if (options.doc_time_limit or options.workers > 1) and sources:
        return guard.process_guarded(sources, out, options)
    return clean_in_process(sources, out, options)


@dataclass
class RunSummary:
    documents: int
    cleaned: int
    duplicates: int
    rejected: int
    rejected_reasons: dict[str, int]
    removed_by_rule: dict[str, int]
    seconds: float
    out: str
    # Incremental runs: pages cleaned this run, pages skipped as unchanged (and why the
    # others were not), documents whose input disappeared (kept in the index, withdrawn).
    processed: int = 0
    skipped: int = 0
    withdrawn: int = 0
    reprocess_reasons: dict[str, int] = field(default_factory=dict)
    recovered: bool = False
    # One line each: broken state found and set aside, a run withdrawing most of the index.
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


WITHDRAWN = "withdrawn"


def finalize(out_dir: str | Path, options: Options | None = None, started: float | None = None,
             plan: Plan | None = None, state: State | None = None) -> RunSummary:
    """The run's last step, over every document in the output's state (cleaned this run
    or skipped as unchanged): cross-document duplicates, then each document's files
    brought in line, then the index (the commit point, written atomically), then bodies
    no longer wanted moved away, then the run record.

    Every step is idempotent and driven by the state, so a run killed anywhere in here
    is completed by the next one."""
    options = options or Options()
    out = Path(out_dir)
    own = state is None
    if own:  # called as its own task: the run's lock is held by the caller
        state = State(out)
        state.db = connect(out)
    try:
        return _finalize(state, out, options, started, plan)
    finally:
        if own:
            state.db.close()


def _finalize(state: State, out: Path, options: Options, started, plan) -> RunSummary:
    folder = OutDir(out)
    # Every batch has finished: a temporary file left now is from a killed run.
    folder.sweep()
    db = state.db
    # Streamed from the state: the signatures go straight into the duplicate index.
    cleaned = db.execute("SELECT id, body_sha256, signature FROM docs WHERE status='cleaned' ORDER BY id")
    links = find_duplicates(cleaned, options.near_duplicate_threshold, options.minhash_permutations,
                            options.near_duplicate_containment, options.near_duplicate_candidates)
    by_doc: dict[str, list[dict]] = {}
    for link in links:
        by_doc.setdefault(link.id, []).append({"id": link.other, "similarity": link.similarity, "canonical": link.canonical,
                                               "measure": link.measure})
    del links

    # Streamed: one row at a time from the state into the index, so memory does not
    # grow with the documents (only `changed`, whose duplicate status moved, is kept).
    changed = []
    statuses, removed, rejected_reasons = Counter(), Counter(), Counter()
    query = ("SELECT id, source, status, reason, title, published, language, words, rules,"
             " final_status, final_reason, duplicates FROM docs ORDER BY id")

    def index_rows():
        for (ident, source, status, reason, title, published, language, words, rules,
             final_status, final_reason, stored_dups) in db.execute(query):
            duplicates = by_doc.get(ident, [])
            new_status, new_reason = status, reason
            if status == WITHDRAWN:
                new_reason = f"input no longer found: {source}"
            elif duplicates and duplicates[0]["canonical"] != ident:
                canonical = duplicates[0]["canonical"]
                similarity = max([d["similarity"] for d in duplicates if d["id"] == canonical]
                                 or [duplicates[0]["similarity"]])
                new_status, new_reason = Status.DUPLICATE.value, f"duplicate of {canonical} (similarity {similarity})"
            dup_json = json.dumps(duplicates, sort_keys=True)
            if (final_status, final_reason, stored_dups) != (new_status, new_reason, dup_json):
                _settle_files(folder, ident, new_status, new_reason, duplicates)
                changed.append((ident, status, new_status, new_reason, dup_json))
            statuses[new_status] += 1
            if new_status == WITHDRAWN:
                outputs = {"metadata": meta_name(ident)}
            else:
                removed.update(json.loads(rules))
                # Nothing is lost: a duplicate keeps its own body; its metadata names the canonical.
                keeps_body = new_status in (Status.CLEANED.value, Status.DUPLICATE.value)
                outputs = {"metadata": meta_name(ident), **({"body": body_name(ident)} if keeps_body else {})}
                if new_status == Status.REJECTED.value:
                    rejected_reasons[new_reason] += 1
            yield {"id": ident, "source": source, "status": new_status, "reason": new_reason, "title": title,
                   "published": published, "language": language, "words": words, "outputs": outputs}

    write_jsonl(folder.index, index_rows())  # the commit point
    for ident, status, new_status, _, _ in changed:
        if new_status not in (Status.CLEANED.value, Status.DUPLICATE.value):
            remove_quietly(folder.body(ident))
    state.settle([(new_status, new_reason, dup_json, ident) for ident, _, new_status, new_reason, dup_json in changed])
    if options.formats or any(OutDir(out).corpus_file(name).exists() for name in CORPUS_FILES):
        # documents.jsonl / .parquet: the cleaned pages, read from their files in id order.
        write_corpus(out, lambda: (row[0] for row in db.execute("SELECT id FROM docs WHERE final_status='cleaned' ORDER BY id")),
                     options.formats)
    state.record_outputs()
    state.close_run()
    # report.html: figures and every document's lines, from the files just written; each
    # document's counts from the state where the worker left them (an older row: its file).
    write_report(out, db.execute("SELECT id, report FROM docs ORDER BY id"))

    summary = RunSummary(
        documents=sum(statuses.values()) - statuses[WITHDRAWN],
        cleaned=statuses[Status.CLEANED.value],
        duplicates=statuses[Status.DUPLICATE.value],
        rejected=statuses[Status.REJECTED.value],
        rejected_reasons=dict(sorted(rejected_reasons.items())),
        removed_by_rule=dict(sorted(removed.items(), key=lambda kv: (-kv[1], kv[0]))),
        seconds=round(time.monotonic() - started, 3) if started is not None else 0.0,
        out=str(out),
        processed=plan.processed if plan else 0,
        skipped=plan.skipped if plan else 0,
        withdrawn=statuses[WITHDRAWN],
        reprocess_reasons=plan.reasons if plan else {},
        recovered=plan.recovered if plan else False,
        warnings=list(plan.warnings) if plan else [],
    )
    # The run record holds the only wall-clock facts, apart from the articles' files.
    write_atomic(folder.run_record, to_json({**summary.to_dict(), "pipeline_version": VERSION,
                                            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))
    return summary


def _settle_files(folder: OutDir, ident: str, new_status: str, new_reason: str | None,
                  duplicates: list[dict]) -> None:
    """Make one document's metadata say its final status. Removals wait until the index
    is written."""
    meta_path = folder.meta(ident)
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
    except FileNotFoundError:
        meta = {"id": ident}
    target = {**meta, "status": new_status, "reason": new_reason, "duplicates": duplicates}
    if target != meta:
        write_json(meta_path, target)


def batches(sources: list[Source], size: int, workers: int = 1) -> list[list[Source]]:
    """Batches of at most `size` pages. With several workers, small runs get smaller
    batches (at least 4 per worker, down to 20 pages) so no worker waits idle while
    another finishes the last big one."""
    if workers > 1:
        size = max(1, min(size, max(20, -(-len(sources) // (4 * workers)))))
    return [sources[i:i + size] for i in range(0, len(sources), size)]


def drain(chunks: list[list[Source]]):
    """The batches in order, each let go of once taken: the run holds only the batches
    still to do (and those in flight), not every page's source to the end."""
    chunks.reverse()
    while chunks:
        yield chunks.pop()


def in_flight(pending, submit, limit: int | None, first_done):
    """Submit `limit` batches (all when None), then one more as each finishes; yield
    the futures in the order they finish. `first_done(running)`: a finished future of
    the set, waiting for one (concurrent.futures' or Prefect's way)."""
    running = {submit(chunk) for chunk in islice(pending, limit)}
    while running:
        finished = first_done(running)
        running.discard(finished)
        running.update(submit(chunk) for chunk in islice(pending, 1))
        yield finished


def learn(sources: list[Source], out_dir: str | Path, options: Options) -> dict[str, int]:
    """Site-level learning before the batches: the pages to clean join their sites'
    profiles in the output's state, which every batch then reads."""
    if not options.site_learning:
        return {}
    pages = None
    if options.workers > 1 and len(sources) >= guard.PARALLEL_LEARNING_MIN_PAGES:
        pages = guard.read_for_learning(sources, options)
    return learn_sites(sources, OutDir(out_dir).state, options.max_input_bytes, pages)


class Run:
    """One run over an output folder: plan, batches, record, finalise. Use as a context
    manager (it holds the output folder's lock from plan to finalise):

        with Run(inputs, out, options) as run:
            for summaries in run.batches_done(submit, limit, first_done):
                ...                       # recorded in the state already
            summary = run.finalize()

    `submit(batch)` starts one batch (a list of Sources) and gives back a future;
    `first_done(running)` waits for one future of the set and gives it back;
    `result(future)` is that batch's list of DocSummary. Only pages that are new or
    changed (or whose rules changed) are in the batches."""

    def __init__(self, inputs: list[str], out_dir: str | Path, options: Options | None = None, wait: bool = False):
        self.options = options or Options()
        self.started = time.monotonic()
        self.out = out_dir
        self.wait = wait
        self.fp = fingerprint(self.options, VERSION)
        self.inputs = take_stdin(inputs, out_dir)  # `-`: JSONL from stdin, kept in the state folder
        self.state: State | None = None
        self.plan: Plan | None = None
        self.chunks: list[list[Source]] = []

    def __enter__(self) -> "Run":
        options = self.options
        # Refuses an output folder that is an input folder or a file, and never reads the
        # output folder (inside an input folder) as input.
        sources = discover(self.inputs, options.follow_symlinks, options, out=self.out)
        Path(self.out).mkdir(parents=True, exist_ok=True)
        state = State(self.out, wait=self.wait)
        self.state = state.__enter__()
        try:
            self.plan = state.plan(sources, self.fp, inputs=list(self.inputs), prune=options.prune, options=options)
            del sources
            learn(self.plan.todo, self.out, options)  # site profiles, read by every batch from the state
            self.chunks = batches(self.plan.todo, options.batch_size, options.workers)
            self.plan.todo = []
        except BaseException:
            state.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        return self.state.__exit__(*exc)

    @property
    def batch_count(self) -> int:
        """Batches still to hand out (all of them before `batches_done` starts)."""
        return len(self.chunks)

    def batches_done(self, submit: Callable[[list[Source]], object], limit: int | None,
                     first_done: Callable[[set], object],
                     result: Callable[[object], list[DocSummary]] = lambda future: future.result(),
                     ) -> Iterator[list[DocSummary]]:
        """Hand out the batches, `limit` at a time (all at once when None), and record
        each one's results in the state as it finishes; yield them, in that order."""
        for future in in_flight(drain(self.chunks), submit, limit, first_done):
            summaries = result(future)
            self.state.record(summaries, self.fp)
            yield summaries

    def finalize(self) -> RunSummary:
        """The run's last step, in this process, under the run's lock."""
        return finalize(self.out, self.options, self.started, self.plan, self.state)


def run(inputs: list[str], out_dir: str | Path, options: Options | None = None, wait: bool = False) -> RunSummary:
    """The plain library loop: no Prefect, same outputs as the flow. Only pages that are
    new or changed (or whose rules changed) are cleaned; the output folder is locked."""
    options = options or Options()
    with Run(inputs, out_dir, options, wait=wait) as this:
        if options.workers > 1:
            # Threads only feed the worker processes, a batch more than there are
            # workers; results are committed here, in this thread, as each batch finishes.
            with ThreadPoolExecutor(options.workers) as pool:
                def submit(chunk):
                    return pool.submit(process_batch, chunk, out_dir, options)

                for _ in this.batches_done(submit, options.workers + 1, _first_done):
                    pass
        else:
            for _ in this.batches_done(lambda chunk: _done(process_batch(chunk, out_dir, options)), 1, _first_done):
                pass
        return this.finalize()


def _first_done(running: set[Future]) -> Future:
    return next(iter(wait_for(running, return_when=FIRST_COMPLETED).done))


def _done(value) -> Future:
    """A batch run here, in this thread, as the future of a finished one."""
    future = Future()
    future.set_result(value)
    return future
