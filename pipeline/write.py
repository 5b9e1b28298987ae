"""Write outputs atomically: a temporary file in the same folder, then a rename, so a
reader or a killed run never sees half a file."""
from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Iterable


class OutputError(Exception):
    """The output folder cannot take a write (disk full, file size limit, read-only...).

    Not a fault of the document: every later write would fail the same way, so the run
    stops with this message; files already written stay whole (writes are atomic)."""


def write_atomic(path: Path, data: str | bytes | Iterable[str]) -> None:
    """`data`: the whole content, or pieces of text written as they come (an index of
    any size is never held whole in memory)."""
    path = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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


def remove_stale_temporaries(folder: Path) -> None:
    """Temporary files a killed run left behind (never a finished output)."""
    for stale in Path(folder).glob(".*.tmp"):
        remove_quietly(stale)


def to_json(data) -> str:
    """Stable JSON: sorted keys, UTF-8 text, a final newline."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def write_json(path: Path, data) -> None:
    write_atomic(path, to_json(data))


def write_jsonl(path: Path, rows) -> None:
    """One JSON object a line; `rows` may be a generator, written as it yields."""
    write_atomic(path, (json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows))


def remove_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
