"""The output's JSON text (metadata files, JSON lines), written atomically.

Atomic writes and the folder's layout are pipeline/outdir.py's; they are named here
too for the modules that import them from this one."""
from __future__ import annotations

import json
from json.encoder import encode_basestring as _quote  # C, where built (ensure_ascii=False)
from pathlib import Path

from pipeline.outdir import OutputError, remove_quietly, remove_stale_temporaries, write_atomic

try:  # optional (setup.py): without it, to_json_python writes the same text
    from pipeline._jsonout import encode as _encode
except ImportError:  # pragma: no cover - a build without a C compiler
    _encode = None

__all__ = ["OutputError", "remove_quietly", "remove_stale_temporaries", "to_json", "to_json_python", "write_atomic",
           "write_json", "write_jsonl"]


def to_json(data) -> str:
    """Stable JSON: sorted keys, UTF-8 text, a final newline.

    The very text of json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n":
    with an indent, the standard library encodes in Python, a generator per container,
    and a page's metadata (every removed line with its reason) took longer to encode
    than to write. Written by the C encoder (pipeline/_jsonout.c) where it is built,
    else by `to_json_python`; a value either does not know (a non-str key, a subclass)
    is written by json.dumps itself. Checked against json.dumps on the shipped outputs
    and random and adversarial values (tests/test_fast_paths.py, tests/test_jsonout_kernel.py)."""
    if _encode is not None:
        raw = _encode(data, False)  # a lone surrogate as "surrogatepass" writes it: decoded back below
        if raw is not None:
            return raw.decode("utf-8", "surrogatepass")
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    return to_json_python(data)


def to_json_python(data) -> str:
    """`to_json` in Python, without the C encoder: `_indented` writes json.dumps' text
    with one call a container; a value it does not know (a non-str key, a subclass)
    hands the whole document back to json. Kept (not json.dumps) for speed, measured in
    docs/architecture.md; the reference the C encoder is tested against, with json.dumps
    (tests/test_fast_paths.py::test_to_json_writes_what_json_dumps_writes)."""
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
        if len(value) >= _FLAT_MIN and _flat(value):  # a site profile's line counts: json's C encoder
            out.append("{" + inner + _flat_encoder(inner)(value)[1:-1] + newline + "}")
            return
        for key, head in _heads(tuple(value), inner):
            item = value[key]
            if type(item) is str:  # most values: written here, without a call
                out.append(head + _quote(item))
            elif type(item) is int:
                out.append(head + int.__repr__(item))
            else:
                out.append(head)
                _indented(item, inner, out)
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


# (keys in the dict's order, the inner indent) -> each key in sorted order with the
# text before its value: "{" or "," + the line break and indent, the quoted key, ": ".
# A page's dicts share a few key sets (a removed line's row: line, reason, rule,
# source, text), so a row is written without sorting or quoting its keys again. Emptied
# when full: keys can be page data (a page's rule counts).
_HEADS: dict[tuple, tuple] = {}
_HEADS_MAX = 4096


def _heads(keys: tuple, inner: str) -> tuple:
    heads = _HEADS.get((keys, inner))
    if heads is None:
        if not all(type(key) is str for key in keys):
            raise _Unusual
        ordered = sorted(keys)
        heads = tuple((key, ("{" if k == 0 else ",") + inner + _quote(key) + ": ") for k, key in enumerate(ordered))
        if len(_HEADS) >= _HEADS_MAX:
            _HEADS.clear()
        _HEADS[keys, inner] = heads
    return heads


# A dict of this many items or more whose keys are all str and values all str or int is
# written by json's encoder in C: with no indent it writes each item as `_indented`
# does (the same key quoting, int.__repr__, ": "), and the separator between items is
# any string, here the comma, the line break and the indent. A site profile holds tens
# of thousands of such items, and its file was written one Python step an item.
_FLAT_MIN = 16
_FLAT_ENCODERS: dict[str, object] = {}


def _flat(value: dict) -> bool:
    return all(type(key) is str for key in value) and all(type(item) is str or type(item) is int
                                                        for item in value.values())


def _flat_encoder(inner: str):
    """json's encode with sort_keys (a sort of the (key, value) items: the keys are
    distinct, so their order), no ASCII escapes, and `,` + `inner` between items."""
    encode = _FLAT_ENCODERS.get(inner)
    if encode is None:
        encode = _FLAT_ENCODERS[inner] = json.JSONEncoder(
            ensure_ascii=False, sort_keys=True, check_circular=False, separators=("," + inner, ": ")).encode
    return encode


def write_json(path: Path, data) -> None:
    """`to_json(data)` written atomically as UTF-8: the C encoder's bytes as they come, or
    the text encoded (a lone surrogate then raises UnicodeEncodeError, as it always did)."""
    if _encode is not None:
        raw = _encode(data, True)  # None for a surrogate, too
        if raw is not None:
            write_atomic(path, raw)
            return
    write_atomic(path, to_json(data))


def write_jsonl(path: Path, rows) -> None:
    """One JSON object a line; `rows` may be a generator, written as it yields."""
    write_atomic(path, (json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows))
