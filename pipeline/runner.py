"""Run the steps over many documents: batches that clean and write each page, then a
final step that finds cross-document duplicates and writes the index.

The Prefect flow in flows/ calls these same functions; `run` is the plain library loop.
"""
from __future__ import annotations

import base64
import hashlib
import os
import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from itertools import islice
from pathlib import Path

from pipeline.corpus import CORPUS_FILES, take_stdin, write_corpus
from pipeline.dedup_corpus import find_duplicates, packed_fingerprint
from pipeline.document import Rejected, Status
from pipeline.options import Options
from pipeline.process import VERSION, Engine, clean_bytes
from pipeline.report import write_report
from pipeline.sites import folder_of, host_of
from pipeline.sources import Source, check_supported, discover, printable, read_source
from pipeline.state import Plan, State, file_stat, fingerprint
from pipeline.write import remove_quietly, remove_stale_temporaries, to_json, write_atomic, write_json, write_jsonl


@dataclass
class DocSummary:
    """What a batch hands back per document: small, so thousands fit in memory."""

    id: str
    source: str
    status: str
    reason: str | None
    title: str | None = None
    published: str | None = None
    language: str | None = None
    words: int = 0
    body_sha256: str | None = None
    signature: bytes | None = None  # MinHash values packed as uint32, as the state stores them
    rules: dict[str, int] = field(default_factory=dict)
    # Where the input was and what it held when read: the state's key for re-runs.
    path: str = ""
    size: int | None = None
    mtime_ns: int | None = None
    sha256: str | None = None
    url: str | None = None

    def to_wire(self) -> dict:
        """A JSON-ready dict, as a worker or a Prefect task hands it back: the signature in
        base64, and the values not copied (dataclasses.asdict copies deeply, the main
        process's largest cost a document when it was used here)."""
        wire = {name: getattr(self, name) for name in _SUMMARY_FIELDS}
        if self.signature is not None:
            wire["signature"] = base64.b64encode(self.signature).decode("ascii")
        return wire

    @classmethod
    def from_wire(cls, wire: dict) -> DocSummary:
        summary = cls(**wire)
        if summary.signature is not None:
            summary.signature = base64.b64decode(summary.signature)
        return summary


_SUMMARY_FIELDS = tuple(f.name for f in fields(DocSummary))


def clean_source(source: Source, engine: Engine):
    """Read and clean one input file; bad input becomes a rejection, never an exception."""
    try:
        check_supported(source)
        data = read_source(source, engine.options.max_input_bytes)
    except Rejected as exc:
        return None, _rejected(str(exc))
    try:
        result = clean_bytes(data, source.relpath, engine, folder=folder_of(source.display), url=source.url)
    except Exception as exc:  # a bug a page provoked must not stop the run: record it
        result = _rejected(f"internal error while cleaning: {type(exc).__name__}: {exc}")
    result.metadata["sha256"] = hashlib.sha256(data).hexdigest()
    result.metadata["bytes"] = len(data)
    return data, result


def provenance(source: Source, metadata: dict) -> dict:
    """A record's place in its corpus file, and a page's given URL, in its metadata
    (rejected pages too: the report then shows their site)."""
    if source.record is not None:
        metadata["record"] = {"file": source.display.rsplit("#", 1)[0], "number": source.record,
                              "offset": source.offset, "field": source.field}
    if source.url:
        metadata.setdefault("url", source.url)
        metadata.setdefault("site", host_of(source.url))
    return metadata


def _rejected(reason: str):
    from pipeline.document import CleanResult

    return CleanResult(Status.REJECTED, reason)


def process_document(source: Source, out: Path, engine: Engine) -> DocSummary:
    """Clean one source and write its files; a failed write raises OutputError."""
    # Stat before reading: if the file changes in between, the next run sees a new
    # mtime and looks again.
    size, mtime_ns = file_stat(source.path) if source.record is None else (None, None)
    _, result = clean_source(source, engine)
    summary = write_result(source, result, out, engine.options)
    summary.path, summary.size, summary.mtime_ns = printable(source.place), size, mtime_ns
    return summary


def write_result(source: Source, result, out: Path, options: Options) -> DocSummary:
    meta = {"id": source.id, "source": source.display, "status": result.status.value,
            "reason": result.reason, "duplicates": [], **provenance(source, result.metadata)}
    if result.status is Status.CLEANED:
        write_atomic(out / f"{source.id}.txt", result.body)
    # A body that is no longer wanted is removed by `finalize`, after the index that
    # stops pointing at it is written, so the index never names a missing file.
    write_json(out / f"{source.id}.json", meta)
    summary = DocSummary(
        id=source.id, source=source.display, status=result.status.value, reason=result.reason,
        title=meta.get("title"), published=meta.get("published"), language=meta.get("language"),
        words=meta.get("words", 0), rules=meta.get("rules", {}), sha256=meta.get("sha256") or source.sha256,
        url=source.url,
    )
    if result.status is Status.CLEANED:
        summary.body_sha256, summary.signature = packed_fingerprint(result.body, options.shingle_words,
                                                                    options.minhash_permutations)
    return summary


def process_batch(sources: list[Source], out_dir: str | Path, options: Options | None = None) -> list[DocSummary]:
    """Clean and write each source of a batch; return their summaries.

    With a per-document time limit (the default) or several workers, the pages are
    cleaned in a worker process, stopped when one page runs over (pipeline/guard.py)."""
    options = options or Options()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if (options.doc_time_limit or options.workers > 1) and sources:
        from pipeline.guard import process_guarded

        return process_guarded(sources, out, options)
    engine = _engine(options, out)
    return [process_document(source, out, engine) for source in sources]


