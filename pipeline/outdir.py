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
import itertools
import os
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


# A temporary file's name: `.{name}.` + this process's random token and a count + `.tmp`.
# Created with O_EXCL (and O_NOFOLLOW), so a name taken (a killed run's leftover, a
# planted link) is never opened: the next count is tried. The token is drawn again in
# a forked child, so parent and child do not race for the same names.
_TMP_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
              | getattr(os, "O_BINARY", 0))
_TMP_TRIES = 100


def _new_token() -> None:
    global _token, _counts
    _token, _counts = os.urandom(5).hex(), itertools.count()


_new_token()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_token)


def _create_temporary(path: str) -> tuple[int, str]:
    """A new temporary file beside `path`, open for writing: (its descriptor, its name).
    Opened with mode 0o666, which the umask narrows: the mode a file opened for writing
    gets (no chmod needed; mkstemp's 0600 needed one)."""
    folder, name = os.path.split(path)
    for _ in range(_TMP_TRIES):
        tmp = os.path.join(folder, f".{name}.{_token}{next(_counts):x}{_TMP_SUFFIX}")
        try:
            return os.open(tmp, _TMP_FLAGS, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, f"no free temporary name for {path}")


@contextmanager
def atomic_path(path: Path):
    """For writers that want a file name (pyarrow, a stream copy): yields a temporary
    name in `path`'s folder, renamed over `path` when the block ends without error,
    removed when it does not."""
    path = Path(path)
    fd, tmp = _create_temporary(os.fspath(path))
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_all(fd: int, data: bytes) -> None:
    """os.write until all of `data` is written (a write may take part of it)."""
    written = os.write(fd, data)
    if written < len(data):
        view = memoryview(data)
        while written < len(data):
            written += os.write(fd, view[written:])


def write_atomic(path: Path | str, data: str | bytes | Iterable[str]) -> None:
    """`data`: the whole content, or pieces of text written as they come (an index of
    any size is never held whole in memory). The file gets the mode the umask gives, as
    a file opened for writing would. A whole content is written with os.write (no file
    object: four system calls a file, open, write, close, rename)."""
    tmp = None
    try:
        fd, tmp = _create_temporary(os.fspath(path))
        try:
            if isinstance(data, (str, bytes)):
                _write_all(fd, data.encode("utf-8") if isinstance(data, str) else data)
            else:
                with open(fd, "wb", closefd=False) as handle:
                    for piece in data:
                        handle.write(piece.encode("utf-8"))
        finally:
            os.close(fd)
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
