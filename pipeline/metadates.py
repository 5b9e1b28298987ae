"""Dates as metadata reads them, in the page's language: "3. Mai 2024, 17:47",
"5 de junio de 2025", "2025年6月5日 10:00", "03.07.2024 - 18:24", where pipeline/dates.py
(which the line classifier uses, and which reads English and, since 2026-12-04, the other
languages' forms of pipeline/data/months.json) finds none on the line: slashed day/month
numbers ("03/07/2024", day first outside English) are read only here.

Month names and weekdays come from pipeline/data/metadata.json. Hand-written rather than
dateparser: dateparser reads far too much as a date ("May", "2 min") and is slow; here a
date needs a day, a month and a four-digit year.

`published` is written one way: a timestamp with offset when the text gives the zone,
else the date alone; a time without zone goes to a separate field (see `split_moment`).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources

from pipeline.dates import _offset, ascii_digits, dates_in


@lru_cache(maxsize=None)
def vocabulary() -> dict:
    data = json.loads((resources.files("pipeline") / "data" / "metadata.json").read_text("utf-8"))
    data.pop("_comment", None)
    return data


@lru_cache(maxsize=None)
def _months() -> dict[str, int]:
    months: dict[str, int] = {}
    for table in vocabulary()["months"].values():
        for name, number in table.items():
            months.setdefault(name.casefold(), number)
    return months


@lru_cache(maxsize=None)
def _patterns() -> list[re.Pattern]:
    names = sorted(_months(), key=len, reverse=True)
    month = r"(?P<month>" + "|".join(map(re.escape, names)) + r")\.?"
    time = (r"(?:\s*(?:[|,@–—-]|\bum\b|\bà\b|\bat\b|\bkl\.?|\ba las\b|\balle\b|\bore\b)?\s*"
            r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2})|h(?P<hminute>\d{2}))(?::(?P<second>\d{2}))?"
            r"\s*(?P<ampm>[ap]\.?m\.?)?(?:\s*(?:uhr|h)\b)?"
            r"(?:\s*\(?(?P<tz>[A-Z]{2,5}(?![A-Za-z])|(?:GMT|UTC)?[+-]\d{1,2}(?::?\d{2})?\b)\)?)?)?")
    year = r"(?P<year>(?:19|20)\d{2})"
    return [
        # 2025年6月5日 / 2025년 6월 5일 / 2025/06/05 / 2025.06.05
        re.compile(year + r"\s*[年년]\s*(?P<mon>\d{1,2})\s*[月월]\s*(?P<day>\d{1,2})\s*[日일]?(?:\s*\([^)]{1,3}\))?" + time, re.I),
        re.compile(r"(?<!\d)" + year + r"[/.](?P<mon>\d{1,2})[/.](?P<day>\d{1,2})(?!\d)" + time, re.I),
        # 03.07.2024 / 03/07/2024 / 3-7-2024 (day first outside English)
        re.compile(r"(?<![\d.])(?P<a>\d{1,2})[./-](?P<b>\d{1,2})[./-]" + year + r"(?!\d)" + time, re.I),
        # 3. Mai 2024 / 5 de junio de 2025 / 8 января 2025
        re.compile(r"(?<!\d)(?P<day>\d{1,2})(?:\.|er|st|nd|rd|th)?\s*(?:de\s+)?" + month + r",?\s*(?:de\s+|del\s+)?" + year + r"(?!\d)" + time, re.I),
        # June 5, 2025 / Mai 3 2024
        re.compile(r"(?<![\w])" + month + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+" + year + r"(?!\d)" + time, re.I),
        # 8 января, 17:46 (no year): the year is not guessed, so not a date here.
    ]


@dataclass(frozen=True)
class Moment:
    day: date
    time: str | None  # "HH:MM" or "HH:MM:SS", local to the page
    offset: str | None  # "+02:00" when the text gives the zone
    start: int
    end: int

    def iso(self) -> str:
        """The one `published` form: a timestamp with offset, else the date alone."""
        if self.time and self.offset:
            hms = self.time if self.time.count(":") == 2 else self.time + ":00"
            return f"{self.day.isoformat()}T{hms}{self.offset}"
        return self.day.isoformat()


def _offset_text(tz: str | None) -> str | None:
    if not tz:
        return None
    text = tz.upper()
    if text.startswith(("GMT", "UTC")) and len(text) > 3:
        sign, rest = text[3], text[4:].replace(":", "")
        hours, minutes = (rest[:-2] or "0", rest[-2:]) if len(rest) > 2 else (rest, "00")
        text = f"{sign}{int(hours):02d}:{minutes}"
    zone = _offset(text)
    if zone is None:
        return None
    seconds = int(zone.utcoffset(None).total_seconds())
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _time(groups: dict) -> str | None:
    if groups.get("hour") is None:
        return None
    hour = int(groups["hour"])
    minute = int(groups.get("minute") or groups.get("hminute") or 0)
    ampm = (groups.get("ampm") or "").replace(".", "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    if groups.get("second"):
        if int(groups["second"]) > 59:
            return None
        return f"{hour:02d}:{minute:02d}:{int(groups['second']):02d}"
    return f"{hour:02d}:{minute:02d}"


_ZONE = re.compile(r"[+-]\d{2}:\d{2}$")  # compiled once (re's cache was asked for it a date)


def _from_iso(value: str, start: int, end: int) -> Moment | None:
    """A pipeline/dates.py value: "2025-06-04", "2025-11-24T01:16", "2025-06-04T12:42:00+05:30"."""
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return None
    rest = value[11:]
    if not rest:
        return Moment(day, None, None, start, end)
    zone = _ZONE.search(rest)
    return Moment(day, rest[: zone.start()] if zone else rest, zone.group() if zone else None, start, end)


_YEAR = re.compile(r"(?:19|20|25)\d{2}")  # 25xx: a Thai year (pipeline/dates.py)


_DOTTED = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(?:19|20)\d{2}")


def _month_first(moment: Moment, line: str) -> Moment:
    """pipeline/dates.py reads a dotted "09.10.2024" day first; on an English page, where
    both numbers could be the month, it is read month first (as the US writes it)."""
    dotted = _DOTTED.match(line, moment.start)
    if not dotted or int(dotted.group(1)) > 12 or dotted.group(1) == dotted.group(2):
        return moment
    try:
        day = date(moment.day.year, moment.day.day, moment.day.month)
    except ValueError:
        return moment
    return Moment(day, moment.time, moment.offset, moment.start, moment.end)


def find_moments(line: str, language: str | None = None) -> list[Moment]:
    """The dates a line holds, in order; pipeline/dates.py's finder first (the
    classifier's), then the page-language forms where it found none."""
    line = ascii_digits(line)  # "৫ ডিসেম্বর ২০২৪" as "5 ডিসেম্বর 2024", the same spans
    if not _YEAR.search(line):  # most lines: every form dates_in reads has a year too
        return []
    found = [m for m in (_from_iso(d.value, d.start, d.end) for d in dates_in(line)) if m]
    if language == "en":
        found = [_month_first(m, line) for m in found]
    if found or not _YEAR.search(line):
        return found
    taken: list[tuple[int, int]] = []
    for index, pattern in enumerate(_patterns()):
        for match in pattern.finditer(line):
            if any(match.start() < e and s < match.end() for s, e in taken):
                continue
            groups = match.groupdict()
            try:
                year = int(groups["year"])
                if index == 2:
                    a, b = int(groups["a"]), int(groups["b"])
                    day_first = a > 12 or (language != "en" and b <= 12)
                    day_value, month = (a, b) if day_first else (b, a)
                elif groups.get("mon"):
                    day_value, month = int(groups["day"]), int(groups["mon"])
                else:
                    day_value, month = int(groups["day"]), _months()[groups["month"].casefold()]
                day = date(year, month, day_value)
            except (ValueError, KeyError):
                continue
            taken.append((match.start(), match.end()))
            time = _time(groups)
            offset = _offset_text(groups.get("tz")) if time else None
            found.append(Moment(day, time, offset, match.start(), match.end()))
    return sorted(found, key=lambda m: m.start)


