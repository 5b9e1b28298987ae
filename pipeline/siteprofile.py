"""Site-level learning: lines that recur across many pages of one site are that site's
chrome, even when no rule names them.

A profile counts, per site, how many distinct pages hold each line (by a short hash of
its folded text). Profiles persist in the state folder, so scheduled runs reuse and
refine them; a page is counted once however often it is seen (by content hash).
A line is chrome for its site only when enough *other* pages hold it: never because of
a single other page.
"""
from __future__ import annotations

import hashlib
import json
import pickle
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.lexicon import _EDGE_PUNCT, fold
from pipeline.memo import Remembered
from pipeline.write import write_json

try:  # C (pipeline/_sitekeys.c): the same keys and sets, without a Python step a line
    import pipeline._sitekeys as _sitekeys
except ImportError:  # not built: the Python below
    _sitekeys = None

_SAFE = re.compile(r"[^\w.-]+")
# Long prose lines recur across pages only as boilerplate disclaimers; still ask more.
_PROSE_WORDS = 40
_MAX_LINES_KEPT = 200_000
# A page whose longer lines are nearly all in the profile already is a copy of a page
# counted before (a duplicate, a syndicated story), not new evidence about the site.
_COPY_SHARE = 0.8


def line_key(line: str) -> str | None:
    folded = fold(line)
    if not folded:
        return None
    return hashlib.blake2b(folded.encode("utf-8"), digest_size=8).hexdigest()


def _line_keys(lines: list[str]) -> list[str | None]:
    """[line_key(line) for line in lines]: by the C kernel where it is built (an ASCII
    line lowered as it is read, another case-folded by its casefold), else with the
    lines case-folded in one call: casefold maps each character on its own and no
    character folds to or from a line break, so the joined lines folded and split at the
    breaks are the lines folded (lines with a break of their own take the line-by-line
    path)."""
    if _sitekeys is not None:
        try:
            return _sitekeys.line_keys(lines, _EDGE_PUNCT)
        except ValueError:  # a surrogate: the Python's encode says what is wrong
            pass
    folded = "\n".join(lines).casefold().split("\n")
    if len(folded) != len(lines):
        return [line_key(line) for line in lines]
    blake2b = hashlib.blake2b
    return [blake2b(text.encode("utf-8"), digest_size=8).hexdigest() if text else None
            for text in [" ".join(f.split()).strip(_EDGE_PUNCT) for f in folded]]


def page_keys(lines: list[str], min_words: int = 0) -> set[str]:
    return {k for line in lines if len(line.split()) >= min_words and (k := line_key(line))}


def _page_key_sets(lines: list[str], min_words: int, known: dict | None = None) -> tuple[set[str], set[str]]:
    """(page_keys(lines), page_keys(lines, min_words)) with one key a distinct line.

    `known`: line -> line_key, kept from earlier pages (a site's chrome recurs on each)."""
    keys, long_keys = set(), set()
    known = Remembered(line_key) if known is None else known
    distinct = set(lines)
    new = [line for line in distinct if line not in known]
    if new:
        known.update(zip(new, _line_keys(new)))
    if _sitekeys is not None and type(known) in (dict, Remembered):
        return _sitekeys.key_sets(distinct, known, min_words)
    for line in distinct:
        key = known[line]
        if key:
            keys.add(key)
            if len(line.split()) >= min_words:
                long_keys.add(key)
    return keys, long_keys


def _text_key_sets(text: str, min_words: int, known: dict) -> tuple[set[str], set[str]]:
    """_page_key_sets(text.split("\n"), min_words, known): by the C kernel in one pass
    over the text where it is built, else (or on a surrogate, which the Python then
    refuses as before) by _page_key_sets."""
    if _text_kernel is not None and type(known) in (dict, Remembered):
        try:
            return _text_kernel(text, known, min_words, _EDGE_PUNCT)
        except ValueError:
            pass
    return _page_key_sets(text.split("\n"), min_words, known)


# A build of _sitekeys older than text_key_sets: the two calls above.
_text_kernel = getattr(_sitekeys, "text_key_sets", None)


