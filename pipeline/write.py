"""The output's JSON text (metadata files, JSON lines), written atomically.

Atomic writes and the folder's layout are pipeline/outdir.py's; they are named here
too for the modules that import them from this one."""
from __future__ import annotations

import json
from pathlib import Path

from pipeline.outdir import OutputError, remove_quietly, remove_stale_temporaries, write_atomic

__all__ = ["OutputError", "remove_quietly", "remove_stale_temporaries", "to_json", "write_atomic", "write_json",
           "write_jsonl"]


def to_json(data) -> str:
    """Stable JSON: sorted keys, UTF-8 text, one space of indent, a final newline.

    The standard library's encoder. Earlier versions hand-wrote the same text to save
    the indented encoder's pure-Python cost, a small share of cleaning a page (measured
    in docs/architecture.md): not worth a copy of json's rules to keep in step."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def write_json(path: Path, data) -> None:
    write_atomic(path, to_json(data))


def write_jsonl(path: Path, rows) -> None:
    """One JSON object a line; `rows` may be a generator, written as it yields."""
    write_atomic(path, (json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows))
