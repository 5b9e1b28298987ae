"""Read metadata from a classified text page: title, standfirst, author, published date
(kept apart from the page's own header date) and site name. Lines it reads are already
removed by classification; reading them only gives them a more precise rule id."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from pipeline.classify import Classification
from pipeline.lexicon import fold
from pipeline.lineshape import WORD
from pipeline.memo import LineMemo

_BY = re.compile(r"(?:^|\b)(?:[Bb]y|BY|Written by|Reported by|Author:|Words by)\s+"
                 r"(?P<name>[A-Z][\w'’.-]+(?:\s+(?:[A-Z][\w'’.-]+|de|da|van|von|der|bin|al|la|le|di)){0,4})")
_NAME_WORD = re.compile(r"^[A-Z][a-z'’.-]+$|^[A-Z]\.$")
_ABOUT = re.compile(r"^(?P<name>(?:The\s+)?[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,4})\s+(?:is|are)\s+(?:a|an|the|India's|the world's)\b")
_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*(?P<name>[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,4})", re.I)
_PUBLISHED = re.compile(r"(?i)\b(?:first published|published|posted|released)\b")
_UPDATED = re.compile(r"(?i)\b(?:updated|modified|edited)\b")
_MAX_DATE_LINE_WORDS = 25


@lru_cache(maxsize=None)
def _datelines() -> tuple[str, ...]:
    text = (resources.files("pipeline") / "data" / "datelines.txt").read_text("utf-8")
    names = [l.strip() for l in text.splitlines() if l.strip() and not l.startswith("#")]
    return tuple(sorted(names, key=len, reverse=True))


@dataclass
class PageMetadata:
    title: str | None = None
    description: str | None = None
    author: str | None = None
    published: str | None = None
    published_from: str | None = None
    page_date: str | None = None
    site_name: str | None = None
    claims: dict[int, tuple[str, str]] = field(default_factory=dict)  # line -> (rule, reason)

    def fields(self) -> dict:
        return {
            "title": self.title,
            "description": self.description,
            "author": self.author,
            "published": self.published,
            "published_from": self.published_from,
            "page_date": self.page_date,
            "site_name": self.site_name,
        }


def _title_like(text: str, units: int) -> bool:
    return 4 <= units <= 30 and not text.rstrip().endswith((".", ":", ";", ","))


def _byline_author(text: str) -> str | None:
    match = _BY.search(text)
    if match:
        return match.group("name").rstrip(".")
    # A line of capitalised words only: a name, maybe followed by a dateline city.
    for place in _datelines():
        if text.endswith(" " + place):
            text = text[: -len(place) - 1].rstrip(" ,|-")
            break
    words = text.split()
    if 2 <= len(words) <= 4 and all(_NAME_WORD.match(w) for w in words):
        return text
    return None


def read_metadata(result: Classification, memo: LineMemo | None = None) -> PageMetadata:
    """`memo`: the page's folded lines, shared with the settle pass and dedup_page."""
    meta = PageMetadata()
    shapes = result.shapes
    start = result.body_start
    header = [n for n in sorted(shapes) if start is not None and n < start]

    # Title: a headline-shaped header line that is not a date, byline or lexicon chrome;
    # a line that the page repeats (breadcrumb, news stream) wins, then the one nearest
    # the body; a sentence-case line right after it is the standfirst.
    candidates = [
        n for n in header
        if result.decisions[n].rule == "position.header"
        and _title_like(shapes[n].text, shapes[n].length_units())
        and not shapes[n].dates and not _BY.search(shapes[n].text)
        and _byline_author(shapes[n].text) is None
    ]
    folds = (memo if memo is not None else LineMemo()).table("fold", compute=fold)
    folded = {n: folds[shape.text] for n, shape in shapes.items()}
    # Repeated: another line folds to the same text, or ends with it after a space. Folded
    # lines hold no line break, so " title\n" in the lines joined by line breaks finds the
    # second kind in one search instead of one comparison a line.
    copies = Counter(folded.values())
    joined = "\n".join(folded.values()) + "\n"
    repeated = [n for n in candidates if copies[folded[n]] > 1 or f" {folded[n]}\n" in joined]
    title_line = None
    if repeated:
        title_line = repeated[0]
    elif candidates:
        title_line = candidates[0]
        # Skip past a standfirst: the title is the first of two stacked headline lines.
    if title_line is not None:
        meta.title = shapes[title_line].text
        meta.claims[title_line] = ("meta.title", "the article's title (kept in metadata)")
        following = next((n for n in candidates if n > title_line and folded[n] != folded[title_line]), None)
        if following is not None and _is_standfirst(shapes[following].text):
            meta.description = shapes[following].text
            meta.claims[following] = ("meta.description", "standfirst below the title (kept in metadata)")

    # Author: "By ..." anywhere in the header, else a name-only line after the title.
    for n in header:
        if n in meta.claims:
            continue
        text = shapes[n].text
        author = _BY.search(text) and _byline_author(text)
        if not author and title_line is not None and n > title_line and result.decisions[n].rule == "position.header":
            author = _byline_author(text)
        if author:
            meta.author = author
            meta.claims[n] = ("meta.byline", "byline (author kept in metadata)")
            break

    # Dates: an explicit publication stamp wins; then a date under the title or in the
    # byline; the page's own top-bar date (above the title) is only the last resort.
    stamps, dated_after_title, dated_before_title = [], [], []
    for n, shape in sorted(shapes.items()):
        # A stamp or dateline is a short line; a date inside a paragraph is the story's.
        if not shape.dates or shape.words > _MAX_DATE_LINE_WORDS:
            continue
        lead = shape.text[: shape.dates[0].start]  # a stamp names itself before its date
        if _PUBLISHED.search(lead) and not _UPDATED.search(lead):
            stamps.append(n)
        elif start is not None and n < start:
            if title_line is not None and n > title_line:
                dated_after_title.append(n)
            else:
                dated_before_title.append(n)
    if dated_before_title and (title_line is None or dated_before_title[0] < title_line):
        n = dated_before_title[0]
        meta.page_date = shapes[n].dates[0].value
        meta.claims.setdefault(n, ("meta.page_date", "the page's own date in its header (not the publication date)"))
    for source, lines, rule in (("publication stamp", stamps, "meta.published"),
                                ("date under the title", dated_after_title, "meta.published"),
                                ("page header date (no publication stamp found)", dated_before_title, None)):
        if lines:
            n = lines[0]
            meta.published = shapes[n].dates[0].value
            meta.published_from = f"{source}, line {n}"
            if rule and (n not in meta.claims or meta.claims[n][0] == "meta.byline"):
                reason = "publication date (kept in metadata)"
                meta.claims[n] = (rule, reason) if n not in meta.claims else (meta.claims[n][0], "byline with the publication date (kept in metadata)")
            break

    meta.site_name, site_line = _site_name(result, header, title_line)
    if site_line is not None:
        meta.claims.setdefault(site_line, ("meta.site_name", "the site's name in its masthead (kept in metadata)"))
    return meta


