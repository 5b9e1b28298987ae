"""Find and read dates written in a line of text ("2025-11-24 01:16",
"Monday, November 24, 2025", "Jun 04 2025 | 12:42 PM IST", "13 Jan, 2026").

The finder is hand-written regular expressions (dateparser is too slow to run on every
line and reads too much as a date); the offsets come from a data file.
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\.?,?\s+)?"
_TIME = (r"(?:\s*(?:[|,@–—-]|\bat\b)?\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?"
         r"\s*(?P<ampm>[ap]\.?m\.?)?(?:\s*(?P<tz>[A-Z]{2,5}(?![A-Za-z])|[+-]\d{2}:?\d{2}\b))?)?")
_PATTERNS = [
    re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<mon>\d{1,2})-(?P<day>\d{1,2})"
               r"(?:[T ](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?:\.\d+)?"
               r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2}\b|[A-Z]{2,5}\b)?)?", re.I),
    re.compile(_WEEKDAY + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d{2})\b" + _TIME, re.I),
    re.compile(_WEEKDAY + r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>(?:19|20)\d{2})\b" + _TIME, re.I),
]


@lru_cache(maxsize=None)
def _offsets() -> dict[str, str]:
    data = json.loads((resources.files("pipeline") / "data" / "tz_abbreviations.json").read_text("utf-8"))
    data.pop("_comment", None)
    return data


def _offset(tz: str | None) -> timezone | None:
    if not tz:
        return None
    if tz.upper() == "Z":
        return timezone.utc
    text = _offsets().get(tz.upper(), tz) if tz[0] not in "+-" else tz
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", text)
    if not match:
        return None
    sign = 1 if match.group(1) == "+" else -1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


@dataclass(frozen=True)
class FoundDate:
    value: str  # ISO 8601 as precise as the text: date, date and time, with offset when known
    start: int
    end: int


def _iso(groups: dict) -> str | None:
    month = groups.get("mon")
    month = int(month) if month else _MONTHS[groups["month"].lower()[:3]]
    try:
        day = date(int(groups["year"]), month, int(groups["day"]))
    except ValueError:
        return None
    if groups.get("hour") is None:
        return day.isoformat()
    hour, minute = int(groups["hour"]), int(groups["minute"])
    ampm = (groups.get("ampm") or "").replace(".", "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    second = int(groups["second"]) if groups.get("second") else 0
    if hour > 23 or minute > 59 or second > 59:
        return day.isoformat()
    tz = _offset(groups.get("tz"))
    moment = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=tz)
    # RFC 3339 needs seconds with an offset; a naive local time keeps the text's precision.
    spec = "seconds" if tz is not None or groups.get("second") else "minutes"
    return moment.isoformat(timespec=spec)


# Cheap tests that a pattern cannot match, so most lines skip the costly searches (the
# month-name patterns, case-insensitive, have no literal start for `re` to skip to).
# Every pattern holds a year; the month-name ones also hold their tail from the day's
# last digit, which starts with a digit, so `re` jumps from digit to digit.
_HAS_YEAR = re.compile(r"(?:19|20)\d{2}").search
_MAY_MATCH = [
    None,
    re.compile(r"\d(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2}\b", re.I).search,
    re.compile(r"\d(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?:19|20)\d{2}\b", re.I).search,
]


@lru_cache(maxsize=16384)
def dates_in(line: str) -> tuple[FoundDate, ...]:
    """find_dates(line) as a tuple, memoised: a pure function of the line, asked of the
    same new line by the line shape, the comment finder's stamps and the metadata's
    dates. Callers share the tuple and only read it (FoundDate is frozen)."""
    return tuple(find_dates(line)) if _HAS_YEAR(line) else ()


def find_dates(line: str) -> list[FoundDate]:
    """The dates written in the line (not memoised: see dates_in)."""
    found: list[FoundDate] = []  # sorted by start, never overlapping
    if not _HAS_YEAR(line):
        return found
    for pattern, may_match in zip(_PATTERNS, _MAY_MATCH):
        if may_match is not None and not may_match(line):
            continue
        for match in pattern.finditer(line):
            # Overlap with an earlier pattern's date: only the neighbours in start order
            # can overlap (a bisect keeps a line full of dates linear, not quadratic).
            at = bisect.bisect_left(found, match.start(), key=lambda f: f.start)
            if (at > 0 and found[at - 1].end > match.start()) or (at < len(found) and found[at].start < match.end()):
                continue
            value = _iso(match.groupdict())
            if value:
                found.insert(at, FoundDate(value, match.start(), match.end()))
    return found
