"""One batch of pages: the wire format a batch travels in (its sources in, a small
summary per page out) and cleaning and writing each of its pages.

The run (pipeline/runner.py), the time-limit workers (pipeline/worker.py) and the
Prefect task (flows/clean.py) all import this module; it imports none of them.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field, fields
from pathlib import Path

from pipeline.dedup_corpus import packed_fingerprint
from pipeline.document import CleanResult, Rejected, Status
from pipeline.gcpolicy import batch_collection
from pipeline.options import Options
from pipeline.outdir import OutDir, remove_quietly
from pipeline.process import Engine, clean_bytes
from pipeline.report import document_counts
from pipeline.sites import folder_of, host_of
from pipeline.sources import Source, check_supported, printable, read_source
from pipeline.state import file_stat
from pipeline.write import write_atomic, write_json


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
    # What the report's first pass takes of the metadata (report.document_counts), kept
    # in the state so the report does not read every document's file for its counts.
    report: str | None = None

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
_SOURCE_FIELDS = tuple(f.name for f in fields(Source))


def sources_to_wire(sources: list[Source]) -> list[dict]:
    """A batch's sources as JSON-ready dicts (what a worker or a Prefect task is handed):
    asdict's dicts, made without its deep copy (a Source's fields are str, int or None,
    which asdict hands over as they are; its copy walked every value of every page)."""
    return [{name: getattr(s, name) for name in _SOURCE_FIELDS} for s in sources]


def sources_from_wire(wire: list[dict]) -> list[Source]:
    return [Source(**s) for s in wire]


def rejected(reason: str) -> CleanResult:
    return CleanResult(Status.REJECTED, reason)


def clean_source(source: Source, engine: Engine):
    """Read and clean one input file; bad input becomes a rejection, never an exception."""
    try:
        check_supported(source)
        data = read_source(source, engine.options.max_input_bytes)
    except Rejected as exc:
        return None, rejected(str(exc))
    try:
        result = clean_bytes(data, source.relpath, engine, folder=folder_of(source.display), url=source.url)
    except Exception as exc:  # a bug a page provoked must not stop the run: record it
        result = rejected(f"internal error while cleaning: {type(exc).__name__}: {exc}")
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
    folder = OutDir(out)
    meta = {"id": source.id, "source": source.display, "status": result.status.value,
            "reason": result.reason, "duplicates": [], **provenance(source, result.metadata)}
    if result.status is Status.CLEANED:
        write_atomic(folder.body(source.id), result.body)
    # A body that is no longer wanted is removed by the run's last step, after the index
    # that stops pointing at it is written, so the index never names a missing file.
    write_json(folder.meta(source.id), meta)
    summary = DocSummary(
        id=source.id, source=source.display, status=result.status.value, reason=result.reason,
        title=meta.get("title"), published=meta.get("published"), language=meta.get("language"),
        words=meta.get("words", 0), rules=meta.get("rules", {}), sha256=meta.get("sha256") or source.sha256,
        url=source.url, report=document_counts(meta),
    )
    if result.status is Status.CLEANED:
        summary.body_sha256, summary.signature = packed_fingerprint(result.body, options.shingle_words,
                                                                    options.minhash_permutations)
    return summary


def give_up(source: Source, out: Path, options: Options, reason: str) -> DocSummary:
    """Record a page a worker did not finish (over its time, or the worker died), and
    clear anything it left half-written."""
    for leftover in OutDir(out).leftovers(source.id):
        remove_quietly(leftover)
    summary = write_result(source, rejected(reason), out, options)
    # Keyed like any other page, so an unchanged input is not retried on every run.
    summary.path = printable(source.path)
    summary.size, summary.mtime_ns = file_stat(source.path)
    return summary


def clean_in_process(sources: list[Source], out: Path, options: Options) -> list[DocSummary]:
    """Clean and write a batch's pages here, in this process, one after the other."""
    engine = load_engine(options, out)
    with batch_collection():  # the collector idle during the batch, up to a valve (pipeline/gcpolicy.py)
        try:
            return [process_document(source, out, engine) for source in sources]
        finally:
            engine.memo.clear()  # freed now, not at the next full collection (memo.LineMemo.clear)


def load_engine(options: Options, out: Path | None = None) -> Engine:
    """Rule data and the run's learned site profiles, loaded per batch (a few ms): a
    process-wide cache would hand a later run the profiles of an earlier one."""
    return Engine.load(options, out_dir=out)
