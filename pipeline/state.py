"""What earlier runs left in an output folder, so a re-run only does new work.

`<out>/.pipeline/` holds:
- `state.sqlite`: one row per document ever indexed: where it came from (path, size,
  mtime, content hash), the rules fingerprint it was cleaned under, its summary (status,
  body hash, MinHash signature: what the index and cross-document duplicates need, so
  unchanged pages are never re-cleaned) and what its files on disk say now
  (`final_status`, `final_reason`, `duplicates`: as the batch wrote them, then as the
  run's last step settles them; NULL in rows of older versions and withdrawn
  documents). SQLite commits are atomic, so a killed run loses at most the batch in
  flight.
- `lock`: an exclusive flock held for the whole run; the kernel drops it when the run
  dies, even on SIGKILL.
- `held/`: bodies set aside by earlier versions that moved duplicates' bodies out of the
  output; a duplicate now keeps its body in the output, and one found here is restored.

The state folder is internal and machine-specific (paths, mtimes): it is not part of the
deterministic output and stays out of version control.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pipeline.options import Options
from pipeline.sources import Source

STATE_DIR = ".pipeline"
# Options that change which files are found or how work is split, not what a page becomes.
_NOT_IN_FINGERPRINT = {"batch_size", "follow_symlinks", "doc_time_limit", "workers",
                       # which pages a corpus file's records give (their content hash and
                       # URL decide a re-clean) and which corpus files the run writes
                       "text_field", "html_field", "url_field", "id_field", "formats"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER,
    mtime_ns INTEGER,
    sha256 TEXT,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    title TEXT,
    published TEXT,
    language TEXT,
    words INTEGER NOT NULL DEFAULT 0,
    rules TEXT NOT NULL DEFAULT '{}',
    body_sha256 TEXT,
    signature BLOB,
    final_status TEXT,
    final_reason TEXT,
    duplicates TEXT,
    url TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


class RunLocked(Exception):
    """Another run holds the output folder."""


def fingerprint(options: Options, version: str) -> str:
    """Everything a document's result depends on besides its own bytes: the pipeline's
    version, its code and shipped data files (rules, lexicons, models), and the options
    that change output. Any change re-cleans every page."""
    digest = hashlib.sha256(version.encode())
    root = resources.files("pipeline")
    for path in sorted(_package_files(Path(str(root)))):
        digest.update(path.relative_to(Path(str(root))).as_posix().encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    relevant = {k: v for k, v in sorted(options.to_dict().items()) if k not in _NOT_IN_FINGERPRINT}
    digest.update(json.dumps(relevant, sort_keys=True).encode())
    return digest.hexdigest()[:32]


def _package_files(root: Path):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__" and not d.startswith(".")]
        for name in filenames:
            if not name.endswith((".pyc", ".pyo")) and not name.startswith("."):
                yield Path(dirpath) / name


def content_hash(path: str) -> str | None:
    """sha256 of the page's content (gunzipped, as the pipeline reads it); None if unreadable."""
    import gzip

    digest = hashlib.sha256()
    try:
        opener = gzip.open if path.lower().endswith(".gz") else open
        with opener(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except (OSError, EOFError, ValueError):
        return None
    return digest.hexdigest()


def file_stat(path: str) -> tuple[int | None, int | None]:
    try:
        st = os.stat(path)
    except OSError:
        return None, None
    return st.st_size, st.st_mtime_ns


@dataclass
class Plan:
    todo: list[Source]
    skipped: int
    withdrawn: int
    documents: int
    processed: int = 0
    recovered: bool = False  # the previous run did not finish
    reasons: dict[str, int] = field(default_factory=dict)  # why pages are re-cleaned

    def counts(self) -> dict:
        """The plan without its list of sources (small enough to pass to a task)."""
        return {"todo": [], "skipped": self.skipped, "withdrawn": self.withdrawn, "documents": self.documents,
                "processed": self.processed, "recovered": self.recovered, "reasons": self.reasons}


class State:
    """The output folder's state database and lock. Use as a context manager."""

    def __init__(self, out_dir: str | Path, wait: bool = False):
        self.out = Path(out_dir)
        self.dir = self.out / STATE_DIR
        self.wait = wait
        self._lock_fd: int | None = None
        self.db: sqlite3.Connection | None = None

    # -- lock ------------------------------------------------------------------------
    def __enter__(self) -> "State":
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "held").mkdir(exist_ok=True)
        fd = os.open(self.dir / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except OSError as exc:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise RunLocked(f"another run is writing to {self.out} ({holder}); "
                                f"wait for it to finish, or pass --wait to queue behind it") from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode(), 0)
        self._lock_fd = fd
        self.db = connect(self.out)
        return self

    def __exit__(self, *exc):
        if self.db is not None:
            self.db.close()
            self.db = None
        if self._lock_fd is not None:
            os.ftruncate(self._lock_fd, 0)
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None
        return False

    # -- plan ------------------------------------------------------------------------
    def plan(self, sources: list[Source], fp: str) -> Plan:
        """Which sources need cleaning; withdraw documents whose input is gone.

        Unchanged means: same path, same rules fingerprint, and either the same size and
        mtime (no read at all) or, failing that, the same content hash; and its output
        files are still there."""
        db = self.db
        recovered = self._get("run_open") == "1"
        self._set("run_open", "1")
        if recovered:
            self._sweep_temporaries()
        rows = {r[0]: r for r in db.execute(
            "SELECT id, path, size, mtime_ns, sha256, fingerprint, status, final_status, url FROM docs")}
        todo, skipped, reasons = [], 0, {}
        current = set()
        stat_updates = []
        for source in sources:
            current.add(source.id)
            row = rows.get(source.id)
            why = self._changed(source, row, fp, stat_updates)
            if why:
                todo.append(source)
                reasons[why] = reasons.get(why, 0) + 1
            else:
                skipped += 1
        gone = [(i,) for i, r in rows.items() if i not in current and r[6] != "withdrawn"]
        with db:
            db.executemany("UPDATE docs SET size=?, mtime_ns=? WHERE id=?", stat_updates)
            db.executemany("UPDATE docs SET status='withdrawn', final_status=NULL WHERE id=?", gone)
        del rows
        return Plan(todo, skipped, len(gone), len(sources), len(todo), recovered, dict(sorted(reasons.items())))

    def _changed(self, source: Source, row, fp: str, stat_updates: list) -> str | None:
        if row is None:
            return "new"
        _, path, size, mtime_ns, sha, old_fp, status, final_status, url = row
        if status == "withdrawn":
            return "new"
        if path != source.place:
            return "moved"
        if old_fp != fp:
            return "rules or version changed"
        if url != source.url:
            return "url changed"  # the URL sets the site
        if source.sha256 is not None:  # a corpus file's record: hashed when listed
            if source.sha256 != sha:
                return "content changed"
        elif (now := file_stat(source.path)) != (size, mtime_ns):
            now_size, now_mtime = now
            if now_size is None or sha is None or content_hash(source.path) != sha:
                return "content changed"
            stat_updates.append((now_size, now_mtime, source.id))
        if not (self.out / f"{source.id}.json").exists():
            return "output missing"
        body = self.out / f"{source.id}.txt"
        if final_status is None:
            # Recorded by an older version's run that stopped before its last step: the
            # work is kept, the last step of this run settles it.
            if status == "cleaned" and not (body.exists() or self.held(source.id).exists()):
                return "output missing"
        elif final_status in ("cleaned", "duplicate") and not body.exists():
            return "output missing"
        return None

    def _sweep_temporaries(self) -> None:
        """Temporary files a killed run left (atomic writes that never got renamed)."""
        for path in self.out.glob(".*.tmp"):
            path.unlink(missing_ok=True)
        for path in (self.dir / "held").glob(".*.tmp"):
            path.unlink(missing_ok=True)

    # -- record ----------------------------------------------------------------------
    def record(self, summaries, fp: str) -> None:
        """Commit one batch's results (its files are already written)."""
        rows = []
        for s in summaries:
            # The final columns say what the files just written say (this status, no
            # duplicates): the run's last step then touches only documents that differ.
            rows.append((s.id, s.source, s.path, s.size, s.mtime_ns, s.sha256, fp, s.status, s.reason, s.title,
                         s.published, s.language, s.words, json.dumps(s.rules, sort_keys=True), s.body_sha256, s.signature,
                         s.status, s.reason, "[]", s.url))
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO docs (id, source, path, size, mtime_ns, sha256, fingerprint, status, reason,"
                " title, published, language, words, rules, body_sha256, signature, final_status, final_reason,"
                " duplicates, url) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    # -- settle ----------------------------------------------------------------------
    def held(self, ident: str) -> Path:
        return self.dir / "held" / f"{ident}.txt"

    def settle(self, updates: list[tuple[str, str | None, str]]) -> None:
        """updates: (final_status, final_reason, duplicates json, id)."""
        with self.db:
            self.db.executemany("UPDATE docs SET final_status=?, final_reason=?, duplicates=? WHERE id=?", updates)

    def close_run(self) -> None:
        self._set("run_open", "0")

    def _get(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def _set(self, key: str, value: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def lock_holder(out_dir: str | Path) -> str | None:
    """Who holds the output folder's lock, or None when it is free (a quick check
    before a slow start; the run itself takes the lock)."""
    path = Path(out_dir) / STATE_DIR / "lock"
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
    finally:
        os.close(fd)
    return None


def connect(out: str | Path) -> sqlite3.Connection:
    path = Path(out) / STATE_DIR / "state.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=60)
    # WAL + synchronous=NORMAL: a commit survives a killed process (not a power cut,
    # which would only cost re-cleaning the last batches).
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(_SCHEMA)
    if "url" not in {row[1] for row in db.execute("PRAGMA table_info(docs)")}:
        db.execute("ALTER TABLE docs ADD COLUMN url TEXT")  # a state written before URLs were kept
    return db
