"""Write outputs atomically: a temporary file in the same folder, then a rename, so a
reader or a killed run never sees half a file."""
from __future__ import annotations

import errno
import json
import os
import tempfile
from json.encoder import encode_basestring as _quote  # C, where built (ensure_ascii=False)
from pathlib import Path
from typing import Iterable


class OutputError(Exception):
    """The output folder cannot take a write (disk full, file size limit, read-only...).

    Not a fault of the document: every later write would fail the same way, so the run
    stops with this message; files already written stay whole (writes are atomic)."""


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


def write_atomic(path: Path, data: str | bytes | Iterable[str]) -> None:
    """`data`: the whole content, or pieces of text written as they come (an index of
    any size is never held whole in memory). The file gets the mode the umask gives, as
    a file opened for writing would (mkstemp makes it 0600, unreadable to others)."""
    path = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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


def remove_stale_temporaries(folder: Path) -> None:
    """Temporary files a killed run left behind (never a finished output)."""
    for stale in Path(folder).glob(".*.tmp"):
        remove_quietly(stale)


def to_json(data) -> str:
    """Stable JSON: sorted keys, UTF-8 text, a final newline.

    The very text of json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1):
    with an indent, the standard library encodes in Python, a generator per container,
    and a page's metadata (every removed line with its reason) took longer to encode
    than to write. `_indented` writes the same text with one call a container; a value
    it does not know (a non-str key, a subclass) hands the whole document back to json."""
    pieces: list[str] = []
    try:
        _indented(data, "\n", pieces)
    except _Unusual:
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    pieces.append("\n")
    return "".join(pieces)


class _Unusual(Exception):
    """A value `_indented` leaves to json.dumps."""


_FLOAT_WORDS = {float("inf"): "Infinity", float("-inf"): "-Infinity"}


def _indented(value, newline: str, out: list[str]) -> None:
    """Append `value` as json.dumps(indent=1, sort_keys=True) writes it, nested where
    `newline` (a line break and the container's indent) says."""
    kind = type(value)
    if kind is str:
        out.append(_quote(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + " "
        separator = "{" + inner
        for key in sorted(value):
            if type(key) is not str:
                raise _Unusual
            item = value[key]
            if type(item) is str:  # most values: written here, without a call
                out.append(f"{separator}{_quote(key)}: {_quote(item)}")
            elif type(item) is int:
                out.append(f"{separator}{_quote(key)}: {int.__repr__(item)}")
            else:
                out.append(f"{separator}{_quote(key)}: ")
                _indented(item, inner, out)
            separator = "," + inner
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + " "
        if all(type(item) is int for item in value):  # line numbers: the common list
            out.append("[" + inner + ("," + inner).join(map(int.__repr__, value)) + newline + "]")
            return
        separator = "[" + inner
        for item in value:
            out.append(separator)
            _indented(item, inner, out)
            separator = "," + inner
        out.append(newline + "]")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float:
        out.append(float.__repr__(value) if value == value and value not in _FLOAT_WORDS
                   else _FLOAT_WORDS.get(value, "NaN"))
    elif value is None:
        out.append("null")
    elif kind is bool:
        out.append("true" if value else "false")
    else:
        raise _Unusual


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
