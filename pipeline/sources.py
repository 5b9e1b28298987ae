"""Find the input files and give each a safe, stable output id; read them with limits."""
from __future__ import annotations

import gzip
import hashlib
import os
import re
import stat
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

from pipeline.document import Rejected

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


class InputError(Exception):
    """An input argument that does not exist: the run cannot start."""


def _stem(relpath: str) -> str:
    name = relpath[:-3] if relpath.lower().endswith(".gz") else relpath
    for suffix in SUPPORTED:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def safe_id(relpath: str) -> str:
    """An id that is a plain file name: no separators, no leading dots, bounded length."""
    stem = unicodedata.normalize("NFC", _stem(relpath)).replace(os.sep, "/")
    # No leading "-" either: an id must never read as a command-line option.
    parts = [_ID_UNSAFE.sub("_", part).strip("._").lstrip("-") for part in stem.split("/")]
    ident = "__".join(p for p in parts if p) or "page"
    if len(ident.encode("utf-8")) > _MAX_ID:
        digest = hashlib.sha256(relpath.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        ident = ident.encode("utf-8")[:_MAX_ID - 13].decode("utf-8", "ignore") + "-" + digest
    return ident


_OUTSIDE = "symlink to a {} outside the input folders: not followed (--follow-symlinks follows it)"


def _walk(root: Path, follow_symlinks: bool):
    """(path, skip reason) for the files under root, sorted, hidden entries left out.
    A symlink leading outside root is listed with the reason it is not followed, so
    that every input is accounted for, unless following is asked for."""
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_symlinks):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        entries = [(name, False) for name in filenames if not name.startswith(".")]
        if not follow_symlinks:
            entries += [(name, True) for name in dirnames if (Path(dirpath) / name).is_symlink()]
        for name, is_dir in sorted(entries):
            path = Path(dirpath) / name
            if path.is_symlink() and not follow_symlinks:
                if not path.resolve().is_relative_to(real_root):
                    yield path, _OUTSIDE.format("folder" if is_dir else "file")
                    continue
                if is_dir:
                    continue  # a link back inside the folder: its files are listed already
            yield path, None


def check_inputs(inputs: list[str]) -> None:
    """Fail fast on a missing input, without listing anything ('-' is stdin)."""
    for given in inputs:
        if given != "-" and not Path(given).exists() and not Path(given).is_symlink():
            raise InputError(f"input not found: {given}")


def discover(inputs: list[str], follow_symlinks: bool = False, options=None) -> list[Source]:
    """Every input file, in a stable order, with unique ids; each record of a corpus
    file (JSONL, WARC, WET) as its own source, after the files, in file order.
    `options`: the JSONL fields and the page size limit (pipeline/corpus.py)."""
    from pipeline import corpus

    found: list[tuple[str, str, str]] = []
    skips: dict[str, str] = {}
    roots: dict[str, Path | None] = {}
    for given in inputs:
        root = Path(given)
        if not root.exists() and not root.is_symlink():
            raise InputError(f"input not found: {given}")
        if root.is_dir():
            for path, skip in _walk(root, follow_symlinks):
                if path.name == corpus.SIDECAR:
                    continue  # URLs of the pages beside it, not a page
                found.append((str(path), str(path), path.relative_to(root).as_posix()))
                roots.setdefault(str(path), root)
                if skip:
                    skips[str(path)] = skip
        else:
            display = corpus.STDIN_DISPLAY if corpus.is_stdin_spool(root) else given
            found.append((str(root), display, corpus.STDIN_DISPLAY + ".jsonl" if display == corpus.STDIN_DISPLAY else root.name))
            roots.setdefault(str(root), None)
    containers = [item for item in found if corpus.container_kind(item[2]) and item[0] not in skips]
    found = [item for item in found if item not in containers]
    seen_paths = set()
    unique = []
    for item in found:
        if item[0] not in seen_paths:
            seen_paths.add(item[0])
            unique.append(item)
    # Colliding ids (a.txt and a.html, or the same name under two roots): the first in
    # sorted order keeps the plain id, the others get a suffix from their own path.
    by_id: dict[str, list[tuple[str, str, str]]] = {}
    for item in sorted(unique, key=lambda i: (i[2], i[0])):
        by_id.setdefault(safe_id(item[2]), []).append(item)
    sources = []
    urls = corpus.SidecarUrls()
    for ident, items in by_id.items():
        for index, (path, display, rel) in enumerate(items):
            final = ident if index == 0 else f"{ident}-{hashlib.sha256(path.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"
            url = None if path in skips else urls.url_for(Path(path), roots.get(path))
            sources.append(Source(path, display, rel, final, skips.get(path), url=url))
    records = _records(containers, {s.id for s in sources}, options)
    return sorted(sources, key=lambda s: s.id) + records


def _records(containers: list[tuple[str, str, str]], taken: set[str], options) -> list[Source]:
    """The containers' records, in file order (a `.jsonl.gz` is then read in one pass);
    an id already taken gets a suffix from its file and record number."""
    from dataclasses import replace

    from pipeline import corpus

    fields = corpus.Fields.of(options)
    max_bytes = options.max_input_bytes if options is not None else 20 * 1024 * 1024
    records = []
    seen = set()
    for path, display, rel in sorted(containers, key=lambda i: (i[2], i[0])):
        if path in seen:
            continue
        seen.add(path)
        for source in corpus.list_records(path, display, rel, fields, max_bytes):
            if source.id in taken:
                suffix = hashlib.sha256(f"{path}#{source.record}".encode("utf-8", "surrogateescape")).hexdigest()[:8]
                source = replace(source, id=f"{source.id}-{suffix}")
            taken.add(source.id)
            records.append(source)
    return records


def read_source(source: Source, max_bytes: int) -> bytes:
    """The file's bytes (gunzipped), refusing anything larger than max_bytes."""
    if source.record is not None:
        from pipeline.corpus import read_record

        return read_record(source, max_bytes)
    path = source.path
    try:
        # A named pipe or device would block or never end: read regular files only.
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise Rejected(f"not a regular file ({_file_kind(mode)})")
        if path.lower().endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                data = handle.read(max_bytes + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise Rejected("file vanished before it could be read") from None
    except PermissionError:
        raise Rejected("file is not readable (permission denied)") from None
    except IsADirectoryError:
        raise Rejected("is a directory, not a file") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise Rejected(f"corrupt gzip data: {exc}") from None
    except OSError as exc:
        raise Rejected(f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        what = "inflates to more than" if path.lower().endswith(".gz") else "is larger than"
        raise Rejected(f"{what} the page size limit of {max_bytes:,} bytes")
    return data


def _file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a file"


def check_supported(source: Source) -> None:
    if source.skip:
        raise Rejected(source.skip)
    name = source.relpath.lower().removesuffix(".gz")
    if not name.endswith(SUPPORTED):
        ext = Path(source.relpath).suffix or "(none)"
        raise Rejected(f"unsupported file type {ext} (supported: .txt, .html, .htm, each optionally .gz)")