@dataclass
class SiteProfile:
    site: str
    pages: set[str] = field(default_factory=set)   # content hashes of the pages counted
    lines: Counter = field(default_factory=Counter)  # line key -> pages holding it
    # Pages seen but not counted: copies of an article already counted. Ten copies of one
    # story in a folder must not make its paragraphs look like the site's chrome.
    copies: set[str] = field(default_factory=set)

    def add_page(self, page_hash: str, keys: set[str], long_keys: set[str]) -> None:
        """Count a page's lines; `long_keys`: those of its lines of 4+ words."""
        if page_hash in self.pages or page_hash in self.copies:
            return
        if self.pages and long_keys and sum(1 for k in long_keys if self.lines.get(k)) >= _COPY_SHARE * len(long_keys):
            self.copies.add(page_hash)
            return
        self.pages.add(page_hash)
        self.lines.update(keys)

    def recurrence(self, key: str, page_counted: bool) -> tuple[int, int]:
        """(other pages holding the line, other pages of the site)."""
        own = 1 if page_counted else 0
        return self.lines.get(key, 0) - own, len(self.pages) - own

    def to_dict(self) -> dict:
        # most_common ranks every line by its count, then the kept ones are sorted by
        # text: when all are kept the ranking changes nothing (the texts are distinct).
        # The keys are sorted, not the (key, count) pairs: the same order (the keys are
        # distinct), and a list of strings sorts at several times the speed of a list of
        # tuples (a run's site can hold 150,000 lines; fifteenth round, part B).
        lines = self.lines
        kept = lines if len(lines) <= _MAX_LINES_KEPT else [key for key, _ in lines.most_common(_MAX_LINES_KEPT)]
        common = {key: lines[key] for key in sorted(kept)}
        return {"site": self.site, "pages": sorted(self.pages), "copies": sorted(self.copies), "lines": common}

    def to_file(self) -> dict:
        """to_dict's content for write_json, which sorts every object's keys itself: the
        lines as a plain copy of the counts (when all are kept), not a dict built key by
        key in sorted order, so the saved file is the same bytes."""
        lines = self.lines
        if len(lines) > _MAX_LINES_KEPT:
            return self.to_dict()
        return {"site": self.site, "pages": sorted(self.pages), "copies": sorted(self.copies), "lines": dict(lines)}

    @classmethod
    def from_dict(cls, data: dict) -> "SiteProfile":
        return cls(data["site"], set(data.get("pages", [])), Counter(data.get("lines", {})), set(data.get("copies", [])))


@dataclass(frozen=True)
class SiteRule:
    min_other_pages: int = 2
    min_share: float = 0.3
    # One- to three-word labels ("Price", "Pros", "1.") recur across a site's articles as
    # their structure; the lexicon and the line model judge those. The site rule is for
    # longer lines the site repeats: prompts, disclaimers, teasers, bios.
    min_words: int = 4

    def verdict(self, profile: SiteProfile | None, line: str, words: int, page_counted: bool,
                key_of=line_key) -> tuple[str, str] | None:
        """`key_of`: line_key, or a memo of it."""
        if profile is None or words < self.min_words:
            return None
        key = key_of(line)
        if key is None:
            return None
        others, other_pages = profile.recurrence(key, page_counted)
        if others < self.min_other_pages or other_pages <= 0:
            return None
        share = others / other_pages
        needed = max(self.min_share, 0.6) if words >= _PROSE_WORDS else self.min_share
        if share < needed:
            return None
        return "site.recurring", f"recurs on {others} of {other_pages} other pages of site {profile.site!r}"


class SiteVerdicts:
    """SiteRule's verdict on a page's lines against one site's profile, the line keys
    kept in `keys` (a memo of line_key for the batch). `prepare` makes the keys of the
    lines about to be asked in one call of the C kernel (`_line_keys`: the same keys as
    line_key), not one Python fold and hash a line."""

    def __init__(self, rule: SiteRule, profile: SiteProfile, page_counted: bool, keys: dict):
        self.rule, self.profile, self.page_counted, self.keys = rule, profile, page_counted, keys
        self._key_of = keys.__getitem__

    def __call__(self, line: str, words: int) -> tuple[str, str] | None:
        return self.rule.verdict(self.profile, line, words, self.page_counted, self._key_of)

    def prepare(self, lines: list[str], words: list[int]) -> None:
        """Key the lines (with their word counts) the verdict will look up: those of
        `rule.min_words` words or more not keyed yet."""
        keys, least = self.keys, self.rule.min_words
        new = list(dict.fromkeys(line for line, n in zip(lines, words) if n >= least and line not in keys))
        if new:
            keys.update(zip(new, _line_keys(new)))


