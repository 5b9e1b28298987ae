"""Corpus files in and out: pages as records of JSONL or WARC / WET files, URLs for plain
files from a `urls.tsv` sidecar, and the run's clean pages as one `documents.jsonl` or
`documents.parquet`.

Inputs. A container is listed record by record when the run is planned: each page record
becomes a `Source` with a stable id (the record's own id field, else the file's id and
the record's number), its URL, its place in the file (number and byte offset) and the
sha256 of its page, so a re-run cleans only records whose page or URL changed. Nothing
is held whole: the file is read as a stream, a record at a time, and a batch reads its
records again by offset (WARC and plain JSONL seek straight to them; a `.jsonl.gz` is
read forward, one open reader a process, so records in file order cost one pass).
A record that is not a page (bad JSON, no text field, an HTTP error, an image) is listed
with the reason it is rejected; a file that breaks off (truncated gzip, corrupt WARC)
is listed up to the break, and the rest is one rejected entry naming where it broke.

WARC and WET records are read with warcio, made for them (record framing, per-record
gzip, chunked and compressed HTTP bodies). JSONL is read line by line with the standard
library: a line is a record, and its byte offset is what a batch seeks to.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

from pipeline.document import Rejected
from pipeline.sites import host_of
from pipeline.source import Source, safe_id

# Containers by file name ending (lower-case). Common Crawl names its WET files
# `*.warc.wet.gz`: the `.wet.gz` ending says what they hold.
_KINDS = ((".jsonl.gz", "jsonl"), (".jsonl", "jsonl"), (".wet.gz", "warc"), (".wet", "warc"),
          (".warc.gz", "warc"), (".warc", "warc"))
SIDECAR = "urls.tsv"
STDIN = "-"
# Where `pipeline run -` keeps what it read from stdin: in the output's state folder, so
# a re-run with the same input is incremental like any other file.
STDIN_DISPLAY = "stdin"
# WARC record types that hold a page; the others (warcinfo, request, metadata) describe
# a crawl, not a page, and are not listed.
_PAGE_RECORDS = {"response", "resource", "conversion", "revisit"}
_BLOCK = 1 << 20


def container_kind(name: str) -> str | None:
    """'jsonl' or 'warc' for a corpus file, None for anything else."""
    lower = name.lower()
    for suffix, kind in _KINDS:
        if lower.endswith(suffix):
            return kind
    return None


def _container_id(relpath: str) -> str:
    name = relpath
    for suffix, _ in _KINDS:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return safe_id(name)


@dataclass(frozen=True)
class Fields:
    """Which JSONL fields hold the page (text first, else HTML), its URL and its id. A
    dotted name reaches into an object (`metadata.url`, as datatrove writes it)."""

    text: str = "text"
    html: str = "html"
    url: str = "url"
    id: str = "id"

    @classmethod
    def of(cls, options) -> "Fields":
        if options is None:
            return cls()
        return cls(options.text_field, options.html_field, options.url_field, options.id_field)


def _field(record: dict, name: str):
    if not name:
        return None
    if name in record:
        return record[name]
    value = record
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


# -- listing ---------------------------------------------------------------------------

def list_records(path: str, display: str, relpath: str, fields: Fields, max_bytes: int) -> list[Source]:
    """Every page record of one container, in file order, with provisional ids (the
    caller makes them unique across the run)."""
    kind = container_kind(relpath) or container_kind(path)
    base = _container_id(relpath)
    folder = os.path.dirname(relpath)
    listed: list[Source] = []
    try:
        records = _jsonl_records(path, fields, max_bytes) if kind == "jsonl" else _warc_records(path, max_bytes)
        for number, offset, item in records:
            listed.append(_source(path, display, folder, base, number, offset, item))
    except _BrokenAt as broken:
        listed.append(Source(path, f"{display}#{broken.number}", _record_relpath(folder, base, broken.number, "txt"),
                             f"{base}-{broken.number:06d}", broken.reason, record=broken.number, offset=broken.offset))
    except (OSError, Rejected) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        listed.append(Source(path, display, relpath, base or "corpus", f"cannot read the file: {reason}"))
    return listed


@dataclass
class _Item:
    """One record as listed: what its Source needs."""

    sha256: str | None = None
    url: str | None = None
    ident: str | None = None
    field: str | None = None  # JSONL: the field read; WARC: the record type
    html: bool = False
    skip: str | None = None


class _BrokenAt(Exception):
    def __init__(self, number: int, offset: int | None, reason: str):
        super().__init__(reason)
        self.number, self.offset, self.reason = number, offset, reason


def _record_relpath(folder: str, base: str, number: int, ext: str) -> str:
    # The name says the format, as a file's does (read_pages and clean_bytes look at it).
    name = f"{base}#{number:06d}.{ext}"
    return f"{folder}/{name}" if folder else name


def _source(path: str, display: str, folder: str, base: str, number: int, offset: int, item: _Item) -> Source:
    ident = safe_id(str(item.ident)) if item.ident not in (None, "") else f"{base}-{number:06d}"
    if item.sha256 is None:
        # A record rejected unread (not JSON, an image...): the same rejection of the same
        # record is unchanged on a re-run, not rejected again each run.
        item.sha256 = hashlib.sha256(f"{item.skip}\0{item.url}".encode("utf-8", "surrogatepass")).hexdigest()
    return Source(path, f"{display}#{number}", _record_relpath(folder, base, number, "html" if item.html else "txt"),
                  ident, item.skip, url=item.url, record=number, offset=offset, field=item.field, sha256=item.sha256)


def _open_text_stream(path: str):
    return gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb")


def _jsonl_records(path: str, fields: Fields, max_bytes: int):
    """(line number, byte offset of the line in the uncompressed stream, _Item)."""
    limit = _line_limit(max_bytes)
    offset = 0
    number = 0
    try:
        with _open_text_stream(path) as handle:
            while True:
                number += 1
                line = handle.readline(limit)
                if not line:
                    return
                start = offset
                offset += len(line)
                if len(line) >= limit and not line.endswith(b"\n"):
                    offset += _skip_line(handle)
                    yield number, start, _Item(skip=f"record larger than {limit:,} bytes (the page size limit, with room for its other fields)")
                    continue
                if not line.strip():
                    continue  # a blank line is no record
                yield number, start, _jsonl_item(line, fields, max_bytes)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise _BrokenAt(number, offset, f"corrupt gzip data from line {number} on: {exc}") from None


def _line_limit(max_bytes: int) -> int:
    # A page's JSON text may be longer than the page (escapes, other fields).
    return 4 * max_bytes + (1 << 20)


def _skip_line(handle) -> int:
    skipped = 0
    while True:
        chunk = handle.readline(_BLOCK)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def _jsonl_item(line: bytes, fields: Fields, max_bytes: int) -> _Item:
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return _Item(skip=f"not a JSON record: {exc}")
    if not isinstance(record, dict):
        return _Item(skip=f"not a JSON object but a {type(record).__name__}")
    url = _field(record, fields.url)
    url = url.strip() if isinstance(url, str) and url.strip() else None
    ident = _field(record, fields.id)
    ident = ident if isinstance(ident, (str, int)) and not isinstance(ident, bool) else None
    payload, chosen = _page_field(record, fields)
    if payload is None:
        wanted = " or ".join(repr(f) for f in (fields.text, fields.html) if f)
        return _Item(url=url, ident=ident, skip=f"no page in the record: no text in field {wanted}")
    data = payload.encode("utf-8", "surrogatepass")
    item = _Item(hashlib.sha256(data).hexdigest(), url, ident, chosen, chosen == fields.html and chosen != fields.text)
    if len(data) > max_bytes:
        item.skip = f"page is larger than the page size limit of {max_bytes:,} bytes"
    return item


def _page_field(record: dict, fields: Fields) -> tuple[str | None, str | None]:
    for name in (fields.text, fields.html):
        value = _field(record, name)
        if isinstance(value, str) and value.strip():
            return value, name
    return None, None


def _warc_records(path: str, max_bytes: int):
    """(record number, raw byte offset, _Item) for the page records of a WARC / WET file."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    done = 0  # records read whole; the one after is where a break is
    with open(path, "rb") as handle:
        iterator = ArchiveIterator(handle)
        try:
            for record in iterator:
                if record.rec_type in _PAGE_RECORDS:
                    item = _warc_item(record, max_bytes)
                    # Asked after the page is read: warcio reads the rest of the record to say it.
                    yield done + 1, iterator.get_record_offset(), item
                done += 1
        except (ArchiveLoadFailed, EOFError, zlib.error, gzip.BadGzipFile, ValueError) as exc:
            raise _BrokenAt(done + 1, None, f"corrupt WARC data from record {done + 1} on: {exc}") from None


