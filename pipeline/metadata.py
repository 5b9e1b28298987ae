"""Read metadata from a classified text page: title, standfirst, author, published date
(kept apart from the page's own header date) and site name. Lines it reads are already
removed by classification; reading them only gives them a more precise rule id."""
from __future__ import annotations

import json
import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from itertools import islice

from pipeline.classify import Classification
from pipeline.lexicon import fold
from pipeline.lineshape import WORD
from pipeline.linewords import words_of
from pipeline.memo import LineMemo
from pipeline.metadates import _YEAR, find_moments, has_label as _has_label, labels as _labels, split_moment, vocabulary
from pipeline.urlwords import slug_share, slug_share_unspaced, slug_words, trim_to_slug, url_day

# Speed: a page's short lines are read for dates on each pass (the settle pass reads the
# kept ones again) and a site's header lines on every page; a pure function whose list
# of frozen Moments callers only read.
find_moments = lru_cache(maxsize=1 << 14)(find_moments)

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


@lru_cache(maxsize=None)
def _dateline_endings() -> tuple[str, ...]:
    """" " + each dateline city: one `str.endswith` call says whether any of them ends a
    line, and most lines end with none (the loops over `_datelines()` then find none)."""
    return tuple(" " + place for place in _datelines())


@dataclass
class PageMetadata:
    title: str | None = None
    description: str | None = None
    author: str | None = None  # the authors joined by "; "
    authors: list[str] = field(default_factory=list)
    published: str | None = None  # ISO 8601: timestamp with offset, else the date alone
    published_time_local: str | None = None  # "HH:MM[:SS]" when the text gives no zone
    published_from: str | None = None
    updated: str | None = None
    page_date: str | None = None
    site_name: str | None = None
    # field -> {"line": n, "confidence": 0..1, "how": ...}: where each field was read, also
    # when its confidence was below THRESHOLDS[field] and the field was left empty.
    evidence: dict = field(default_factory=dict)
    # The headline read, shown or withheld: what the body's repeats of the title are (not written).
    read_title: str | None = None
    # With COLLECT_CANDIDATES only (training/title_rank.py; not written): the title's hand
    # scoring as it stood (`scored`, its best score, the pick, the candidates a repeat
    # confirms, the lines' folds and texts, `_not_skipped`), from which title_rank.py
    # makes each candidate's features, and the confidence's signals each would have as the pick.
    title_candidates: dict = field(default_factory=dict)
    title_signals: dict = field(default_factory=dict)
    claims: dict[int, tuple[str, str]] = field(default_factory=dict)  # line -> (rule, reason)

    def fields(self) -> dict:
        return {
            "title": self.title,
            "description": self.description,
            "author": self.author,
            "authors": list(self.authors),
            "published": self.published,
            "published_time_local": self.published_time_local,
            "published_from": self.published_from,
            "updated": self.updated,
            "page_date": self.page_date,
            "site_name": self.site_name,
            "metadata_evidence": {k: dict(v) for k, v in sorted(self.evidence.items())},
        }


def _uncased(text: str) -> bool:
    """Fewer than half the line's letters have a case (upper or lower): a script without
    capital letters, whatever its language."""
    letters = cased = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            cased += ch.islower() or ch.isupper()
    return cased * 2 < letters


def _trigrams(text: str) -> set[str]:
    letters = "".join(text.casefold().split())
    return {letters[i:i + 3] for i in range(len(letters) - 2)}


def _uncased_signals(result: Classification, n: int, text: str) -> list[str]:
    """Script-neutral stand-ins for the title signals that capital letters carry: a short
    line under it (a byline's names, told in English by "By" and capitals), a sentence
    under it (a standfirst, told by its lowercase words), and how much of the title's
    letters (runs of three, spaces left out: words run together in Thai) the lead holds."""
    shapes, start = result.shapes, result.body_start
    order = sorted(shapes)
    at = bisect_right(order, n)
    under = [shapes[m] for m in order[at:at + 3]]
    signals = []
    if any(2 <= s.words <= 4 and not s.dates for s in under):
        signals.append("a short line under it")
    if under and under[0].words >= 8 and (under[0].ends_sentence or under[0].stopword_ratio >= 0.3):
        signals.append("a sentence under it")
    title = _trigrams(text)
    if title and start is not None:
        lead, size = [], 0
        for m in order[bisect_left(order, start):]:
            if result.decisions[m].keep:
                lead.append(shapes[m].text)
                size += len(shapes[m].text)
                if size >= 600:
                    break
        share = len(title & _trigrams(" ".join(lead))) / len(title)
        signals += ["its letters in the lead"] if share >= 0.5 else ["few of its letters in the lead"] if share < 0.2 else []
    return signals


def _title_like(text: str, units: int) -> bool:
    return 4 <= units <= 30 and not text.rstrip().endswith((".", ":", ";", ","))


def _byline_author(text: str) -> str | None:
    match = _BY.search(text)
    if match:
        return match.group("name").rstrip(".")
    return _capitalised_name(text)


def _capitalised_name(text: str) -> str | None:
    """`_byline_author` of a line `_BY` does not match: a line of capitalised words only,
    a name, maybe followed by a dateline city."""
    for place in _datelines() if text.endswith(_dateline_endings()) else ():
        if text.endswith(" " + place):
            text = text[: -len(place) - 1].rstrip(" ,|-")
            break
    words = text.split()
    if 2 <= len(words) <= 4 and all(_NAME_WORD.match(w) for w in words):
        return text
    return None


_SEPARATORS = (" - ", " | ", " – ", " — ", " :: ", " · ", " • ", " / ", ": ")
_NAME_PARTICLES = {"de", "da", "van", "von", "der", "den", "bin", "al", "la", "le", "di", "du", "dos", "del", "ter", "zu"}
_CUT = re.compile(r"\s+(?:[|•·–—]|-\s)\s*|\s*\(|\s{2,}|\s+\d")
# The reading's own scores (the title's score / 8, the author's and date's kind) decide
# which line is read, as before; the stricter the confidence gets, the less it may move
# what the body keeps (the title a run removes from the body as a repeat is the one this
# score passes at READ_SCORE).
READ_SCORE = 0.5


