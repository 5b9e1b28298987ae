"""What earlier runs left in an output folder, so a re-run only does new work.

`<out>/.pipeline/` holds:
- `state.sqlite`: one row per document ever indexed: where it came from (path, size,
  mtime, content hash), the rules fingerprint it was cleaned under, its summary (status,
  body hash, MinHash signature: what the index and cross-document duplicates need, so
  unchanged pages are never re-cleaned) and what its files on disk say now
  (`final_status`, `final_reason`, `duplicates`: as the batch wrote them, then as the
  run's last step settles them; NULL in rows of older versions and withdrawn
  documents), and what those files held when the run left them (`outputs`: size,
  mtime and hash of each, so a file edited by hand is noticed and rewritten), and the
  counts the report takes of its metadata (`report`: report.document_counts; NULL in
  rows of older versions, whose files the report reads). SQLite commits are atomic, so
  a killed run loses at most the batch in flight.
- `lock`: an exclusive flock held for the whole run; the kernel drops it when the run
  dies, even on SIGKILL.
A `held/` folder that earlier versions kept (duplicates' bodies set aside) is ignored:
never read, written or removed.

The state folder is internal and machine-specific (paths, mtimes): it is not part of the
deterministic output and stays out of version control.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import time
from dataclasses import replace
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pipeline.options import Options
from pipeline.outdir import STATE_DIR, OutDir, body_name, meta_name
from pipeline.sources import Source, printable, unique_id

# Options that change which files are found or how work is split, not what a page becomes.
_NOT_IN_FINGERPRINT = {"batch_size", "follow_symlinks", "doc_time_limit", "workers", "prune",
                       # which pages a corpus file's records give (their content hash and
                       # URL decide a re-clean) and which corpus files the run writes
                       "text_field", "html_field", "url_field", "id_field", "formats"}
# A run that would withdraw more than this share of the index, and more than
# MASS_WITHDRAWAL_MIN documents, says so first (a log warning and the run summary).
MASS_WITHDRAWAL_SHARE = 0.5
MASS_WITHDRAWAL_MIN = 5
# Rows read at a time where a step walks every document (record_outputs).
_PAGE_ROWS = 2000
# The fingerprint of rows rebuilt from the output files: re-cleaned when found again.
REBUILT = "rebuilt"
log = logging.getLogger("pipeline")

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
    url TEXT,
    outputs TEXT,
    report TEXT
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
    # The user's rule files by content: editing one re-cleans the pages on the next run.
    for rule_file in options.rules:
        try:
            digest.update(hashlib.sha256(Path(rule_file).read_bytes()).digest())
        except OSError as exc:
            digest.update(f"unreadable: {exc.errno}".encode())
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
    # One line each: state found broken and set aside, a run withdrawing most of the index.
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict:
        """The plan without its list of sources (small enough to pass to a task)."""
        return {"todo": [], "skipped": self.skipped, "withdrawn": self.withdrawn, "documents": self.documents,
                "processed": self.processed, "recovered": self.recovered, "reasons": self.reasons,
                "warnings": self.warnings}


class State:
    """The output folder's state database and lock. Use as a context manager."""

    def __init__(self, out_dir: str | Path, wait: bool = False):
        self.out = Path(out_dir)
        self.folder = OutDir(self.out)
        self.dir = self.folder.state
        self.wait = wait
        self._lock_fd: int | None = None
        self.db: sqlite3.Connection | None = None

    # -- lock ------------------------------------------------------------------------
    def __enter__(self) -> "State":
        self.repairs: list[str] = []
        self._set_aside_if_not_a_folder()
        self.dir.mkdir(parents=True, exist_ok=True)
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
        self.db = self._open_db()
        self._check_site_profiles()
        for line in self.repairs:
            log.warning(line)
        return self

    def _set_aside_if_not_a_folder(self) -> None:
        """`.pipeline` as a file, or its lock not what it should be (a folder named
        lock): the whole state folder is set aside."""
        what = None
        if self.dir.is_symlink() or (self.dir.exists() and not self.dir.is_dir()):
            what = f"{STATE_DIR} is not a folder"
        elif self.dir.is_dir():
            lock = self.dir / "lock"
            if lock.is_symlink() or (lock.exists() and not lock.is_file()):
                what = f"{STATE_DIR}/lock is not a file"
        if what:
            aside = self._aside_path()
            os.replace(self.dir, aside)
            self.repairs.append(f"broken state: {what}; moved to {aside.name}, rebuilt from the inputs and the output files")

    def _aside_path(self) -> Path:
        number = 1
        while (self.out / f"{STATE_DIR}.broken-{number}").exists():
            number += 1
        return self.out / f"{STATE_DIR}.broken-{number}"

    def _open_db(self) -> sqlite3.Connection:
        """The state database, checked: one that is cut short or garbled is set aside
        (with the site profiles learned beside it) and a new one started."""
        db = None
        try:
            db = connect(self.out)
            problem = db.execute("PRAGMA quick_check").fetchone()
            if problem and problem[0] != "ok":
                db.close()
                raise sqlite3.DatabaseError(problem[0])
            db.execute("SELECT count(*) FROM docs").fetchone()
            return db
        except sqlite3.DatabaseError as exc:
            if db is not None:
                db.close()
            aside = self._aside_path()
            aside.mkdir()
            for name in ("state.sqlite", "state.sqlite-wal", "state.sqlite-shm", "sites"):
                if (self.dir / name).exists():
                    os.replace(self.dir / name, aside / name)
            self.repairs.append(f"broken state: {STATE_DIR}/state.sqlite unreadable ({str(exc).splitlines()[0]}); "
                                f"moved to {aside.name}, rebuilt from the inputs and the output files")
            return connect(self.out)

    def _check_site_profiles(self) -> None:
        """A site profile that does not parse is set aside; its site is learned again."""
        from pipeline.siteprofile import SiteProfile

        folder = self.dir / "sites"
        if not folder.is_dir():
            return
        for path in sorted(folder.glob("*.json")):
            try:
                SiteProfile.from_dict(json.loads(path.read_text("utf-8")))
            except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError) as exc:
                aside = self._aside_path()
                aside.mkdir()
                os.replace(path, aside / path.name)
                self.repairs.append(f"broken state: site profile {path.name} unreadable ({type(exc).__name__}); "
                                    f"moved to {aside.name}, learned again")

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
    def plan(self, sources: list[Source], fp: str, inputs: list[str] | None = None, prune: bool = False,
             options: Options | None = None) -> Plan:
        """Which sources need cleaning; withdraw documents whose input is gone.

        Unchanged means: same path, same rules fingerprint, and either the same size and
        mtime (no read at all) or, failing that, the same content hash; and its output
        files are still there, as written.

        Withdrawn: a document whose input was under `inputs` (the paths given to this
        run) and was not found now; with `prune`, every document not found in this run.
        Documents of other folders (an earlier day's crawl) stay as they are, and an id
        one of them holds is not taken by a new input of the same name (it gets a
        suffix). `inputs` None: every document not found (the behaviour of earlier
        versions)."""
        db = self.db
        options = options or Options()
        recovered = self._get("run_open") == "1"
        self._set("run_open", "1")
        if recovered:
            self._sweep_temporaries()
        if db.execute("SELECT count(*) FROM docs").fetchone()[0] == 0:
            self._rebuild_from_outputs(options)
        rows = {r[0]: r for r in db.execute(
            "SELECT id, path, size, mtime_ns, sha256, fingerprint, status, final_status, url, outputs FROM docs")}
        sources = self._settle_ids(sources, rows, inputs)
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
        scope = None if inputs is None or prune else [os.path.abspath(i) for i in inputs]
        gone = [(i,) for i, r in rows.items() if i not in current and r[6] != "withdrawn"
                and (scope is None or any(_under(_input_of(r[1]), root) for root in scope))]
        warnings = list(self.repairs)
        active = sum(1 for r in rows.values() if r[6] != "withdrawn")
        if len(gone) > MASS_WITHDRAWAL_MIN and len(gone) > MASS_WITHDRAWAL_SHARE * active:
            why = "not found in this run (prune)" if prune else "gone from the folders given"
            warnings.append(f"warning: this run withdraws {len(gone)} of the {active} documents in the index "
                            f"(their inputs are {why}); their bodies are removed")
            log.warning(warnings[-1])
        with db:
            db.executemany("UPDATE docs SET size=?, mtime_ns=? WHERE id=?", stat_updates)
            db.executemany("UPDATE docs SET status='withdrawn', final_status=NULL WHERE id=?", gone)
        del rows
        return Plan(todo, skipped, len(gone), len(sources), len(todo), recovered, dict(sorted(reasons.items())),
                    warnings)

    def _settle_ids(self, sources: list[Source], rows: dict, inputs: list[str] | None) -> list[Source]:
        """Each source's id, given what the state holds: an input the state knows by its
        path keeps its id; a new one takes the id discovery gave it unless a document
        from elsewhere (not under this run's paths, or still found) holds it, and then
        gets a suffix no other document has."""
        if not rows:
            return sources
        by_path: dict[str, str] = {}
        for ident, row in sorted(rows.items(), key=lambda kv: kv[1][6] == "withdrawn"):
            by_path.setdefault(os.path.abspath(row[1]), ident)
        scope = [os.path.abspath(i) for i in inputs] if inputs is not None else None
        found_paths = {printable(s.place) for s in sources}
        settled: dict[int, str] = {}
        claimed: set[str] = set()
        for number, source in enumerate(sources):
            ident = by_path.get(printable(source.place))
            if source.record is not None and ident != source.id:
                continue  # a record's id is its own (its id field), not its place's
            if ident is not None and ident not in claimed:
                settled[number] = ident
                claimed.add(ident)
        taken = set(rows) | {s.id for s in sources}
        for number, source in enumerate(sources):
            if number in settled:
                continue
            row = rows.get(source.id)
            free = source.id not in claimed and (
                row is None or row[6] == "withdrawn" or scope is None
                # A record of the same corpus file, moved to another line or record.
                or (source.record is not None and _input_of(row[1]) == os.path.abspath(source.path))
                # A rebuilt row's path is a guess from its source as shown: if no file is
                # there, the guess was wrong (another working folder), not another document.
                or (row[5] == REBUILT and not os.path.lexists(row[1]))
                or (os.path.abspath(row[1]) not in found_paths
                    and any(_under(_input_of(row[1]), root) for root in scope)))
            ident = source.id if free else unique_id(source.id, source.place, taken | claimed)
            settled[number] = ident
            claimed.add(ident)
        if all(settled[n] == s.id for n, s in enumerate(sources)):
            return sources
        return sorted((replace(s, id=settled[n]) for n, s in enumerate(sources)), key=lambda s: s.id)

    def _changed(self, source: Source, row, fp: str, stat_updates: list) -> str | None:
        if row is None:
            return "new"
        _, path, size, mtime_ns, sha, old_fp, status, final_status, url, outputs = row
        if status == "withdrawn":
            return "new"
        if os.path.abspath(path) != printable(source.place):
            return "moved"
        if old_fp == REBUILT:
            return "state rebuilt"
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
        if not self.folder.meta(source.id).exists():
            return "output missing"
        body = self.folder.body(source.id)
        if final_status is None:
            # Recorded by a run that stopped before its last step: the work is kept, the
            # last step of this run settles it.
            if status == "cleaned" and not body.exists():
                return "output missing"
        elif final_status in ("cleaned", "duplicate") and not body.exists():
            return "output missing"
        if outputs and self._edited(json.loads(outputs)):
            return "output edited"
        return None

    def _edited(self, recorded: dict) -> bool:
        """Whether an output file differs from what the run wrote: same size and mtime
        is taken as unchanged; otherwise its content hash decides."""
        for name, (size, mtime_ns, sha) in recorded.items():
            now = file_stat(str(self.out / name))
            if now == (size, mtime_ns):
                continue
            if now[0] is None or content_hash(str(self.out / name)) != sha:
                return True
        return False

    def record_outputs(self) -> None:
        """What each document's files hold as the run leaves them (size, mtime, hash), for
        the documents whose files this run wrote: a file edited by hand is noticed next run."""
        # A page of ids at a time (keyset on the primary key), each page's updates
        # committed before the next is read: memory stays flat in the documents, and no
        # row is updated under an open SELECT of the same table.
        after = ""
        while True:
            rows = self.db.execute("SELECT id, final_status FROM docs WHERE outputs IS NULL AND status != 'withdrawn'"
                                   " AND final_status IS NOT NULL AND id > ? ORDER BY id LIMIT ?",
                                   (after, _PAGE_ROWS)).fetchall()
            if not rows:
                return
            updates = []
            for ident, final_status in rows:
                names = [meta_name(ident)] + ([body_name(ident)] if final_status in ("cleaned", "duplicate") else [])
                recorded = {}
                for name in names:
                    size, mtime_ns = file_stat(str(self.out / name))
                    if size is not None:
                        recorded[name] = [size, mtime_ns, content_hash(str(self.out / name))]
                updates.append((json.dumps(recorded, sort_keys=True), ident))
            with self.db:
                self.db.executemany("UPDATE docs SET outputs=? WHERE id=?", updates)
            after = rows[-1][0]

    def _rebuild_from_outputs(self, options: Options) -> None:
        """An empty state beside an index (the state was set aside as broken, or
        deleted): the documents the output folder holds go back into the state from
        their files, so a run keeps them in the index. Found again in this run's
        inputs, they are cleaned again; the others stay as their files say."""
        from pipeline.dedup_corpus import packed_fingerprint

        try:
            lines = self.folder.index.read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return
        rows = []
        for line in lines:
            try:
                entry = json.loads(line)
                ident, status = entry["id"], entry["status"]
                meta = json.loads(self.folder.meta(ident).read_text("utf-8"))
                if not isinstance(ident, str) or "/" in ident or meta.get("id") != ident:
                    continue
                signature = body_sha = None
                if status in ("cleaned", "duplicate"):
                    body_sha, signature = packed_fingerprint(self.folder.body(ident).read_text("utf-8"),
                                                             options.shingle_words, options.minhash_permutations)
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                continue
            batch_status = "cleaned" if status in ("cleaned", "duplicate") else status
            source = str(entry.get("source") or meta.get("source") or ident)
            rows.append((ident, source, os.path.abspath(source), None, None, meta.get("sha256"), REBUILT, batch_status,
                         None if batch_status == "cleaned" else entry.get("reason"), entry.get("title"),
                         entry.get("published"), entry.get("language"), int(entry.get("words") or 0),
                         json.dumps(meta.get("rules") or {}, sort_keys=True), body_sha, signature,
                         None if status == "withdrawn" else status, entry.get("reason"),
                         json.dumps(meta.get("duplicates") or [], sort_keys=True)))
        if rows:
            with self.db:
                self.db.executemany(
                    "INSERT OR REPLACE INTO docs (id, source, path, size, mtime_ns, sha256, fingerprint, status, reason,"
                    " title, published, language, words, rules, body_sha256, signature, final_status, final_reason,"
                    " duplicates) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            self.repairs.append(f"state rebuilt from the output folder: {len(rows)} documents of index.jsonl")

    def _sweep_temporaries(self) -> None:
        """Temporary files a killed run left (atomic writes that never got renamed)."""
        self.folder.sweep()

    # -- record ----------------------------------------------------------------------
    def record(self, summaries, fp: str) -> None:
        """Commit one batch's results (its files are already written)."""
        rows = []
        for s in summaries:
            # The final columns say what the files just written say (this status, no
            # duplicates): the run's last step then touches only documents that differ.
            rows.append((s.id, s.source, printable(s.path), s.size, s.mtime_ns, s.sha256, fp, s.status, s.reason, s.title,
                         s.published, s.language, s.words, json.dumps(s.rules, sort_keys=True), s.body_sha256, s.signature,
                         s.status, s.reason, "[]", s.url, s.report))
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO docs (id, source, path, size, mtime_ns, sha256, fingerprint, status, reason,"
                " title, published, language, words, rules, body_sha256, signature, final_status, final_reason,"
                " duplicates, url, report) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    # -- settle ----------------------------------------------------------------------
    def settle(self, updates: list[tuple[str, str | None, str]]) -> None:
        """updates: (final_status, final_reason, duplicates json, id). Their files were
        rewritten: what they hold is recorded again (record_outputs)."""
        with self.db:
            self.db.executemany("UPDATE docs SET final_status=?, final_reason=?, duplicates=?, outputs=NULL WHERE id=?",
                                updates)

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
    path = OutDir(out_dir).state / "lock"
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
    path = OutDir(out).state / "state.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=60)
    # WAL + synchronous=NORMAL: a commit survives a killed process (not a power cut,
    # which would only cost re-cleaning the last batches).
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(_SCHEMA)
    columns = {row[1] for row in db.execute("PRAGMA table_info(docs)")}
    for column in ("url", "outputs", "report"):  # a state written by an earlier version
        if column not in columns:
            with db:
                db.execute(f"ALTER TABLE docs ADD COLUMN {column} TEXT")
    return db


def _input_of(place: str) -> str:
    """The input file of a state row's path: a corpus record's `file#N` is under the
    paths given when its file is."""
    from pipeline.corpus import container_kind

    file, hash_mark, number = place.rpartition("#")
    if hash_mark and number.isdigit() and container_kind(file):
        place = file
    return os.path.abspath(place)


def _under(path: str, root: str) -> bool:
    """Whether `path` is `root` or lies under it (both absolute)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