def _warc_item(record, max_bytes: int) -> _Item:
    url = record.rec_headers.get_header("WARC-Target-URI")
    item = _Item(url=url.strip() if url and url.strip() else None, field=record.rec_type)
    why = _not_a_page(record)
    if why:
        item.skip = why
        return item
    digest, size = hashlib.sha256(), 0
    stream = record.content_stream()
    for block in iter(lambda: stream.read(_BLOCK), b""):
        digest.update(block)
        size += len(block)
    # A record cut off (a truncated download) reads as a short one: what is left of its
    # declared length says so.
    raw = record.raw_stream
    while raw.read(_BLOCK):
        pass
    if getattr(raw, "limit", 0) > 0:
        raise ValueError(f"the record ends {raw.limit:,} bytes before its declared length")
    item.sha256 = digest.hexdigest()
    item.html = record.rec_type in ("response", "resource") and _is_html(record)
    if size > max_bytes:
        item.skip = f"page is larger than the page size limit of {max_bytes:,} bytes"
    elif size == 0:
        item.skip = "empty record: no page"
    return item


def _content_type(record) -> str:
    headers = record.http_headers if record.rec_type == "response" else None
    value = (headers.get_header("Content-Type") if headers else None) or record.rec_headers.get_header("Content-Type") or ""
    return value.split(";")[0].strip().lower()