@lru_cache(maxsize=None)
def confidence_model() -> dict:
    """Per field: weights of the reading's signals (a logistic model) and the threshold
    below which the field is left empty, both chosen on folds grouped by site by
    training/meta_eval.py (docs/metadata.md)."""
    text = (resources.files("pipeline") / "data" / "meta_confidence.json").read_text("utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("_")}


def confidence_of(field_name: str, signals: list[str]) -> float:
    """The probability, by the field's learned weights, that a reading with these
    signals is right (an unknown signal weighs nothing). `field_name`: a field, or one
    of its other models ("title_uncased")."""
    model = confidence_model()[field_name]
    z = model["bias"] + sum(model["weights"].get(s, 0.0) for s in signals)
    return 1 / (1 + math.exp(-z))


def threshold(field_name: str, by_url: bool = False) -> float:
    """The field's (or model's) threshold; `by_url`: of a reading the page's URL spoke to
    (its own, `url_threshold`, where the field has one)."""
    model = confidence_model()[field_name]
    return model.get("url_threshold", model["threshold"]) if by_url else model["threshold"]


def _folded_list(words) -> tuple[str, ...]:
    return tuple(sorted({fold(w) for w in words}, key=len, reverse=True))


@lru_cache(maxsize=256)  # static vocabulary; a tuple, read only
def _byline_prefixes(language: str | None) -> tuple[str, ...]:
    table = vocabulary()["byline"]
    words = set(table["en"]) | set(table.get(language or "", ()))
    return tuple(sorted(words, key=len, reverse=True))


def _name_like(part: str) -> bool:
    words = part.split()
    if not 1 <= len(words) <= 5:
        return False
    if all(_CJK.match(w) for w in words):
        return len(part.replace(" ", "")) <= 12
    if not words[0][:1].isupper():
        return False  # "von der Geiselhaft", "le Monde": a particle opens no byline's name
    capital = [w for w in words if w[:1].isupper()]
    return bool(capital) and all(w[:1].isupper() or w.casefold() in _NAME_PARTICLES for w in words) \
        and not any(ch.isdigit() for ch in part)


_CJK = re.compile(r"^[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+$")


@lru_cache(maxsize=None)
def _name_separators() -> re.Pattern:
    """Commas, semicolons, slashes and the words for "and" between names (the static
    vocabulary: compiled once, not at every byline)."""
    conj = "|".join(re.escape(w) for w in sorted(vocabulary()["and"], key=len, reverse=True))
    return re.compile(r"\s*[,;/、，]\s*|\s+(?:" + conj + r")\s+")


@lru_cache(maxsize=None)
def _roles() -> frozenset[str]:
    """The folded job titles that end a byline's names (static vocabulary)."""
    return frozenset(fold(r) for r in vocabulary()["roles"])


_NAMES_JOINED = re.compile(r"[,;&]|\s(?:and|und|et|y|og|och)\s")


@lru_cache(maxsize=None)
def _section_cut() -> re.Pattern:
    """A word after a byline's names that opens the page's section or a place ("By Jane
    Doe In Politics", "By Jane Doe In" with the section's link lost): static vocabulary."""
    words = "|".join(re.escape(w) for w in sorted(vocabulary()["section"], key=len, reverse=True))
    return re.compile(r"\s+(?:" + words + r")(?:\s|$)", re.IGNORECASE)


def _names(text: str) -> list[str]:
    """The names at the start of a byline's remainder: split on commas, semicolons and the
    words for "and"; a job title, a place, a section or a date ends them."""
    text = _CUT.split(text, maxsplit=1)[0].strip(" ,;:")
    text = _section_cut().split(text, maxsplit=1)[0]
    parts = [p.strip(" .") for p in _name_separators().split(text) if p and p.strip(" .")]
    roles = _roles()
    names: list[str] = []
    for part in parts:
        if fold(part) in roles or fold(part.split()[0]) in roles:
            break
        if not _name_like(part):
            break
        if names and len(part.split()) == 1 and not part.isupper():
            break  # "..., Lille": a place after the names
        names.append(part)
    return names


# Speed: asked of the same header lines several times a page (title candidates, what
# stands between a title and the body, the lines under it, the author search) and of a
# site's masthead on every page. A pure function of its arguments; callers only read
# the names list it gives.
@lru_cache(maxsize=1 << 14)
def _byline(text: str, prefixes: tuple[str, ...]) -> tuple[list[str], str] | None:
    """(names, how) when the line is a byline opened by a byline word."""
    low = text.casefold()
    for prefix in prefixes:
        p = prefix.casefold()
        at = 0
        while True:
            at = low.find(p, at)
            if at < 0:
                break
            before_ok = at == 0 or not low[at - 1].isalnum()
            end = at + len(p)
            after_ok = p.endswith(("/", "：", ":", " ")) or end >= len(low) or not low[end].isalnum()
            if before_ok and after_ok:
                rest = text[end:].lstrip(" :：")
                names = _names(rest)
                if names and (at == 0 or text[end:end + 1] in " :：/" ):
                    return names, f"byline '{prefix}'"
            at = end
    return None


def _name_line(text: str) -> list[str]:
    """A line that is only a name (or names), maybe followed by a dateline city."""
    return _name_line_place(text)[0]


def _name_line_place(text: str) -> tuple[list[str], bool]:
    for place in _datelines() if text.endswith(_dateline_endings()) else ():
        if text.endswith(" " + place):
            names = _name_line_only(text[: -len(place) - 1].rstrip(" ,|-"))
            if names:
                return names, True
            break
    return _name_line_only(text), False


def _name_line_only(text: str) -> list[str]:
    """Names alone on a line: 2-4 capitalised words, or several joined by commas or "and"."""
    if len(text) > 60 or any(map(str.isdigit, text)):
        return []
    if _NAMES_JOINED.search(text):
        names = _names(text)
        return names if len(names) >= 2 else []
    words = text.split()
    if 2 <= len(words) <= 4 and all(_NAME_WORD.match(w) or w.casefold() in _NAME_PARTICLES for w in words):
        return [text]
    return []


def _not_skipped(shapes: dict, header: list[int], first: int, prefixes: tuple[str, ...]) -> list[int]:
    """The header lines below `first` (the first title candidate) that are not a date, a
    short line, a standfirst, a byline or a name: what may stand between a candidate and
    the body without the candidate being "right above the body". Only lines below a
    candidate are ever asked about, so the lines above the first are not tested."""
    return [m for m in header[bisect_right(header, first):]
            if not (shapes[m].dates or shapes[m].length_units() <= 3 or _is_standfirst(shapes[m].text)
                    or _byline(shapes[m].text, prefixes) or _name_line(shapes[m].text))]


def read_metadata(result: Classification, memo: LineMemo | None = None, language: str | None = None,
                  host: str | None = None, url: str | None = None) -> PageMetadata:
    """`memo`: the page's folded lines, shared with the settle pass and dedup_page.
    `language`: the page's language code, for byline words, date labels and month names.
    `host`: the page's URL host when known, which a site name read from the text must name.
    `url`: the page's URL when known: its slug's words and its day are evidence for the
    title shown and the published day (`_title_by_url`, `_published_by_url`); the line
    the title is read from for the body (`read_title`, the claims) does not depend on it."""
    meta = PageMetadata()
    shapes = result.shapes
    start = result.body_start
    numbers = sorted(shapes)
    header = numbers[:bisect_left(numbers, start)] if start is not None else []  # the lines above the body
    folds = (memo if memo is not None else LineMemo()).table("fold", compute=fold)
    prefixes = _byline_prefixes(language)

    # Title: a headline-shaped header line that is not a date, byline or lexicon chrome.
    # It scores for being repeated (the page's <title>-like line "Headline | Site", a
    # breadcrumb ending in it, or the same line again) and for standing right above the
    # body (only bylines, dates and short lines between).
    candidates = [
        n for n in header
        if result.decisions[n].rule == "position.header"
        and _title_like(shapes[n].text, shapes[n].length_units())
        and not shapes[n].dates and not _BY.search(shapes[n].text)
        and _capitalised_name(shapes[n].text) is None  # _byline_author, _BY's search made just above
        and _byline(shapes[n].text, prefixes) is None
    ]
    title_line, title_score = None, 0.0
    scored = []
    repeated: set[int] = set()  # the candidates repeated or ending a longer line
    # What the candidates are scored against: only made when there is one (about half
    # the readings, the settle pass's most of all, have none).
    copies: Counter = Counter()
    joined, raw, by_text, unskipped = "", {}, [], []
    # The body's words: a headline shares its content words with the article it heads,
    # a widget header or menu line mostly does not (a signal that holds on any site).
    # Case-folded a line at a time: casefold maps each character on its own and never
    # yields a space, and words hold none (as dedup_page._tokens).
    body_words = set()
    folded: dict[int, str] = {}  # each line's fold: read for the candidates only
    if candidates:
        folded = {n: folds[shape.text] for n, shape in shapes.items()}
        copies = Counter(folded.values())
        joined = "\n".join(folded.values()) + "\n"
        raw = {n: shapes[n].text for n in shapes}
        by_text = sorted(set(raw.values()))  # for _named_elsewhere
        unskipped = _not_skipped(shapes, header, candidates[0], prefixes)
        spans = [" ".join(ws) for ws in (words_of(shapes[m].text) for m, decision in result.decisions.items()
                                         if decision.keep and m in shapes) if ws]
        if spans:
            body_words = set(" ".join(spans).casefold().split(" "))
    for n in candidates:
        f = folded[n]
        score = 0.0
        how = []
        content = [w.casefold() for w in words_of(shapes[n].text) if len(w) >= 4 or not w.isascii()]
        if content and body_words:
            share = sum(1 for w in content if w in body_words) / len(content)
            if share >= 0.5:
                score += 2
                how.append("its words in the body")
            elif share >= 0.3:
                score += 1
            elif share < 0.2:
                score -= 2
        copied, ends_longer = copies[f] > 1, f" {f}\n" in joined
        if copied:
            score += 1
            how.append("repeated")
        if ends_longer:
            score += 1
            how.append("ends a longer line")
        if copied or ends_longer:
            repeated.add(n)  # a repeat confirms it (read below; the two tests not made again)
        text = raw[n]
        if _named_elsewhere(text, by_text):
            score += 3
            how.append("with the site's name on another line")
        # Other headline-shaped lines between it and the body (a standfirst does not count).
        # (how many there are matters up to three: the first three found)
        between = list(islice((m for m in candidates if m > n and folded[m] != f and not _is_standfirst(shapes[m].text)),
                              3))
        if not between:
            score += 1
            how.append("last headline before the body")
        elif len(between) <= 2:
            score += 1
            how.append("near the body")
        # Only dates, bylines, short lines and a standfirst between it and the body.
        if not any(folded[m] != f for m in unskipped[bisect_right(unskipped, n):]):
            score += 1
            how.append("right above the body")
        if shapes[n].length_units() >= 5:
            score += 1
        # A headline is followed by its byline or date (a widget header or subheading is not).
        at = bisect_right(numbers, n)  # the line numbers are sorted and distinct
        following = numbers[at:at + 4]
        if any(shapes[m].dates or find_moments(shapes[m].text, language) or _byline(shapes[m].text, prefixes)
               for m in following if shapes[m].words <= _MAX_DATE_LINE_WORDS):
            score += 2
            how.append("a byline or date under it")
        scored.append((score, n, how, content, share if content and body_words else None))
    # The best score; among equals the one a repeat confirms, then the first.
    # (`repeated`, filled in the loop: the candidates a copy of their line confirms)
    if scored:
        best = max(s for s, _, _, _, _ in scored)
        top = [(n, how, content) for s, n, how, content, _ in scored if s == best]
        pick = next((t for t in top if t[0] in repeated), top[0])
        title_line, title_score = pick[0], best
        title_how = ", ".join(pick[1]) or "headline-shaped header line"
        signals = _pick_signals(result, scored, top, pick, best, language, folded)
        if COLLECT_CANDIDATES:
            # training/title_rank.py: every candidate's features, and the signals it would
            # have as the pick (a learned ranker was tried: docs/metadata.md, 2026-12-05)
            meta.title_candidates = {"scored": scored, "best": best, "pick": pick[0], "repeated": repeated,
                                     "folded": folded, "raw": raw, "unskipped": unskipped}
            meta.title_signals = {m: _pick_signals(result, scored, top, (m, how, content), s, language, folded)
                                  for s, m, how, content, _ in scored}
    if title_line is not None and title_score / 8 < READ_SCORE:
        # Too weak a reading to anchor the byline and dates or to be shown, as before.
        meta.evidence["title"] = {"line": title_line, "confidence": 0.0, "how": title_how,
                                  "signals": sorted(signals + ["weak reading"]), "withheld": shapes[title_line].text}
        title_line = None
    elif title_line is not None:
        shown = title_line
        shown_text = shapes[title_line].text
        slug = slug_words(url) if url else ()
        if slug:
            shown, shown_text, title_how, signals = _title_by_url(result, scored, top, pick, best, language, folded,
                                                                  slug, signals, title_how)
        # A title in a script without capital letters (Arabic, Devanagari, Thai, CJK): the
        # English model's case-borne signals (a standfirst told by its lowercase words, a
        # byline by "By" and capitalised names) never fire there, and its weights refused
        # nearly every such title; models of their own, fitted on the ciphered dev pages,
        # read it: one where the URL has a slug, one without (docs/metadata.md,
        # twenty-sixth round).
        model = "title"
        if _uncased(shown_text):
            signals = signals + ["a script without case"] + _uncased_signals(result, shown, shown_text)
            model = "title_uncased" if slug else "title_uncased_no_url"
        confidence = confidence_of(model, signals)
        meta.evidence["title"] = {"line": shown, "confidence": round(confidence, 2), "how": title_how,
                                  "signals": sorted(signals)}
        # The headline line is the title's, shown or not (it is not body either way), and a
        # repeat of it in the body is removed as before (the hand score's line, whatever
        # the URL says: which lines the body keeps does not depend on the URL).
        meta.claims[title_line] = ("meta.title", "the article's title (kept in metadata)")
        meta.read_title = shapes[title_line].text
        if confidence < threshold(model, by_url=bool(slug)):
            meta.evidence["title"]["withheld"] = shown_text
        else:
            meta.title = shown_text
        following = next((n for n in candidates if n > title_line and folded[n] != folded[title_line]), None)
        if following is not None and _is_standfirst(shapes[following].text):
            if meta.title is not None and shown == title_line:
                meta.description = shapes[following].text
            meta.claims[following] = ("meta.description", "standfirst below the title (kept in metadata)")

    _read_author(meta, result, language, title_line, prefixes)

    _read_dates(meta, result, language, title_line)
    day = url_day(url) if url else None
    if day is not None:
        _published_by_url(meta, day, title_line)

    masthead = _masthead_line(result, header, title_line)
    meta.site_name, site_line, site_evidence = _site_name(result, masthead, host)
    if site_evidence is not None:
        meta.evidence["site_name"] = site_evidence
    # The masthead line is claimed whether or not its text is the name shown: which lines
    # the body keeps does not depend on the URL (HTML keeps its header zone but for the
    # lines the metadata claims).
    if masthead is not None:
        meta.claims.setdefault(masthead, ("meta.site_name", "the site's name in its masthead (kept in metadata)")
                               if masthead == site_line else
                               ("meta.masthead", "the masthead line above the title (not the site's name shown)"))
    return meta


def _read_author(meta: PageMetadata, result: Classification, language: str | None, title_line: int | None,
                 prefixes: tuple[str, ...]) -> None:
    """Authors: of the byline lines ("By", "Von", "Por", "文/"...) and name-only lines
    around the headline, the one nearest under it (a byline word first); see
    `_author_candidates`. The pick's signals give its confidence."""
    candidates = _author_candidates(result, language, title_line, prefixes, set(meta.claims))
    if not candidates:
        return
    _, n, names, how, signals = candidates[0]
    signals = signals + (["several names"] if len(names) > 1 else []) + (["title read"] if title_line is not None else [])
    signals += ["other author lines"] if len({tuple(c[2]) for c in candidates}) > 1 else []
    confidence = confidence_of("author", signals)
    meta.evidence["author"] = {"line": n, "confidence": round(confidence, 2), "how": how, "signals": sorted(signals)}
    if confidence < threshold("author"):
        meta.evidence["author"]["withheld"] = "; ".join(names)
        return
    meta.authors = list(names)  # a copy: _byline's names are cached and shared
    meta.author = "; ".join(names)
    if not result.decisions[n].keep and n not in meta.claims:
        meta.claims[n] = ("meta.byline", "byline (author kept in metadata)")


_AUTHOR_ABOVE = 10  # lines above the headline (or the body's start) a byline may stand
_AUTHOR_BELOW = 8  # lines after the body's start


def _author_candidates(result: Classification, language: str | None, title_line: int | None,
                       prefixes: tuple[str, ...], claimed: set[int]) -> list[tuple]:
    """(rank, line, names, how, signals) of every author line near the headline, best
    first. A byline word opens one anywhere in the window; a line that is only a name
    (maybe followed by a date, a job title or a dateline city: "Tom Talbot October 14,
    2025", "Thabo Mokone Parliamentary editor") only under the headline, since above it
    menus are capitalised words too. The nearest under the headline ranks first: a
    byline far above it is a teaser's or a sidebar's more often than the article's."""
    shapes, start = result.shapes, result.body_start
    anchor = title_line if title_line is not None else start
    if anchor is None:
        return []
    low, high = anchor - _AUTHOR_ABOVE, (start or 0) + _AUTHOR_BELOW
    found = []
    # the window's lines in ascending order, as the sorted lines filtered by the window give them
    window = range(low, high + 1) if high - low < len(shapes) else sorted(shapes)
    dates_at: dict[int, bool] = {}  # line -> a short line with a date: asked of each line up to five times

    def has_date(m: int) -> bool:
        known = dates_at.get(m)
        if known is None:
            known = dates_at[m] = m in shapes and shapes[m].words <= 25 \
                and bool(shapes[m].dates or find_moments(shapes[m].text, language))
        return known

    for n in window:
        if n not in shapes or not low <= n <= high or n in claimed or shapes[n].words > 25:
            continue
        text = shapes[n].text
        dated = has_date(n - 2) or has_date(n - 1) or has_date(n) or has_date(n + 1) or has_date(n + 2)
        near = -3 <= n - anchor <= 10
        under = title_line is not None and 0 < n - title_line <= 4
        byline = _author_byline(text, prefixes, language)
        if byline is None and _only_a_byline_word(text, prefixes) and n + 1 in shapes:
            # "Written By" alone, the name on the next line.
            names, _, _ = _author_name_line(shapes[n + 1].text, language)
            byline = (names, f"byline word '{text.strip()}', the name on the next line") if names else None
        if byline:
            names, how = byline
            signals = ["byline word"]
        else:
            if title_line is None or n <= title_line or shapes[n].words > 12 or shapes[n].lexicon is not None:
                continue  # above the headline menus are capitalised words too; chrome is no name
            names, placed, trailed = _author_name_line(text)
            if not names:
                continue
            how = "name-only line under the title" + (", with a dateline" if placed else "") \
                + (", then a date or job title" if trailed else "")
            signals = ["byline word", "with a dateline"] if placed else ["name-only line"]
            signals += ["then a date or job title"] if trailed else []
        how += ", beside a date" if dated else ""
        signals += (["beside a date"] if dated else []) + (["near the title or body start"] if near else []) \
            + (["right under the title"] if under else []) \
            + (["one-word names"] if all(len(x.split()) == 1 for x in names) else []) \
            + (["above the title"] if title_line is not None and n < title_line else [])
        # Under the headline before above it, nearer before farther, a byline word first.
        below = title_line is None or n > title_line
        rank = (not below, abs(n - anchor), "byline word" not in signals)
        found.append((rank, n, names, how, signals))
    return sorted(found, key=lambda c: (c[0], c[1]))


_GLUED_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)")
_SPACED = re.compile(r"([|•·⋅–—])")  # "⋅": the dot operator, a separator on some sites
_NAME_END = re.compile(r"\s*(?:[|•·⋅–—]|\s-\s|\(|,)")


