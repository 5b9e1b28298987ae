"""The output folder's layout, in one place: which file holds what, how a file is
written (atomically), and how a killed run's leftovers are swept.

    <out>/{id}.txt        a cleaned (or duplicate) page's body
    <out>/{id}.json       every page's metadata (status, reason, removed lines...)
    <out>/index.jsonl     one row a document: the run's commit point
    <out>/report.html     the run's report
    <out>/run.json        the run record (figures, version, when it finished)
    <out>/documents.jsonl, documents.parquet   with --format: the clean pages as one file
    <out>/.pipeline/      the run state (pipeline/state.py): internal, machine-specific
    <out>/.pipeline/stdin.jsonl   JSONL read from stdin (`-`), kept for re-runs
    <out>/.{name}.*.tmp   a file being written; renamed over `name` when whole

A write goes to a temporary file in the same folder, then a rename: a reader or a
killed run never sees half a file. A temporary file found when no run is writing is a
killed run's, and is removed (`OutDir.sweep`).
"""
from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable

STATE_DIR = ".pipeline"
INDEX = "index.jsonl"
REPORT = "report.html"
RUN_RECORD = "run.json"
CORPUS_FILES = {"jsonl": "documents.jsonl", "parquet": "documents.parquet"}
STDIN_SPOOL = "stdin.jsonl"
_TMP_SUFFIX = ".tmp"
# The tool's own files' names (run.json, index.jsonl, report.html, documents.jsonl): an
# input's id never takes one of them (pipeline/source.py).
RESERVED_IDS = frozenset({"run", "index", "report", "documents"})


class OutputError(Exception):
    """The output folder cannot take a write (disk full, file size limit, read-only...).

    Not a fault of the document: every later write would fail the same way, so the run
    stops with this message; files already written stay whole (writes are atomic)."""


def body_name(ident: str) -> str:
    return f"{ident}.txt"


def meta_name(ident: str) -> str:
    return f"{ident}.json"


class OutDir:
    """Paths in one output folder, and its sweeping."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def body(self, ident: str) -> Path:
        return self.root / body_name(ident)

    def meta(self, ident: str) -> Path:
        return self.root / meta_name(ident)

    @property
    def index(self) -> Path:
        return self.root / INDEX

    @property
    def report(self) -> Path:
        return self.root / REPORT

    @property
    def run_record(self) -> Path:
        return self.root / RUN_RECORD

    @property
    def state(self) -> Path:
        return self.root / STATE_DIR

    @property
    def stdin_spool(self) -> Path:
        return self.root / STATE_DIR / STDIN_SPOOL

    def corpus_file(self, fmt: str) -> Path:
        return self.root / CORPUS_FILES[fmt]

    def leftovers(self, ident: str) -> list[Path]:
        """Temporary files of one document's body and metadata (a worker stopped mid-write)."""
        return [path for name in (body_name(ident), meta_name(ident))
                for path in self.root.glob(f".{name}.*{_TMP_SUFFIX}")]

    def sweep(self) -> None:
        """Remove the temporary files a killed run left behind (never a finished output)."""
        remove_stale_temporaries(self.root)


def remove_stale_temporaries(folder: str | Path) -> None:
    """Temporary files a killed run left in `folder` (never a finished output)."""
    for stale in Path(folder).glob(f".*{_TMP_SUFFIX}"):
        remove_quietly(stale)


def remove_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _umask() -> int:
    """The process's umask. Linux shows it in /proc (read without changing it); elsewhere
    it is set and put back, once, when this module is imported."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()


@contextmanager
def atomic_path(path: Path):
    """For writers that want a file name (pyarrow, a stream copy): yields a temporary
    name in `path`'s folder, renamed over `path` when the block ends without error,
    removed when it does not."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_TMP_SUFFIX)
    os.fchmod(fd, _FILE_MODE)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: str | bytes | Iterable[str]) -> None:
    """`data`: the whole content, or pieces of text written as they come (an index of
    any size is never held whole in memory). The file gets the mode the umask gives, as
    a file opened for writing would (mkstemp makes it 0600, unreadable to others)."""
    path = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_TMP_SUFFIX)
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, (str, bytes)):
                handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            else:
                for piece in data:
                    handle.write(piece.encode("utf-8"))
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        if isinstance(exc, OSError):
            code = errno.errorcode.get(exc.errno, "")
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}{f' ({code})' if code else ''}") from exc
        raise