def _is_html(record) -> bool:
    return "html" in _content_type(record)


def _not_a_page(record) -> str | None:
    if record.rec_type == "revisit":
        return "revisit record: it holds no page of its own"
    if record.rec_type == "response":
        if record.http_headers is None:
            return "response record without an HTTP response"
        status = record.http_headers.get_statuscode() or ""
        if not status.startswith("2"):
            return f"HTTP status {status or 'missing'}: not a page"
    kind = _content_type(record)
    if record.rec_type != "conversion" and kind and "html" not in kind and not kind.startswith("text/"):
        return f"not a page: content type {kind}"
    return None


# -- reading one record again ----------------------------------------------------------

class _Reader:
    """One open container a process: a batch's records, in file order, are read in one
    pass (a gzip stream cannot seek back without reading from its start again)."""

    path: str | None = None
    key: tuple | None = None
    handle = None

    def get(self, path: str):
        st = os.stat(path)
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        if self.handle is None or self.path != path or self.key != key:
            self.close()
            self.handle = _open_text_stream(path) if container_kind(path) == "jsonl" else open(path, "rb")
            self.path, self.key = path, key
        return self.handle

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
        self.handle = self.path = self.key = None


_READER = _Reader()


def read_record(source: Source, max_bytes: int) -> bytes:
    """The page of one listed record, checked against the hash taken when it was listed."""
    if source.skip:
        raise Rejected(source.skip)
    try:
        if container_kind(source.path) == "jsonl":
            data = _read_jsonl(source, max_bytes)
        else:
            data = _read_warc(source, max_bytes)
    except FileNotFoundError:
        _READER.close()
        raise Rejected("file vanished before the record could be read") from None
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        _READER.close()
        raise Rejected(f"cannot read the record: {exc}") from None
    if len(data) > max_bytes:
        raise Rejected(f"page is larger than the page size limit of {max_bytes:,} bytes")
    if source.sha256 and hashlib.sha256(data).hexdigest() != source.sha256:
        raise Rejected("the file changed while the run read it: this record is not the one listed (run again)")
    return data


def _read_jsonl(source: Source, max_bytes: int) -> bytes:
    handle = _READER.get(source.path)
    handle.seek(source.offset)
    line = handle.readline(_line_limit(max_bytes))
    record = json.loads(line)
    value = _field(record, source.field) if isinstance(record, dict) else None
    if not isinstance(value, str):
        raise Rejected("the file changed while the run read it: the record has no page any more (run again)")
    return value.encode("utf-8", "surrogatepass")


def _read_warc(source: Source, max_bytes: int) -> bytes:
    from warcio.archiveiterator import ArchiveIterator

    handle = _READER.get(source.path)
    handle.seek(source.offset)
    record = next(iter(ArchiveIterator(handle)))
    return record.content_stream().read(max_bytes + 1)


# -- URLs of plain files ---------------------------------------------------------------

