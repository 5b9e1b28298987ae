"""Find the input files and give each a safe, stable output id; read them with limits."""
from __future__ import annotations

import gzip
import os
import stat
import zlib
from pathlib import Path

from pipeline import corpus
from pipeline.document import Rejected
# One input page and its id (named here too, for the modules that import them from this one).
from pipeline.source import RESERVED_IDS, SUPPORTED, Source, printable, safe_id, unique_id  # noqa: F401


class InputError(Exception):
    """An input argument that does not exist: the run cannot start."""


_OUTSIDE = "symlink to a {} outside the input folders: not followed (--follow-symlinks follows it)"


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _walk(root: Path, follow_symlinks: bool, exclude: tuple[str, ...] = ()):
    """(path, skip reason) for the files under root, sorted, hidden entries left out.
    A symlink leading outside root is listed with the reason it is not followed, so
    that every input is accounted for, unless following is asked for. Folders in
    `exclude` (real paths: the output folder) are not entered; a folder reached again
    through a symlink (`loop -> .`) is walked once; a path the system cannot handle
    (too long, a symlink loop) is listed, and reading it gives the reason."""
    real_root = os.path.realpath(root)
    seen_dirs: set[tuple[int, int]] = set()
    unreadable: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_symlinks, onerror=unreadable.append):
        for error in unreadable:
            yield Path(error.filename or dirpath), f"folder cannot be listed: {error.strerror or error}"
        unreadable.clear()
        try:
            st = os.stat(dirpath)
            key = (st.st_dev, st.st_ino)
        except OSError:
            key = None
        if key is not None and key in seen_dirs:
            dirnames[:] = []
            continue
        if key is not None:
            seen_dirs.add(key)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and not (exclude and os.path.realpath(os.path.join(dirpath, d)) in exclude))
        entries = [(name, False) for name in filenames if not name.startswith(".")]
        if not follow_symlinks:
            entries += [(name, True) for name in dirnames if os.path.islink(os.path.join(dirpath, name))]
        for name, is_dir in sorted(entries):
            path = Path(dirpath) / name
            if not follow_symlinks and os.path.islink(path):
                target = os.path.realpath(path)  # never raises: a loop gives a path that reading then refuses
                if not _within(target, real_root):
                    yield path, _OUTSIDE.format("folder" if is_dir else "file")
                    continue
                if is_dir:
                    continue  # a link back inside the folder: its files are listed already
            yield path, None
    for error in unreadable:
        yield Path(error.filename or root), f"folder cannot be listed: {error.strerror or error}"


def check_inputs(inputs: list[str]) -> None:
    """Fail fast on a missing input, without listing anything ('-' is stdin)."""
    for given in inputs:
        if given != "-" and not Path(given).exists() and not Path(given).is_symlink():
            raise InputError(f"input not found: {given}")


def check_output(inputs: list[str], out: str | os.PathLike) -> tuple[str, ...]:
    """Refuse an output folder that is an input folder, an existing file, or holds an
    input; return the real paths discovery must not enter (an output folder inside an
    input folder: the tool's own files are never read back as pages)."""
    out_path = Path(out)
    if out_path.exists() and not out_path.is_dir():
        raise InputError(f"output folder {out} is an existing file, not a folder")
    real_out = os.path.realpath(out_path)
    for given in inputs:
        if given == "-" or corpus.is_stdin_spool(Path(given)):
            continue  # stdin's copy lives in the output's state folder, by design
        real_in = os.path.realpath(given)
        if real_in == real_out:
            raise InputError(f"output folder {out} is the input folder {given}: choose another output folder")
        if _within(real_in, real_out):
            raise InputError(f"input {given} is inside the output folder {out}: the tool's own files are not input")
    return (real_out,)