def _is_name_word(word: str) -> bool:
    """A capitalised name word: "Maio", "McCravy", "O'Neil", "J.", "Cañete"."""
    core = word.rstrip(".,")
    return bool(core) and core[0].isupper() and (len(core) == 1 or any(c.islower() for c in core)) \
        and all(c.isalpha() or c in "'’.-" for c in core) and core.casefold() not in _not_name_words()


def _name_heads(text: str) -> list[tuple[str, str]]:
    """(name, what follows) for each leading run of 2-5 name words, shortest first."""
    words = _SPACED.sub(r" \1 ", _GLUED_DIGIT.sub(" ", text)).split()
    k = 0
    while k < len(words) and k < 5 and (_is_name_word(words[k]) or (k and words[k].casefold() in _NAME_PARTICLES)):
        k += 1
    return [(" ".join(words[:m]), " ".join(words[m:])) for m in range(2, k + 1)
            if words[m - 1].casefold() not in _NAME_PARTICLES]


def _trails_a_name(rest: str, language: str | None = None) -> bool:
    """What may follow a name on a byline: nothing, a separator, a date or time, "on"
    and a date, a publication label, or a job title."""
    if not rest or _NAME_END.match(rest) or rest[:1].isdigit():
        return True
    first = rest.split()[0].casefold().strip(",:")
    roles = _roles()
    if len(rest.split()) <= 3 and any(fold(w) in roles for w in rest.split()):
        return True
    if first in {"on", "am", "le", "el", "il", "den", "op"} or _has_label(first, _labels("published", language)):
        return True
    moments = find_moments(rest, language)
    return bool(moments) and moments[0].start <= 4