class SidecarUrls:
    """URLs for plain files from `urls.tsv` files: `path<TAB>url` a line, the path
    relative to the folder holding the sidecar. A file's nearest sidecar that names it
    wins (its own folder's, then its parent's, up to the input folder). A header line
    `path<TAB>url`, blank lines, `#` comments and lines without a URL are ignored."""

    def __init__(self):
        self._tables: dict[Path, dict[str, str]] = {}

    def url_for(self, path: Path, root: Path | None) -> str | None:
        folder = path.parent
        while True:
            table = self._table(folder)
            rel = path.relative_to(folder).as_posix()
            if rel in table:
                return table[rel]
            if root is None or folder == root or folder == folder.parent or not folder.is_relative_to(root):
                return None
            folder = folder.parent

    def _table(self, folder: Path) -> dict[str, str]:
        if folder not in self._tables:
            self._tables[folder] = read_sidecar(folder / SIDECAR)
        return self._tables[folder]


def read_sidecar(path: Path) -> dict[str, str]:
    table: dict[str, str] = {}
    try:
        text = path.read_text("utf-8-sig", errors="replace")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
        return table
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        name, url = (part.strip() for part in line.split("\t", 1))
        if (name.lower(), url.lower()) == ("path", "url") or not host_of(url):
            continue
        table[Path(name).as_posix().removeprefix("./")] = url
    return table


# -- stdin -----------------------------------------------------------------------------

def take_stdin(inputs: list[str], out_dir: str | Path, stream=None) -> list[str]:
    """`-` among the inputs: JSONL read from stdin, one page a record. It is copied, a
    block at a time, to the output's state folder (batches read records by offset, and
    a re-run of the same input is then incremental), and `-` stands for that copy."""
    if STDIN not in inputs:
        return list(inputs)
    import shutil

    from pipeline.outdir import OutDir, atomic_path

    spool = OutDir(out_dir).stdin_spool
    spool.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(spool) as tmp, open(tmp, "wb") as handle:
        shutil.copyfileobj(stream if stream is not None else sys.stdin.buffer, handle, _BLOCK)
    return [str(spool) if given == STDIN else given for given in inputs]


def is_stdin_spool(path: Path) -> bool:
    from pipeline.outdir import STATE_DIR, STDIN_SPOOL

    return path.name == STDIN_SPOOL and path.parent.name == STATE_DIR


# -- corpus files out ------------------------------------------------------------------

FORMATS = ("jsonl", "parquet")
# What a corpus record holds besides id, text and url: the metadata a reader filters or
# groups by, not the ledger of removed lines (that stays in <id>.json).
CORPUS_FIELDS = ("source", "site", "title", "author", "published", "language", "words", "format", "sha256")
_PARQUET_ROWS = 1000


def corpus_rows(out: Path, ids):
    """One record per cleaned page, for ids in the order given, read from its files."""
    from pipeline.outdir import OutDir

    folder = OutDir(out)
    for ident in ids:
        try:
            meta = json.loads(folder.meta(ident).read_text("utf-8"))
            text = folder.body(ident).read_text("utf-8")
        except FileNotFoundError:
            continue
        row = {"id": ident, "text": text, "url": meta.get("url")}
        for name in CORPUS_FIELDS:
            row[name] = meta.get(name)
        yield row


def write_corpus(out: Path, ids_query, formats) -> None:
    """Write the corpus files asked for (and remove those not asked for, so none is out
    of date with the index). `ids_query()`: the cleaned ids in id order, a fresh cursor
    a call; rows stream from the per-document files, one at a time (Parquet: a row
    group of 1,000 at a time)."""
    from pipeline.outdir import CORPUS_FILES, OutDir, remove_quietly
    from pipeline.write import write_jsonl

    folder = OutDir(out)
    for name in CORPUS_FILES:
        if name not in formats:
            remove_quietly(folder.corpus_file(name))
    if "jsonl" in formats:
        write_jsonl(folder.corpus_file("jsonl"), corpus_rows(out, ids_query()))
    if "parquet" in formats:
        _write_parquet(folder.corpus_file("parquet"), corpus_rows(out, ids_query()))


def _write_parquet(path: Path, rows) -> None:
    """A Parquet file written atomically, a row group at a time."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        from pipeline.write import OutputError

        raise OutputError("--format parquet needs pyarrow: pip install 'news-pipeline[parquet]'") from None
    schema = pa.schema([("id", pa.string()), ("text", pa.string()), ("url", pa.string())]
                       + [(name, pa.int64() if name == "words" else pa.string()) for name in CORPUS_FIELDS])
    from pipeline.outdir import atomic_path

    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema) as writer:
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == _PARQUET_ROWS:
                writer.write_table(pa.Table.from_pylist(chunk, schema))
                chunk = []
        if chunk:
            writer.write_table(pa.Table.from_pylist(chunk, schema))