def discover(inputs: list[str], follow_symlinks: bool = False, options=None,
             out: str | os.PathLike | None = None) -> list[Source]:
    """Every input file, in a stable order, with unique ids; each record of a corpus
    file (JSONL, WARC, WET) as its own source, after the files, in file order.
    `options`: the JSONL fields and the page size limit (pipeline/corpus.py). With
    `out`, the output folder is checked (check_output) and left out of the input folders."""
    exclude = check_output(inputs, out) if out is not None else ()
    found: list[tuple[str, str, str, str]] = []  # path read, path shown, relpath, path as found
    skips: dict[str, str] = {}
    roots: dict[str, Path | None] = {}
    for given in inputs:
        root = Path(given)
        if not root.exists() and not root.is_symlink():
            raise InputError(f"input not found: {printable(given)}")
        if root.is_dir():
            for path, skip in _walk(root, follow_symlinks, exclude):
                if path.name == corpus.SIDECAR:
                    continue  # URLs of the pages beside it, not a page
                # The path as read stays as the system gave it (bytes that are not UTF-8
                # held as surrogates); what is shown and stored is printable text.
                item = (os.path.abspath(path), printable(str(path)), printable(_relative(path, root)), str(path))
                found.append(item)
                roots.setdefault(item[0], Path(os.path.abspath(root)))
                if skip:
                    skips[item[0]] = skip
        else:
            if corpus.is_stdin_spool(root):
                found.append((os.path.abspath(root), corpus.STDIN_DISPLAY, corpus.STDIN_DISPLAY + ".jsonl", str(root)))
            else:
                found.append((os.path.abspath(root), printable(given), printable(root.name), str(root)))
            roots.setdefault(os.path.abspath(root), None)
    containers = [item for item in found if corpus.container_kind(item[2]) and item[0] not in skips]
    found = [item for item in found if item not in containers]
    # One document a file: the same file given twice (relative and absolute) is read once.
    seen_paths = set()
    unique = []
    for item in found:
        if item[0] not in seen_paths:
            seen_paths.add(item[0])
            unique.append(item)
    # Colliding ids (a.txt and a.html, or the same name under two roots): the first in
    # sorted order keeps the plain id, the others get a suffix from their own path.
    by_id: dict[str, list[tuple[str, str, str, str]]] = {}
    for item in sorted(unique, key=lambda i: (i[2], i[0])):
        by_id.setdefault(safe_id(item[2]), []).append(item)
    taken = set(by_id)
    sources = []
    urls = corpus.SidecarUrls()
    for ident, items in by_id.items():
        for index, (path, display, rel, as_found) in enumerate(items):
            # The suffix hashes the path as found (as given, not made absolute): the ids
            # earlier versions gave stay the same.
            final = ident if index == 0 else unique_id(ident, as_found, taken)
            taken.add(final)
            url = None if path in skips else urls.url_for(Path(path), roots.get(path))
            sources.append(Source(path, display, rel, final, skips.get(path), url=url))
    records = _records(containers, taken, options)
    return sorted(sources, key=lambda s: s.id) + records


def _records(containers: list[tuple[str, str, str, str]], taken: set[str], options) -> list[Source]:
    """The containers' records, in file order (a `.jsonl.gz` is then read in one pass);
    an id already taken gets a suffix from its file and record number."""
    from dataclasses import replace

    fields = corpus.Fields.of(options)
    max_bytes = options.max_input_bytes if options is not None else 20 * 1024 * 1024
    records = []
    seen = set()
    for path, display, rel, _ in sorted(containers, key=lambda i: (i[2], i[0])):
        if path in seen:
            continue
        seen.add(path)
        for source in corpus.list_records(path, display, rel, fields, max_bytes):
            if source.id in taken:
                source = replace(source, id=unique_id(source.id, f"{path}#{source.record}", taken))
            taken.add(source.id)
            records.append(source)
    return records


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:  # a folder that could not be listed, named by the system
        return path.name


def read_source(source: Source, max_bytes: int) -> bytes:
    """The file's bytes (gunzipped), refusing anything larger than max_bytes."""
    if source.record is not None:
        return corpus.read_record(source, max_bytes)
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
