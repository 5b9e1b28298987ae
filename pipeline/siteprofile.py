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
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.lexicon import fold
from pipeline.write import write_json

_SAFE = re.compile(r"[^\w.-]+")
# Long prose lines recur across pages only as boilerplate disclaimers; still ask more.
_PROSE_WORDS = 40
_MAX_LINES_KEPT = 200_000


def line_key(line: str) -> str | None:
    folded = fold(line)
    if not folded:
        return None
    return hashlib.blake2b(folded.encode("utf-8"), digest_size=8).hexdigest()


def page_keys(lines: list[str]) -> set[str]:
    return {k for k in map(line_key, lines) if k}


@dataclass
class SiteProfile:
    site: str
    pages: set[str] = field(default_factory=set)   # content hashes of the pages counted
    lines: Counter = field(default_factory=Counter)  # line key -> pages holding it

    def add_page(self, page_hash: str, keys: set[str]) -> None:
        if page_hash in self.pages:
            return
        self.pages.add(page_hash)
        self.lines.update(keys)

    def recurrence(self, key: str, page_counted: bool) -> tuple[int, int]:
        """(other pages holding the line, other pages of the site)."""
        own = 1 if page_counted else 0
        return self.lines.get(key, 0) - own, len(self.pages) - own

    def to_dict(self) -> dict:
        common = dict(sorted(self.lines.most_common(_MAX_LINES_KEPT)))
        return {"site": self.site, "pages": sorted(self.pages), "lines": common}

    @classmethod
    def from_dict(cls, data: dict) -> "SiteProfile":
        return cls(data["site"], set(data.get("pages", [])), Counter(data.get("lines", {})))


@dataclass(frozen=True)
class SiteRule:
    min_other_pages: int = 2
    min_share: float = 0.3

    def verdict(self, profile: SiteProfile | None, line: str, words: int, page_counted: bool) -> tuple[str, str] | None:
        if profile is None:
            return None
        key = line_key(line)
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


class ProfileStore:
    """Profiles on disk, one JSON file a site, under <state>/sites/."""

    def __init__(self, state_dir: Path | None):
        self.folder = Path(state_dir) / "sites" if state_dir else None

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
        write_json(self._path(profile.site), profile.to_dict())