# Profile files parsed, by their text's digest, for the next store that reads the same
# text: each batch's Engine has a store of its own, and every batch of a run reads the
# run's profiles again (parsing one site's file of 150,000 lines took 70 ms a batch).
# Keyed by the text, so a changed file (the next run's) is parsed anew; a store gets
# from_dict's copies (a set, a Counter), never the kept object. Holds at most
# _PARSED_FILES files and _PARSED_LINES lines in all (about 25 MB), the oldest let go first.
_PARSED: dict[bytes, tuple[object, int]] = {}
_PARSED_LINES = 250_000
_PARSED_FILES = 32
_parsed_lock = threading.Lock()


def _parsed(text: str):
    """json.loads(text), kept for the next reading of the same text."""
    key = hashlib.blake2b(text.encode("utf-8"), digest_size=32).digest()
    with _parsed_lock:
        kept = _PARSED.get(key)
    if kept is not None:
        return kept[0]
    data = json.loads(text)
    lines = data.get("lines") if isinstance(data, dict) else None
    size = len(lines) if isinstance(lines, (dict, list)) else 0
    if size <= _PARSED_LINES:
        with _parsed_lock:
            _PARSED[key] = (data, size)
            while len(_PARSED) > _PARSED_FILES or sum(held for _, held in _PARSED.values()) > _PARSED_LINES:
                del _PARSED[next(iter(_PARSED))]
    return data


class ProfileStore:
    """Profiles on disk, one JSON file a site, under <state>/sites/; each loaded once."""

    def __init__(self, state_dir: Path | None):
        self.folder = Path(state_dir) / "sites" if state_dir else None
        self._loaded: dict[str, SiteProfile] = {}

    def get(self, site: str | None) -> SiteProfile | None:
        """The site's profile as saved, or None when nothing was learned for it."""
        if not site or self.folder is None:
            return None
        if site not in self._loaded:
            path = self._path(site)
            self._loaded[site] = SiteProfile.from_dict(_parsed(path.read_text("utf-8"))) if path.exists() else None
        return self._loaded[site]

    def _path(self, site: str) -> Path:
        return self.folder / (_SAFE.sub("_", site).strip("._")[:100] + "-" + hashlib.sha256(site.encode()).hexdigest()[:8] + ".json")

    def load(self, site: str) -> SiteProfile:
        if self.folder is not None:
            path = self._path(site)
            if path.exists():
                return SiteProfile.from_dict(json.loads(path.read_text("utf-8")))
        return SiteProfile(site)

    def save(self, profile: SiteProfile) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json(self._path(profile.site), profile.to_file())


_KEY_MEMO_LIMIT = 20_000  # lines whose keys one reading keeps (a few MB); emptied when full


def learn_sites(sources, state_dir: Path, max_bytes: int, pages=None, held: int | None = None) -> dict[str, int]:
    """Count the lines of the run's text dumps into their sites' profiles and save them.

    A light read (decode and fold, no full cleaning): the profile only needs to know
    which lines a page holds. HTML pages are left out (their site is known only after
    extraction, and trafilatura removes most repeated chrome already). Returns pages
    counted per site.

    `pages`: what read_pages(sources) gives, read elsewhere (the cleaning workers read
    a long run's pages in parallel, pipeline/guard.py); they are counted here in the
    sources' order, so the profiles are the same (whether a page is a copy depends on
    the pages before it).

    `held`: profiles kept in memory at once (_PROFILES_HELD); the others wait on disk."""
    store = ProfileStore(state_dir)
    counted: Counter = Counter()
    if pages is None:
        # Read site by site (each site's pages in their order: a profile depends only
        # on its own pages and their order), so each profile is saved once its site is
        # done and one profile at a time is in memory, however many sites the run has.
        sources = sorted(sources, key=_site_of)
    with _Learning(store, held or _PROFILES_HELD) as touched:
        for seen in read_pages(sources, max_bytes) if pages is None else pages:
            if seen is None:
                continue
            site, page_hash, keys, long_keys = seen
            if pages is None:
                touched.done_with_all_but(site)
            touched.get(site).add_page(page_hash, keys, long_keys)
            counted[site] += 1
        touched.save_all()
    return dict(counted)


