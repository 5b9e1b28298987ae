"""One input page as the run knows it (`Source`), and its output id: a safe, stable
file name, never one of the output folder's own names."""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass

from pipeline.outdir import RESERVED_IDS

SUPPORTED = (".txt", ".html", ".htm")
_ID_UNSAFE = re.compile(r"[^\w.-]+")
_MAX_ID = 120


@dataclass(frozen=True)
class Source:
    path: str      # the file to read
    display: str   # how reports name it: the path as the user gave it
    relpath: str   # relative to the input root it was found under
    id: str
    skip: str | None = None  # why it is listed but not read (a symlink leading outside)
    # The page's URL (a record's own, or a plain file's from urls.tsv): it sets the site.
    url: str | None = None
    # A record of a corpus file (JSONL, WARC, WET; pipeline/corpus.py): its number in
    # the file (1-based), where it starts, the field (JSONL) or record type (WARC) that
    # holds the page, and the page's sha256 taken when it was listed.
    record: int | None = None
    offset: int | None = None
    field: str | None = None
    sha256: str | None = None

    @property
    def place(self) -> str:
        """Where the input is, as the state keeps it: a record's file and number (a record
        that moved to another line or record is cleaned again, so its provenance holds)."""
        return self.path if self.record is None else f"{self.path}#{self.record}"


def _stem(relpath: str) -> str:
    name = relpath[:-3] if relpath.lower().endswith(".gz") else relpath
    for suffix in SUPPORTED:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def safe_id(relpath: str) -> str:
    """An id that is a plain file name: no separators, no leading dots, bounded length,
    never one of the tool's own names (run.json, index.jsonl...)."""
    stem = unicodedata.normalize("NFC", _stem(relpath)).replace(os.sep, "/")
    # No leading "-" either: an id must never read as a command-line option.
    parts = [_ID_UNSAFE.sub("_", part).strip("._").lstrip("-") for part in stem.split("/")]
    ident = "__".join(p for p in parts if p) or "page"
    if len(ident.encode("utf-8")) > _MAX_ID:
        digest = hashlib.sha256(relpath.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        ident = ident.encode("utf-8")[:_MAX_ID - 13].decode("utf-8", "ignore") + "-" + digest
    if ident.casefold() in RESERVED_IDS:
        ident += "_page"
    return ident


def unique_id(ident: str, path: str, taken) -> str:
    """`ident` with a suffix from the input's path, made longer until no id in `taken`
    has it (a name built like a suffix, `a-1f2e3d4c.txt`, cannot take another's files)."""
    digest = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()
    for length in range(8, len(digest) + 1, 4):
        candidate = f"{ident}-{digest[:length]}"
        if candidate not in taken:
            return candidate
    number = 2
    while f"{ident}-{digest}-{number}" in taken:
        number += 1
    return f"{ident}-{digest}-{number}"


def printable(path: str) -> str:
    """A path as text any file or database takes: bytes of a file name that are not
    UTF-8 (held as surrogates by Python) shown as \\xNN."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
