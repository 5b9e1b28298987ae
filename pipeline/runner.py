"""Run the steps over many documents: batches that clean and write each page, then a
final step that finds cross-document duplicates and writes the index.

The Prefect flow in flows/ calls these same functions; `run` is the plain library loop.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.dedup_corpus import body_hash, find_duplicates, signature
from pipeline.document import Rejected, Status
from pipeline.options import Options
from pipeline.process import VERSION, Engine, clean_bytes
from pipeline.report import write_report
from pipeline.sites import folder_of
from pipeline.sources import Source, check_supported, discover, read_source
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
    signature: list[int] | None = None
    rules: dict[str, int] = field(default_factory=dict)


def clean_source(source: Source, engine: Engine):
    """Read and clean one input file; bad input becomes a rejection, never an exception."""
    try:
        check_supported(source)
        data = read_source(source, engine.options.max_input_bytes)
    except Rejected as exc:
        return None, _rejected(str(exc))
    try:
        result = clean_bytes(data, source.relpath, engine, folder=folder_of(source.display))
    except Exception as exc:  # a bug a page provoked must not stop the run: record it
        result = _rejected(f"internal error while cleaning: {type(exc).__name__}: {exc}")
    result.metadata["sha256"] = hashlib.sha256(data).hexdigest()
    result.metadata["bytes"] = len(data)
    return data, result


def _rejected(reason: str):
    from pipeline.document import CleanResult

    return CleanResult(Status.REJECTED, reason)


def process_document(source: Source, out: Path, engine: Engine) -> DocSummary:
    """Clean one source and write its files; a failed write raises OutputError."""
    _, result = clean_source(source, engine)
    return write_result(source, result, out, engine.options)


def write_result(source: Source, result, out: Path, options: Options) -> DocSummary:
    meta = {"id": source.id, "source": source.display, "status": result.status.value,
            "reason": result.reason, "duplicates": [], **result.metadata}
    if result.status is Status.CLEANED:
        write_atomic(out / f"{source.id}.txt", result.body)
    else:
        remove_quietly(out / f"{source.id}.txt")
    write_json(out / f"{source.id}.json", meta)
    summary = DocSummary(
        id=source.id, source=source.display, status=result.status.value, reason=result.reason,
        title=meta.get("title"), published=meta.get("published"), language=meta.get("language"),
        words=meta.get("words", 0), rules=meta.get("rules", {}),
    )
    if result.status is Status.CLEANED:
        summary.body_sha256 = body_hash(result.body)
        summary.signature = signature(result.body, options.shingle_words, options.minhash_permutations)
    return summary


def process_batch(sources: list[Source], out_dir: str | Path, options: Options | None = None) -> list[DocSummary]:
    """Clean and write each source of a batch; return their summaries.

    With a per-document time limit (the default) the pages are cleaned in a worker
    process that is stopped when one page runs over (pipeline/guard.py)."""
    options = options or Options()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if options.doc_time_limit and sources:
        from pipeline.guard import process_guarded

        return process_guarded(sources, out, options)
    engine = Engine.load(options)
    return [process_document(source, out, engine) for source in sources]


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

    def to_dict(self) -> dict:
        return asdict(self)


def finalize(summaries: list[DocSummary], out_dir: str | Path, options: Options | None = None,
             started: float | None = None) -> RunSummary:
    """Cross-document duplicates, then the index (stable order) and the run record."""
    options = options or Options()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Every batch has finished: a temporary file left now is from a killed run.
    remove_stale_temporaries(out)
    summaries = sorted(summaries, key=lambda s: s.id)
    cleaned = [(s.id, s.body_sha256, s.signature) for s in summaries if s.status == Status.CLEANED.value]
    links = find_duplicates(cleaned, options.near_duplicate_threshold, options.minhash_permutations)
    by_doc: dict[str, list[dict]] = {}
    for link in links:
        by_doc.setdefault(link.id, []).append({"id": link.other, "similarity": link.similarity, "canonical": link.canonical})
    index = {s.id: s for s in summaries}
    for ident, duplicates in sorted(by_doc.items()):
        meta_path = out / f"{ident}.json"
        meta = json.loads(meta_path.read_text("utf-8"))
        meta["duplicates"] = duplicates
        canonical = duplicates[0]["canonical"]
        if canonical != ident:
            meta["status"] = Status.DUPLICATE.value
            meta["reason"] = f"duplicate of {canonical} (similarity {max(d['similarity'] for d in duplicates if d['id'] == canonical) if any(d['id'] == canonical for d in duplicates) else duplicates[0]['similarity']})"
            index[ident].status = Status.DUPLICATE.value
            index[ident].reason = meta["reason"]
        write_json(meta_path, meta)

    rows = []
    for s in summaries:
        outputs = {"metadata": f"{s.id}.json"}
        if s.status != Status.REJECTED.value:
            outputs["body"] = f"{s.id}.txt"
        rows.append({"id": s.id, "source": s.source, "status": s.status, "reason": s.reason, "title": s.title,
                     "published": s.published, "language": s.language, "words": s.words, "outputs": outputs})
    write_jsonl(out / "index.jsonl", rows)
    write_report(out)  # report.html: figures and every document's lines, from the files just written

    statuses = Counter(s.status for s in summaries)
    removed = Counter()
    for s in summaries:
        removed.update(s.rules)
    summary = RunSummary(
        documents=len(summaries),
        cleaned=statuses[Status.CLEANED.value],
        duplicates=statuses[Status.DUPLICATE.value],
        rejected=statuses[Status.REJECTED.value],
        rejected_reasons=dict(sorted(Counter(s.reason for s in summaries if s.status == Status.REJECTED.value).items())),
        removed_by_rule=dict(sorted(removed.items(), key=lambda kv: (-kv[1], kv[0]))),
        seconds=round(time.monotonic() - started, 3) if started is not None else 0.0,
        out=str(out),
    )
    # The run record holds the only wall-clock facts, apart from the articles' files.
    write_atomic(out / "run.json", to_json({**summary.to_dict(), "pipeline_version": VERSION,
                                            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))
    return summary


def batches(sources: list[Source], size: int) -> list[list[Source]]:
    return [sources[i:i + size] for i in range(0, len(sources), size)]


def run(inputs: list[str], out_dir: str | Path, options: Options | None = None) -> RunSummary:
    """The plain library loop: no Prefect, same outputs as the flow."""
    options = options or Options()
    started = time.monotonic()
    sources = discover(inputs, options.follow_symlinks)
    summaries: list[DocSummary] = []
    for batch in batches(sources, options.batch_size):
        summaries += process_batch(batch, out_dir, options)
    return finalize(summaries, out_dir, options, started)