def _only_a_byline_word(text: str, prefixes: tuple[str, ...]) -> bool:
    low = text.strip().casefold().rstrip(" :：")
    return bool(low) and low in _bare_prefixes(prefixes)


@lru_cache(maxsize=256)
def _bare_prefixes(prefixes: tuple[str, ...]) -> frozenset[str]:
    """The byline words as `_only_a_byline_word` compares a line with them: equal to any
    of them is being in the set of them."""
    return frozenset(p.casefold().rstrip(" :：/") for p in prefixes)


@lru_cache(maxsize=None)
def _not_name_words() -> frozenset[str]:
    """Weekday names and the date labels ("Updated", "Published"): a line of capitalised
    words that holds one ("Updated November", "Tuesday February") is a date's, not a
    name. Not months ("April", "June" are first names) nor short words ("Jan", "Do")."""
    words = set(vocabulary()["weekdays"])
    for kind in ("published", "updated"):
        for labels in vocabulary()[kind].values():
            words.update(w for label in labels for w in label.split())
    return frozenset(w.casefold() for w in words if len(w) >= 4)


def _names_lenient(text: str) -> list[str]:
    """`_names`, but when it finds none, the leading name words of a text that goes on
    with a date, a separator or a job title ("Alyssa Maio on January 21, 2023")."""
    names = _names(text)
    if names:
        return names
    return next(([name] for name, rest in _name_heads(text.strip(" ,;:")) if _trails_a_name(rest)), [])


def _author_byline(text: str, prefixes: tuple[str, ...], language: str | None = None) -> tuple[list[str], str] | None:
    """`_author_byline_of`, cached: the author search asks it of every line near the
    headline, on the first reading and again on the settle pass's. The names come back
    as a new list, so no caller can change the cached one."""
    found = _author_byline_of(text, prefixes, language)
    return (list(found[0]), found[1]) if found is not None else None


@lru_cache(maxsize=1 << 14)  # a pure function of its arguments (the vocabulary is static)
def _author_byline_of(text: str, prefixes: tuple[str, ...], language: str | None = None) -> tuple[list[str], str] | None:
    """`_byline` (which the title's scoring also uses, unchanged), then the same byline
    word followed by a name and a date, a place or a job title in one run; then the
    same on the line with its glued words parted (`_unglue`: "ByTrevor Jones",
    "ByKathryn GiuffridaMar 5, 2025"), then a byline word and a lowercase user name
    before a date ("By thegrangehall February 16, 2026")."""
    unglued = _unglue(text, language)
    trimmed = _before_date(unglued, language)
    for variant, note in ((trimmed, ", glued words parted" if unglued != text else ""), (text, "")):
        found = _byline(variant, prefixes) or _byline_lenient(variant, prefixes)
        if found:
            return found[0], found[1] + note
    return _byline_handle(unglued, prefixes, language)


def _before_date(text: str, language: str | None) -> str:
    """The line up to its first date after the start, without the date's label ("By
    Rhonda Krause Updated January 25, 2026" -> "By Rhonda Krause"): a month name would
    otherwise read as a last name ("Kathryn Giuffrida Mar 5, 2025")."""
    moments = find_moments(text, language)
    if not moments or moments[0].start <= 3:
        return text
    head = text[:moments[0].start].split()
    labels = {w.casefold() for kind in ("published", "updated") for w in _label_words(kind, language)} | {"on"}
    while head and head[-1].casefold().strip(",:|") in labels:
        head.pop()
    return " ".join(head)