def _engine(options: Options, out: Path | None = None) -> Engine:
    """Rule data and the run's learned site profiles, loaded per batch (a few ms): a
    process-wide cache would hand a later run the profiles of an earlier one."""
    return Engine.load(options, out_dir=out)


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
        from pipeline.state import connect

        state = State(out)
        state.db = connect(out)
    try:
        return _finalize(state, out, options, started, plan)
    finally:
        if own:
            state.db.close()


def _finalize(state: State, out: Path, options: Options, started, plan) -> RunSummary:
    # Every batch has finished: a temporary file left now is from a killed run.
    remove_stale_temporaries(out)
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
                _settle_files(state, out, ident, status, new_status, new_reason, duplicates)
                changed.append((ident, status, new_status, new_reason, dup_json))
            statuses[new_status] += 1
            if new_status == WITHDRAWN:
                outputs = {"metadata": f"{ident}.json"}
            else:
                removed.update(json.loads(rules))
                # Nothing is lost: a duplicate keeps its own body; its metadata names the canonical.
                keeps_body = new_status in (Status.CLEANED.value, Status.DUPLICATE.value)
                outputs = {"metadata": f"{ident}.json", **({"body": f"{ident}.txt"} if keeps_body else {})}
                if new_status == Status.REJECTED.value:
                    rejected_reasons[new_reason] += 1
            yield {"id": ident, "source": source, "status": new_status, "reason": new_reason, "title": title,
                   "published": published, "language": language, "words": words, "outputs": outputs}

    write_jsonl(out / "index.jsonl", index_rows())  # the commit point
    for ident, status, new_status, _, _ in changed:
        if new_status not in (Status.CLEANED.value, Status.DUPLICATE.value):
            remove_quietly(out / f"{ident}.txt")
            remove_quietly(state.held(ident))
    state.settle([(new_status, new_reason, dup_json, ident) for ident, _, new_status, new_reason, dup_json in changed])
    if options.formats or any((out / name).exists() for name in CORPUS_FILES.values()):
        # documents.jsonl / .parquet: the cleaned pages, read from their files in id order.
        write_corpus(out, lambda: (row[0] for row in db.execute("SELECT id FROM docs WHERE final_status='cleaned' ORDER BY id")),
                     options.formats)
    state.record_outputs()
    state.close_run()
    write_report(out)  # report.html: figures and every document's lines, from the files just written

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
    write_atomic(out / "run.json", to_json({**summary.to_dict(), "pipeline_version": VERSION,
                                            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))
    return summary


def _settle_files(state: State, out: Path, ident: str, status: str, new_status: str, new_reason: str | None,
                  duplicates: list[dict]) -> None:
    """Make one document's metadata say its final status, and give a cleaned document its
    body back if it had been held as a duplicate. Removals wait until the index is written."""
    meta_path = out / f"{ident}.json"
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
    except FileNotFoundError:
        meta = {"id": ident}
    target = {**meta, "status": new_status, "reason": new_reason, "duplicates": duplicates}
    if target != meta:
        write_json(meta_path, target)
    if new_status == Status.CLEANED.value and not (out / f"{ident}.txt").exists() and state.held(ident).exists():
        os.replace(state.held(ident), out / f"{ident}.txt")


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
    from pipeline.siteprofile import learn_sites
    from pipeline.state import STATE_DIR

    pages = None
    if options.workers > 1:
        from pipeline.guard import PARALLEL_LEARNING_MIN_PAGES, read_for_learning

        if len(sources) >= PARALLEL_LEARNING_MIN_PAGES:
            pages = read_for_learning(sources, options)
    return learn_sites(sources, Path(out_dir) / STATE_DIR, options.max_input_bytes, pages)


def run(inputs: list[str], out_dir: str | Path, options: Options | None = None, wait: bool = False) -> RunSummary:
    """The plain library loop: no Prefect, same outputs as the flow. Only pages that are
    new or changed (or whose rules changed) are cleaned; the output folder is locked."""
    options = options or Options()
    started = time.monotonic()
    inputs = take_stdin(inputs, out_dir)
    # Refuses an output folder that is an input folder or a file, and never reads the
    # output folder (inside an input folder) as input.
    sources = discover(inputs, options.follow_symlinks, options, out=out_dir)
    fp = fingerprint(options, VERSION)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    with State(out_dir, wait=wait) as state:
        plan = state.plan(sources, fp, inputs=list(inputs), prune=options.prune, options=options)
        del sources
        learn(plan.todo, out_dir, options)
        chunks = batches(plan.todo, options.batch_size, options.workers)
        plan.todo = []
        if options.workers > 1:
            # Threads only feed the worker processes, a batch more than there are
            # workers; results are committed here, in this thread, as each batch finishes.
            from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

            def first_done(running):
                return next(iter(wait(running, return_when=FIRST_COMPLETED).done))

            with ThreadPoolExecutor(options.workers) as pool:
                submit = lambda chunk: pool.submit(process_batch, chunk, out_dir, options)  # noqa: E731
                for future in in_flight(drain(chunks), submit, options.workers + 1, first_done):
                    state.record(future.result(), fp)
        else:
            for chunk in drain(chunks):
                state.record(process_batch(chunk, out_dir, options), fp)
        return finalize(out_dir, options, started, plan, state)