def split_moment(value: str | None) -> tuple[str | None, str | None]:
    """An ISO value as (`published`, `published_time_local`): a timestamp with offset stays
    whole; a naive timestamp gives its date, and its time apart."""
    if not value or "T" not in value:
        return value, None
    day, time = value.split("T", 1)
    if re.search(r"(?:Z|[+-]\d{2}:?\d{2})$", time):
        return value, None
    return day, time


@lru_cache(maxsize=256)
def labels(kind: str, language: str | None) -> tuple[str, ...]:
    """The date labels of a kind ("updated", "published" ...) in English and the page's
    language, longest first. Cached: asked for every date candidate of every page, and
    the vocabulary is static (a tuple, never changed by its callers)."""
    table = vocabulary()[kind]
    return tuple(sorted(set(table["en"]) | set(table.get(language or "", ())), key=len, reverse=True))


@lru_cache(maxsize=256)
def _label_patterns(labels: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    """Each label as a whole-word pattern, compiled once (re's own cache was asked for
    each label of each lead)."""
    return tuple(re.compile(r"(?:^|[^\w])" + re.escape(label.casefold()) + r"(?:$|[^\w])") for label in labels)


@lru_cache(maxsize=256)
def _labels_pattern(labels: tuple[str, ...]) -> re.Pattern:
    """The labels' patterns as one alternation: a search finds a match where any one
    pattern would (the engine tries every alternative at every position), so the lead is
    scanned once, not once a label (each pattern opens with `(?:^|[^\\w])`, which gives
    `re` no literal to skip to)."""
    return re.compile(r"(?:^|[^\w])(?:" + "|".join(re.escape(label.casefold()) for label in labels)
                      + r")(?:$|[^\w])")


def has_label(lead: str, labels: tuple[str, ...]) -> bool:
    """True when one of the labels stands in `lead` as whole words (the same answer as
    `_has_label_each`, the labels' patterns searched one by one)."""
    return bool(labels) and _labels_pattern(labels).search(lead.casefold()) is not None


def _has_label_each(lead: str, labels: tuple[str, ...]) -> bool:
    """has_label's plain form, kept for the test that the two agree."""
    text = lead.casefold()
    return any(pattern.search(text) for pattern in _label_patterns(labels))