def _label_words(kind: str, language: str | None) -> set[str]:
    table = vocabulary()[kind]
    return {w for lang in ("en", language or "") for label in table.get(lang, ()) for w in label.split()}


@lru_cache(maxsize=256)
def _folded_prefixes(prefixes: tuple[str, ...]) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], tuple[str, ...]]:
    """((prefix, its casefold) in order, the casefolds, each casefold and a space): what
    `_byline_lenient` and `_byline_handle` compared a line with, prefix by prefix, made
    once for the static vocabulary; a line starting with none of them is answered at once."""
    pairs = tuple((prefix, prefix.casefold()) for prefix in prefixes)
    return pairs, tuple(p for _, p in pairs), tuple(p + " " for _, p in pairs)


def _byline_lenient(text: str, prefixes: tuple[str, ...]) -> tuple[list[str], str] | None:
    low = text.casefold()
    pairs, starts, _ = _folded_prefixes(prefixes)
    if not low.startswith(starts):  # the loop below reads only a prefix the line starts with
        return None
    for prefix, p in pairs:
        if low.startswith(p) and (len(low) == len(p) or not low[len(p)].isalnum() or p.endswith((":", "/", " "))):
            names = _names_lenient(text[len(p):].lstrip(" :："))
            if names:
                return names, f"byline '{prefix}'"
    return None


_HANDLE = re.compile(r"[a-z][a-z0-9_.]{2,29}")


def _byline_handle(text: str, prefixes: tuple[str, ...], language: str | None) -> tuple[list[str], str] | None:
    """A byline word, then one lowercase word (a user name: blogs sign so) and a date
    right after it; without the date "by hand", "by far" would read as names."""
    low = text.casefold()
    pairs, _, spaced = _folded_prefixes(prefixes)
    if not low.startswith(spaced):  # the loop below reads only a prefix and a space the line starts with
        return None
    for prefix, p in pairs:
        if not low.startswith(p + " ") or not p[-1:].isalpha():
            continue
        rest = text[len(p):].lstrip()
        word = rest.split(maxsplit=1)[0] if rest else ""
        after = rest[len(word):].lstrip(" |•·–—-,")
        moments = find_moments(after, language) if _HANDLE.fullmatch(word) else []
        if moments and moments[0].start == 0:
            return [word], f"byline '{prefix}', a user name before a date"
    return None


@lru_cache(maxsize=None)
def _glue_pattern(language: str | None) -> re.Pattern:
    """Where a line's words are glued: a byline word "By" straight before a capitalised
    name, a lowercase letter straight before a month or a date label ("GiuffridaMar 5",
    "UpdatedJanuary", "onFebruary"), a digit straight before a capitalised word
    ("December 8December 8")."""
    table = vocabulary()
    words = set(table["months"].get("en", {})) | set(table["months"].get(language or "", {}))
    for kind in ("published", "updated"):
        for lang in ("en", language or ""):
            words.update(w for label in table[kind].get(lang, ()) for w in label.split() if w.isalpha())
    alternatives = "|".join(re.escape(w.capitalize()) for w in sorted(words, key=len, reverse=True) if len(w) >= 3)
    return re.compile(r"(?<=^By)(?=[A-Z][a-z])|(?<=^by)(?=[A-Z][a-z])|(?<=[a-z])(?=(?:" + alternatives + r")\b)|(?<=\d)(?=[A-Z][a-z])")


@lru_cache(maxsize=None)
def _glue_hint(language: str | None) -> re.Pattern:
    """What every match of `_glue_pattern(language)` needs around it, as one character
    class search: "By"/"by" then a capital, a digit then a capital, or a lowercase a-z
    then the first character of one of the month and label alternatives. A line without
    it has no glued words, and the slow pattern (its long alternation tried after every
    lowercase letter) is not run on it."""
    table = vocabulary()
    words = set(table["months"].get("en", {})) | set(table["months"].get(language or "", {}))
    for kind in ("published", "updated"):
        for lang in ("en", language or ""):
            words.update(w for label in table[kind].get(lang, ()) for w in label.split() if w.isalpha())
    firsts = sorted({w.capitalize()[0] for w in words if len(w) >= 3})
    if not firsts:  # no alternative: the pattern's empty alternation matches after any a-z
        return re.compile("")
    return re.compile(r"^[Bb]y[A-Z]|\d[A-Z]|[a-z][" + "".join(re.escape(c) for c in firsts) + "]")


def _unglue(text: str, language: str | None) -> str:
    """The line with a space where the page glued words together (a byline's parts set
    in separate elements, their text joined without one). Only the English "By" is
    parted from a name: "Di", "De" glued to a capital are Italian and Dutch surnames.
    Most lines have no place where a glue could be (`_glue_hint`): returned as they are."""
    if _glue_hint(language).search(text) is None:
        return text
    return _glue_pattern(language).sub(" ", text)


# A capital and lowercase letters of any script ("Hällsten", "Průša"), or a Mc/Mac/O'
# name ("McCarthy", "O'Brien"): not "NewsNews", "PolitikRussische" (menu items glued).
_PLAIN_NAME_WORD = re.compile(r"^(?:Mc|Mac|O'|O’)?[^\W\d_][^\W\d_A-ZÀ-Þ]+$|^[A-Z]\.$")


def _author_name_line(text: str, language: str | None = None) -> tuple[list[str], bool, bool]:
    """`_author_name_line_of`, cached (as `_author_byline`), the names a new list."""
    names, placed, trailed = _author_name_line_of(text, language)
    return list(names), placed, trailed


@lru_cache(maxsize=1 << 14)
def _author_name_line_of(text: str, language: str | None = None) -> tuple[list[str], bool, bool]:
    """(names, a dateline city follows, a date or job title follows) of a line that is
    only a name, or a name and then a date, a time or a job title."""
    names, placed = _name_line_place(text)
    if names and not any(w.casefold() in _not_name_words() for name in names for w in name.split()):
        return names, placed, False
    heads = _name_heads(text)
    if heads and not heads[-1][1] and len(heads[-1][0].split()) <= 4 \
            and all(_PLAIN_NAME_WORD.match(w) for w in text.split()):
        # 2-4 name words and nothing else, in any script ("Luna González", "Aleš
        # Vávra", "Craig McCarthy"; `_name_line` takes ASCII letters only and the
        # title's scoring uses it, so it stays as it is).
        return [heads[-1][0]], False, False
    for name, rest in heads:
        if rest and _trails_a_name(rest, language):
            return [name], False, True
    return [], False, False


