"""Write outputs atomically: a temporary file in the same folder, then a rename, so a
reader or a killed run never sees half a file."""
from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path


class OutputError(Exception):
    """The output folder cannot take a write (disk full, file size limit, read-only...).

    Not a fault of the document: every later write would fail the same way, so the run
    stops with this message; files already written stay whole (writes are atomic)."""


def write_atomic(path: Path, data: str | bytes) -> None:
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
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


_FLOAT_SPECIAL = {float("inf"): "Infinity", float("-inf"): "-Infinity"}


class _NotPlain(Exception):
    """A value _encode leaves to json itself."""


def _encode(value, newline: str) -> str:
    """json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1) for plain JSON
    data, the same bytes: with an indent, json runs its pure-Python encoder, a generator
    a value, slower than these joins. `newline`: a line break and the value's
    indentation. Exact types first (the common case), then json's own checks in its
    order (str before int, bool before int...) for subclasses."""
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + " "
        keys = sorted(value)
        if not all(type(k) is str for k in keys):
            raise _NotPlain  # json turns numbers and None into keys its own way
        parts = []
        for key in keys:
            item = value[key]
            kind = type(item)
            parts.append(_encode_str(key) + ": " + (_encode_str(item) if kind is str else int.__repr__(item) if kind is int
                                                  else _encode(item, inner)))
        return "{" + inner + ("," + inner).join(parts) + newline + "}"
    if kind is list:
        if not value:
            return "[]"
        inner = newline + " "
        return "[" + inner + ("," + inner).join([_encode(v, inner) for v in value]) + newline + "]"
    if kind is int:
        return int.__repr__(value)
    if isinstance(value, str):
        return _encode_str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if value != value:
            return "NaN"
        return _FLOAT_SPECIAL.get(value) or float.__repr__(value)
    raise _NotPlain  # tuples, subclasses of list or dict, other types: json itself


_encode_str = json.encoder.encode_basestring  # json's own, for ensure_ascii=False


def to_json(data) -> str:
    """Stable JSON: sorted keys, UTF-8 text, a final newline (json.dumps(data,
    ensure_ascii=False, sort_keys=True, indent=1), encoded faster)."""
    try:
        return _encode(data, "\n") + "\n"
    except (_NotPlain, TypeError, RecursionError):  # other types, cycles: json's answer or error
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def write_json(path: Path, data) -> None:
    write_atomic(path, to_json(data))


def write_jsonl(path: Path, rows) -> None:
    write_atomic(path, "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows))


def remove_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