def _site_of(source) -> str:
    """The site read_pages gives a source (its URL's host, else its folder)."""
    from pipeline.sites import folder_of, page_site

    return page_site(source.url, folder_of(source.display)) or ""


# Site profiles learning keeps in memory at once. A profile holds every line key its
# site's pages gave (about 10 MB for 1,000 pages of one site); a long run's sites come
# folder by folder, so the profiles of the sites it has moved past are set aside on disk.
_PROFILES_HELD = 4


class _Learning:
    """The profiles a learning pass is counting into: the most recently used in memory,
    the others pickled to a temporary folder beside the profiles, whole (ProfileStore's
    file keeps only the most common lines: reloading it mid-count would change the
    counts), and read back when their site comes round again. Saved to the store at the
    end exactly as if all had stayed in memory: a Counter pickles with its keys' order,
    which decides ties among the most common."""

    def __init__(self, store: ProfileStore, held: int = 4):
        self.store, self.limit = store, held
        self.held: dict[str, SiteProfile] = {}  # insertion order: least recently used first
        self.aside: dict[str, Path] = {}
        self._folder = None

    def __enter__(self) -> "_Learning":
        return self

    def __exit__(self, *exc):
        if self._folder is not None:
            self._folder.cleanup()
        return False

    def get(self, site: str) -> SiteProfile:
        profile = self.held.pop(site, None)
        if profile is None:
            profile = self._take(site) if site in self.aside else self.store.load(site)
        self.held[site] = profile
        while len(self.held) > self.limit:
            self._set_aside(next(iter(self.held)))
        return profile

    def _set_aside(self, site: str) -> None:
        if self._folder is None:
            import tempfile

            where = self.store.folder  # None: the system's temporary folder
            if where is not None:
                where.mkdir(parents=True, exist_ok=True)
            self._folder = tempfile.TemporaryDirectory(prefix=".learning-", dir=where)
        path = Path(self._folder.name) / f"{len(self.aside)}-{hashlib.sha256(site.encode()).hexdigest()[:16]}.pickle"
        with path.open("wb") as handle:
            pickle.dump(self.held.pop(site), handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.aside[site] = path

    def done_with_all_but(self, site: str) -> None:
        """Pages come site by site: a profile of another site is complete, saved now."""
        for other in [name for name in self.held if name != site]:
            self.store.save(self.held.pop(other))

    def _take(self, site: str) -> SiteProfile:
        path = self.aside.pop(site)
        with path.open("rb") as handle:
            profile = pickle.load(handle)
        path.unlink()
        return profile

    def save_all(self) -> None:
        for profile in self.held.values():
            self.store.save(profile)
        self.held.clear()
        while self.aside:
            self.store.save(self._take(next(iter(self.aside))))


def read_pages(sources, max_bytes: int):
    """What learning needs of each source, in order and one at a time: (site, content
    hash, line keys, keys of the lines of 4+ words), or None for a page it leaves out."""
    from pipeline.decode import decode
    from pipeline.document import Rejected
    from pipeline.extract import looks_like_html
    from pipeline.sites import folder_of, page_site
    from pipeline.sources import read_source

    known = Remembered(line_key)
    for source in sources:
        if not source.relpath.lower().removesuffix(".gz").endswith(".txt"):
            yield None
            continue
        try:
            data = read_source(source, max_bytes)
            text, _ = decode(data)
        except Rejected:
            yield None  # the cleaning pass records why
            continue
        if looks_like_html(text):  # as the cleaning pass sniffs it: after decoding
            yield None
            continue
        if len(known) > _KEY_MEMO_LIMIT:
            known.clear()
        site = page_site(source.url, folder_of(source.display))
        keys, long_keys = _text_key_sets(text, SiteRule.min_words, known)
        yield site, hashlib.sha256(data).hexdigest(), keys, long_keys