def _read_dates(meta: PageMetadata, result: Classification, language: str | None, title_line: int | None) -> None:
    """Published (a stamp naming itself, else the date under the title or in the byline),
    updated, and the page's own header date (above the title: last resort, low confidence)."""
    shapes, start = result.shapes, result.body_start
    published_labels, updated_labels = _labels("published", language), _labels("updated", language)
    stamps, updates, after_title, before_title = [], [], [], []
    near_end = (start or 0) + 8
    # A stamp or dateline is a short line; a date inside a paragraph is the story's.
    short = [(n, shapes[n].text) for n in sorted(shapes) if shapes[n].words <= _MAX_DATE_LINE_WORDS]
    for n, text in _with_a_year(short):
        moments = find_moments(text, language)
        previous_end = 0
        for moment in moments:
            lead = text[previous_end:moment.start]
            previous_end = moment.end
            if _has_label(lead, updated_labels):
                updates.append((n, moment))
            elif _has_label(lead, published_labels):
                stamps.append((n, moment))
            elif start is not None and n < start and (title_line is None or n < title_line):
                before_title.append((n, moment))
            elif start is not None and n <= near_end:
                after_title.append((n, moment))
    if before_title and (title_line is None or before_title[0][0] < title_line):
        n, moment = before_title[0]
        meta.page_date = moment.iso()
        meta.claims.setdefault(n, ("meta.page_date", "the page's own date in its header (not the publication date)"))
    if updates:
        meta.updated = updates[0][1].iso()
    for source, found, rule, kind in (
            ("publication stamp", stamps, "meta.published", "publication stamp"),
            ("date under the title", after_title, "meta.published", "date under the title"),
            ("page header date (no publication stamp found)", before_title, None, "page header date"),
            ("updated date (no publication date found)", updates, None, "updated date")):
        if not found:
            continue
        n, moment = found[0]
        signals = [kind] + (["with a time"] if moment.time else []) + (["with a zone"] if moment.offset else []) \
            + (["title read"] if title_line is not None else []) \
            + (["several dates of this kind"] if len({m.iso() for _, m in found}) > 1 else []) \
            + (["an updated date too"] if updates and kind != "updated date" else []) \
            + _date_position(meta, n, title_line)
        # An updated date is never written as the publication date.
        confidence = 0.0 if kind == "updated date" else confidence_of("published", signals)
        meta.evidence["published"] = {"line": n, "confidence": round(confidence, 2), "how": source, "signals": sorted(signals)}
        if kind == "updated date" or confidence < threshold("published"):
            meta.evidence["published"]["withheld"] = moment.iso()
            break
        meta.published = moment.iso()
        meta.published_time_local = moment.time if moment.time and not moment.offset else None
        meta.published_from = f"{source}, line {n}"
        if rule and not result.decisions[n].keep and (n not in meta.claims or meta.claims[n][0] == "meta.byline"):
            reason = "publication date (kept in metadata)"
            meta.claims[n] = (rule, reason) if n not in meta.claims else (meta.claims[n][0], "byline with the publication date (kept in metadata)")
        break


# A year, then the rest of its line: one match a line that holds a year (`.` stops at "\n").
_YEAR_LINE = re.compile(_YEAR.pattern + ".*")


def _with_a_year(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The (number, text) pairs whose text holds a 19xx/20xx year (`_YEAR`), in order:
    find_moments gives [] for every other line, without a date to read. One search over
    the lines joined by "\n" instead of a call a line: a year is digits alone, so a match
    never spans two lines, and `_YEAR_LINE` takes the rest of its line, so each line that
    holds a year gives one match."""
    if not lines:
        return []
    joined = "\n".join(text for _, text in lines)
    if joined.count("\n") != len(lines) - 1:  # a text holding a line break (none does: lines are split on it)
        return [(n, text) for n, text in lines if _YEAR.search(text)]
    found, index, at = [], 0, 0
    for match in _YEAR_LINE.finditer(joined):
        index += joined.count("\n", at, match.start())
        at = match.start()
        found.append(lines[index])
    return found


def _date_position(meta: PageMetadata, n: int, title_line: int | None) -> list[str]:
    """Where the date stands from the headline and the byline: the article's own date is
    on or beside its byline, or a few lines under its headline; a date far from both is a
    teaser's, a comment's or a sidebar's."""
    signals = []
    author_line = (meta.evidence.get("author") or {}).get("line")
    if author_line is not None and abs(n - author_line) <= 1:
        signals.append("on or beside the byline")
    if title_line is not None:
        if 0 < n - title_line <= 5:
            signals.append("within five lines under the title")
        elif abs(n - title_line) > 20:
            signals.append("over 20 lines from the title")
    return signals


def _title_signals(result: Classification, n: int, content: list[str], ties: int, language: str | None,
                   folded: dict[int, str]) -> list[str]:
    """What else tells a headline from a widget header or a teaser, beside its score:
    its words in the article's first paragraphs (a headline sums up the lead), the body
    or a standfirst right under it, no date in it, and no other line scoring as high.
    `folded`: each line's fold (`fold` of its text), by line number."""
    shapes, start = result.shapes, result.body_start
    order = sorted(shapes)
    signals = []
    lead: set[str] = set()
    for m in order:
        if m >= (start or 0) and result.decisions[m].keep:
            lead.update(w.casefold() for w in words_of(shapes[m].text))
            if len(lead) >= 60:
                break
    if content and sum(1 for w in content if w in lead) * 2 >= len(content):
        signals.append("its words in the lead")
    below = next((m for m in order if m > n), None)
    if below is not None and below == start:
        signals.append("directly above the body")
    elif below is not None and _is_standfirst(shapes[below].text):
        signals.append("a standfirst under it")
    signals += _title_agreement(result, n, content, folded)
    if find_moments(shapes[n].text, language):
        signals.append("a date in it")
    signals += _title_shape(shapes[n].text)
    if language and language != "en":
        # Outside English the page's <title> words the headline otherwise more often (a
        # kicker joined or dropped: "Rückbau von Atomkraftwerk: Kühltürme ..."), and the
        # title is scored against it.
        signals.append("page not in English")
    if shapes[n].length_units() >= 5:
        signals.append("five units or more")
    if ties > 1:
        signals.append("tied with another line")
    if shapes[n].text.rstrip().endswith("?"):
        signals.append("a question")
    return signals


_IN_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " · ", " • ", " :: ")


def _pick_signals(result: Classification, scored: list, top: list, pick: tuple, score: float, language: str | None,
                  folded: dict[int, str]) -> list[str]:
    """The title confidence's signals of `pick` (line, how, content words) read as the
    title: its hand score's parts, `_title_signals`, its lead on every other line."""
    shapes = result.shapes
    # A standfirst shaped like a headline (no full stop) ties without competing.
    rivals = [pick] + [t for t in top if t[0] != pick[0] and not _is_standfirst(shapes[t[0]].text)]
    runner_up = max((s for s, n, _, _, _ in scored if n != pick[0] and folded[n] != folded[pick[0]]), default=None)
    signals = list(pick[1]) + _title_signals(result, pick[0], pick[2], len(rivals), language, folded)
    signals += ["ahead of every other line by 3"] if runner_up is None or score - runner_up >= 3 else []
    signals += [f"score {min(int(score), 10)}+"] if score >= 6 else []
    return signals


# A title candidate holds the slug's words when this share of them is in it; under
# _URL_FEW the hand score's pick is taken as worded otherwise than the URL.
_URL_WORDS, _URL_SOME, _URL_FEW = 0.8, 0.5, 0.3


def _title_by_url(result: Classification, scored: list, top: list, pick: tuple, score: float,
                  language: str | None, folded: dict[int, str], slug: tuple[str, ...], signals: list[str],
                  how: str) -> tuple[int, str, str, list[str]]:
    """(line, text, how, signals) of the title shown, given the URL's slug words: the
    hand score's pick with how far the slug words it, or, when the pick holds under half
    of them and another candidate holds most of them, that candidate (with its own
    signals as a pick). A line holding most of them loses the parts at its ends that hold
    none (a site's name, a section, a kicker: `urlwords.trim_to_slug`). On the fundus and
    wcxb dumps a pick holding most of the slug's words is right on 0.86 of pages, one
    holding under a third on 0.20. The URL's signals are in the evidence but weigh
    nothing in the confidence: weights fitted on site folds showed more right titles
    only with more wrong ones (docs/metadata.md, twenty-fifth round)."""
    shapes = result.shapes
    share = _slug_share(slug, shapes[pick[0]].text)[0]
    if share >= _URL_WORDS:
        return _trimmed(shapes[pick[0]].text, slug, pick[0], how + ", its words in the URL",
                        signals + ["its words in the URL"])
    if share < _URL_SOME:
        best = None
        for k, (s, n, h, content, _) in enumerate(scored):
            text = shapes[n].text
            if folded[n] == folded[pick[0]] or "://" in text or "www." in text:  # a line that is the URL itself
                continue
            got = _slug_share(slug, text)
            key = (got[0], got[1], s, -k)
            if got[0] >= _URL_WORDS and (best is None or key > best[0]):
                best = (key, s, n, h, content)
        if best is not None:
            _, s, n, h, content = best
            found = _pick_signals(result, scored, top, (n, h, content), s, language, folded)
            return _trimmed(shapes[n].text, slug, n, (", ".join(h) or "headline-shaped header line")
                            + f", its words in the URL (the hand score's line {pick[0]} has few of them)",
                            found + ["its words in the URL", "chosen by the URL over the hand score's line"])
    return pick[0], shapes[pick[0]].text, how, \
        signals + (["its words not in the URL"] if share < _URL_FEW else ["some of its words in the URL"])