def _is_standfirst(text: str) -> bool:
    words = WORD.findall(text)
    lower = sum(1 for w in words if w[:1].islower())
    return len(words) >= 8 and lower * 2 >= len(words)


def _site_name(result: Classification, header: list[int], title_line: int | None) -> tuple[str | None, int | None]:
    shapes = result.shapes
    # A short capitalised line above the title that no rule named: the masthead.
    for n in header:
        if title_line is not None and n >= title_line:
            break
        text = shapes[n].text
        words = text.split()
        if (result.decisions[n].rule == "position.header" and 1 <= len(words) <= 4
                and all(w[:1].isupper() or not w[:1].isalpha() for w in words) and not shapes[n].dates):
            return text, n
    # "X is a premier platform..." after an "About us" marker, or a copyright line.
    after_footer = [n for n in sorted(shapes) if result.footer_start is not None and n > result.footer_start]
    for n in after_footer:
        match = _ABOUT.match(shapes[n].text)
        if match and _previous_is_about(result, n):
            return match.group("name"), None
    for n in sorted(shapes, reverse=True):
        if shapes[n].lexicon and shapes[n].lexicon.rule == "lexicon.copyright":
            match = _COPYRIGHT.search(shapes[n].text)
            if match:
                return match.group("name").strip(), None
    return None, None


def _previous_is_about(result: Classification, n: int) -> bool:
    previous = [m for m in result.shapes if m < n]
    return bool(previous) and fold(result.shapes[max(previous)].text).startswith("about")