def _slug_share(slug: tuple[str, ...], text: str) -> tuple[float, float]:
    """`urlwords.slug_share` of a line; of a line in a script without case whose
    space-separated parts average 10 characters or more (Thai's words run together
    within a sentence), the slug's words looked for inside it."""
    words = words_of(text)
    if len(text) >= 10 * max(1, len(text.split())) and _uncased(text):
        return slug_share_unspaced(slug, text)
    return slug_share(slug, words)


def _trimmed(text: str, slug: tuple[str, ...], n: int, how: str, signals: list[str]) -> tuple[int, str, str, list[str]]:
    """`_title_by_url`'s reading of line `n`, the parts at its ends without the slug's
    words left out (`urlwords.trim_to_slug`)."""
    kept, cut = trim_to_slug(text, slug)
    if not cut:
        return n, text, how, signals
    return n, kept, how + ", " + " and ".join(f"'{c}'" for c in cut) + " left out: none of its words in the URL", \
        signals + ["a part without the URL's words left out"]


def _published_by_url(meta: PageMetadata, day: date, title_line: int | None) -> None:
    """The URL's day (`urlwords.url_day`) and the day read from the text: the same day
    confirms it; a day apart is a time zone's difference and the text's (with its time)
    stands; else, or when the text gives no publication day, the URL's day is the
    published day. On the fundus and wcxb dumps a URL's day is the gold day on 60 of 61
    pages with both (the other a time zone off), and where the text's day differs by
    more than a day the URL's is right on 3 of 3 (docs/metadata.md, twenty-fifth round)."""
    evidence = meta.evidence.get("published")
    text_day = date.fromisoformat(meta.published[:10]) if meta.published else None
    if text_day is not None and evidence is not None and abs((text_day - day).days) <= 1:
        same = text_day == day
        evidence["signals"] = sorted(evidence["signals"] + ["the day in the URL too" if same else "a day from the URL's"])
        evidence["how"] += ", the same day in the URL" if same else f", a day from the URL's {day.isoformat()}"
        evidence["confidence"] = round(confidence_of("published", evidence["signals"]), 2)
        return
    signals = ["the day in the URL"] + (["title read"] if title_line is not None else []) \
        + (["another day in the text"] if text_day is not None else [])
    confidence = confidence_of("published", signals)
    how = "the day in the URL"
    if text_day is not None and evidence is not None:
        how += f"; the text's {evidence['how']} on line {evidence['line']} reads {meta.published}"
    elif evidence is not None and evidence.get("withheld"):
        how += f"; the text's {evidence['how']} on line {evidence['line']} reads {evidence['withheld']}"
    meta.evidence["published"] = {"line": None, "confidence": round(confidence, 2), "how": how,
                                  "signals": sorted(signals)}
    if confidence < threshold("published"):
        meta.evidence["published"]["withheld"] = day.isoformat()
        meta.published = meta.published_time_local = meta.published_from = None
        return
    meta.published, meta.published_time_local, meta.published_from = day.isoformat(), None, "the day in the URL"


# training/title_rank.py sets it: each page's title scoring is kept (PageMetadata.title_candidates,
# title_signals); off in a run, which then keeps none.
COLLECT_CANDIDATES = False


def _title_shape(text: str) -> list[str]:
    """The headline's own shape: a short line is a widget header or a section name as
    often as a headline; a separator inside it marks a "Headline | Site" line, a
    breadcrumb or a teaser, whose words the page's <title> does not repeat as they stand;
    a colon marks a kicker or a subtitle ("Donald Trump: Warum ..."). The learned
    weights say which way each counts (docs/metadata.md, third round)."""
    signals = ["over 50 characters"] if len(text) > 50 else []
    signals += ["a separator in it"] if any(sep in text for sep in _IN_TITLE_SEPARATORS) else []
    signals += ["a colon in it"] if ": " in text else []
    return signals


def _title_agreement(result: Classification, n: int, content: list[str], folded: dict[int, str]) -> list[str]:
    """How far the body's opening agrees with the headline, and where the headline stands
    from it: a headline shares words with the first paragraph (and with the standfirst
    under it), stands a few lines above the body, and the page's "Headline | Site" line
    at the top starts with it; a widget header or a teaser title does none of these."""
    shapes, start = result.shapes, result.body_start
    signals = []
    first = next((m for m in sorted(shapes) if start is not None and m >= start and result.decisions[m].keep
                  and shapes[m].words >= 12), None)
    if first is not None and content:
        words = {w.casefold() for w in WORD.findall(shapes[first].text)}
        share = sum(1 for w in content if w in words) / len(content)
        signals += ["half its words in the first paragraph"] if share >= 0.5 else \
            ["a third of its words in the first paragraph"] if share >= 0.3 else \
            ["none of its words in the first paragraph"] if share == 0 else []
    below = next((m for m in sorted(shapes) if m > n), None)
    if below is not None and content and _is_standfirst(shapes[below].text):
        words = {w.casefold() for w in WORD.findall(shapes[below].text)}
        if any(w in words for w in content):
            signals.append("shares words with the standfirst")
    if start is not None:
        gap = sum(1 for m in shapes if n < m < start)
        signals += ["more than 8 lines above the body"] if gap > 8 else []
    # the folds read_metadata made for the candidates, not each line above folded again
    head = folded[n] + " "
    if any(folded[m].startswith(head) for m in shapes if m < n):
        signals.append("the page's title line above starts with it")
    return signals


def _named_elsewhere(text: str, by_text: list[str]) -> bool:
    """Another line of the page is `text`, a separator and at most 8 words (the site's
    name). `by_text`: the page's distinct lines, sorted: the lines starting with `text`
    are one stretch of it (found by bisection, where a scan read every line for each
    candidate, 6 % of a page's cleaning)."""
    for k in range(bisect_left(by_text, text), len(by_text)):
        other = by_text[k]
        if not other.startswith(text):
            return False
        if other != text and any(other.startswith(text + sep) and len(other[len(text) + len(sep):].split()) <= 8
                                 for sep in _SEPARATORS):
            return True
    return False


@lru_cache(maxsize=1 << 14)  # speed: asked for each pair of title candidates (a pure function)
def _is_standfirst(text: str) -> bool:
    words = WORD.findall(text)
    lower = sum(1 for w in words if w[:1].islower())
    return len(words) >= 8 and lower * 2 >= len(words)


def _site_name(result: Classification, masthead: int | None,
               host: str | None = None) -> tuple[str | None, int | None, dict | None]:
    """(name, masthead line, evidence). The candidates, in order: a short capitalised
    header line above the title that no rule named (the masthead), "X is a ..." after an
    "About us" marker, the holder of the copyright line. With the page's host known (a
    URL), the first candidate that names it is taken and the others are withheld: on the
    dev dumps a masthead line is the site's name on only about one page in six (menu
    words, "Skip Navigation", a section), and the host tells them apart. Without a host
    the first candidate that looks like a name is taken, as the seeds' gold expects."""
    candidates = _site_candidates(result, masthead)
    if not candidates:
        return None, None, None
    if host:
        for name, line, how in candidates:
            if names_host(name, host):
                return name, line, {"line": line, "how": f"{how}, naming the page's host {host}"}
        name, line, how = candidates[0]
        return None, None, {"line": line, "how": f"{how}; names no part of the page's host {host}",
                            "withheld": name}
    # No host: a candidate another one names (the masthead and the copyright's holder),
    # else the copyright's holder or the "About" name (about three in five name the host
    # on the dev dumps) before a lone masthead (about one in six).
    for name, line, how in candidates:
        if any(other != name and _names_each_other(name, other) for other, _, _ in candidates):
            return name, line, {"line": line, "how": f"{how}, named again by the page's other candidates"}
    name, line, how = (candidates[1:] or candidates)[0] if candidates[0][1] is not None else candidates[0]
    return name, line, {"line": line, "how": f"{how} (no URL to check it against)"}


def _names_each_other(one: str, other: str) -> bool:
    a, b = _letters(one), _letters(other)
    return len(a) >= 3 and len(b) >= 3 and (a in b or b in a)


# No letter at all; a phone number's digits; a menu's items glued into one word (four
# lower-case letters each followed by a capital: "StartSportPlusHejNöje", not "iPhoneInCanada").
_NOT_A_NAME = re.compile(r"^[\W\d_]*$|\d.*\d.*\d|(?:\S*[^\W\d_A-Z\u00C0-\u00DE][A-Z\u00C0-\u00DE]){4}")


def _masthead_line(result: Classification, header: list[int], title_line: int | None) -> int | None:
    """The masthead: the first short capitalised line above the title that no rule named."""
    shapes = result.shapes
    for n in header:
        if title_line is not None and n >= title_line:
            break
        words = shapes[n].text.split()
        if (result.decisions[n].rule == "position.header" and 1 <= len(words) <= 4
                and all(w[:1].isupper() or not w[:1].isalpha() for w in words) and not shapes[n].dates):
            return n
    return None


def _site_candidates(result: Classification, masthead: int | None) -> list[tuple[str, int | None, str]]:
    """(name, line, how) of the masthead line (`_masthead_line`), the "About" name and the
    copyright line's holder, in that order."""
    shapes = result.shapes
    found: list[tuple[str, int | None, str]] = []
    if masthead is not None and not _NOT_A_NAME.search(shapes[masthead].text):
        found.append((shapes[masthead].text, masthead, "the masthead: a short capitalised header line above the title"))
    # "X is a premier platform..." after an "About us" marker, or a copyright line.
    after_footer = [n for n in sorted(shapes) if result.footer_start is not None and n > result.footer_start]
    for n in after_footer:
        match = _ABOUT.match(shapes[n].text)
        if match and _previous_is_about(result, n):
            found.append((match.group("name"), None, "'X is a ...' under an 'About' heading"))
            break
    for n in sorted(shapes, reverse=True):
        if shapes[n].lexicon and shapes[n].lexicon.rule == "lexicon.copyright":
            match = _COPYRIGHT.search(shapes[n].text)
            if match:
                name = _RESERVED.split(match.group("name"))[0].strip(" .,")
                if name and fold(name) not in {"copyright", "all", "the"}:
                    found.append((name, None, "the copyright line's holder"))
                break
    return found


_RESERVED = re.compile(r"(?i)\s*\b(?:all rights reserved|all rights|alle rechte|tous droits)\b")
_HOST_NOISE = {"www", "m", "amp", "com", "org", "net", "co", "edu", "gov", "ac", "io", "info", "news", "blog",
               "blogspot", "wordpress", "substack"}


def _letters(text: str) -> str:
    """Lower-case letters and digits only, accents dropped and ä ö ü written ae oe ue, as
    hosts write them ("Süddeutsche" -> sueddeutsche)."""
    text = text.casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isalnum() and c.isascii())


def names_host(name: str, host: str) -> bool:
    """Whether a site name names the host: "CNET" cnet.com, "Hamburger Abendblatt"
    abendblatt.de, "The New York Times" nytimes.com (initials, then the last word),
    "Driving-Tests.org" driving-tests.org. Labels of two letters or fewer and the
    generic ones (www, com, blogspot...) name nothing."""
    labels = [_letters(part) for part in host.casefold().split(".")]
    labels = [label for label in labels if len(label) >= 3 and label not in _HOST_NOISE]
    words = [_letters(w) for w in name.split()]
    words = [w for w in words if w]
    joined = "".join(words)
    if len(joined) < 2:
        return False
    meaningful = [w for w in words if w not in {"the", "der", "die", "das", "le", "la", "el", "il"}] or words
    initials = "".join(w[0] for w in meaningful[:-1])
    for label in labels:
        if label in joined or (len(joined) >= 3 and joined in label):
            return True
        if initials and label == initials + meaningful[-1]:
            return True
        if len(meaningful) > 1 and label == "".join(w[0] for w in meaningful):
            return True
    return False


def _previous_is_about(result: Classification, n: int) -> bool:
    previous = [m for m in result.shapes if m < n]
    return bool(previous) and fold(result.shapes[max(previous)].text).startswith("about")


def merge_html_metadata(fields: dict, html_meta, headline: str | None = None,
                        headline_dates: list[tuple[str, str]] | None = None) -> dict:
    """trafilatura's metadata of the markup first (it reads <meta>, JSON-LD and the
    markup's own bylines), then what the text gave where trafilatura has nothing.
    `headline`: the page's first <h1> (pipeline/html_headline.py); it is the title where
    trafilatura's title is that headline with more after it (the site's name).
    `headline_dates`: the dates shown beside the <h1>, nearest first
    (html_headline.headline_dates); see `_published_beside_headline`."""
    from pipeline.html_headline import headline_leads_title

    fields = dict(fields)
    evidence = dict(fields.get("metadata_evidence") or {})
    for key in ("title", "author", "published", "site_name", "description"):
        value = getattr(html_meta, key)
        how = f"HTML metadata ({html_meta.extractor})"
        if key == "published":
            value, how = _published_beside_headline(value, how, headline_dates or [])
        if not value:
            continue
        if key == "title" and headline_leads_title(headline, value):
            value, how = headline, f"HTML metadata: the page's <h1>, which the {html_meta.extractor} title '{html_meta.title}' goes on from"
        if key in ("title", "author", "published"):
            evidence[key] = {"line": None, "confidence": 1.0, "how": how,
                             **({"text_reading": fields[key]} if fields.get(key) else {})}
        fields[key] = value
        if key == "author":
            fields["authors"] = [a.strip() for a in value.split(";") if a.strip()]
        if key == "published":
            fields["published"], fields["published_time_local"] = split_moment(value)
            fields["published_from"] = "HTML metadata" if how.startswith("HTML metadata (") else "HTML metadata: the date beside the page's <h1>"
    fields["metadata_evidence"] = dict(sorted(evidence.items()))
    fields["url"] = html_meta.url
    return fields


def _published_beside_headline(value: str | None, how: str, dates: list[tuple[str, str]]) -> tuple[str | None, str]:
    """trafilatura's date (htmldate: the page's meta tags and markup, the earliest it
    trusts) unless the page shows another date beside its headline: then that one, the
    nearest to the headline. Its date stands when it is among the dates shown there, or
    within a day of the nearest (a time zone apart). trafilatura often reads the page's
    own or modified date, a copyright year or a related item's date where the page prints
    the article's date under its headline (dev HTML, 5 folds grouped by site:
    docs/comments-and-html.md, 2026-12-02)."""
    if not dates:
        return value, how
    shown, line = dates[0]
    if value:
        day = value[:10]
        if any(iso[:10] == day for iso, _ in dates):
            return value, how
        try:
            apart = abs((date.fromisoformat(shown[:10]) - date.fromisoformat(day)).days)
        except ValueError:
            apart = None
        if apart is not None and apart <= 1:
            return value, how
    was = f"; trafilatura's date {value} is not shown there" if value else ""
    return shown, f"HTML metadata: the date beside the page's <h1> ('{line}'){was}"
