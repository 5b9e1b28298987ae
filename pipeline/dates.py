"""Find and read dates written in a line of text ("2025-11-24 01:16",
"Monday, November 24, 2025", "Jun 04 2025 | 12:42 PM IST", "13 Jan, 2026"), and in other
languages ("23. April 2024", "1 de diciembre de 2017 3:00", "12 mars 2024 à 14h05",
"3 марта 2024", "2024年12月1日 10:05", "2024년 12월 1일", "01.12.2024 um 10:05").

The finder is hand-written regular expressions (dateparser is too slow to run on every
line and reads too much as a date); the offsets and the other languages' month names
come from data files (pipeline/data/tz_abbreviations.json, months.json). The English
patterns run first, so what they read is read as before; the others only add dates
where no English one is. Every form needs a day, a month and a four-digit year: a month
word alone ("Mai", "mars") is never a date, and slashed day/month numbers (12/01/2024)
are never read (the US order is month first).
"""
from __future__ import annotations

import bisect
import json
import re
import unicodedata
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
def _vocabulary() -> dict:
    data = json.loads((resources.files("pipeline") / "data" / "months.json").read_text("utf-8"))
    data.pop("_comment", None)
    return data


@lru_cache(maxsize=None)
def _month_numbers(order: str = "DMY") -> dict[str, int]:
    """The month names of the languages that write dates in this order ("DMY", "YMD"),
    lower-cased (and their upper case lower-cased, which re's IGNORECASE also matches:
    "ARALIK" for "aralık"), to their number."""
    numbers: dict[str, int] = {}
    for table in _vocabulary()["languages"].values():
        if table["date_order"] != order:
            continue
        for number, names in enumerate(table["months"], 1):
            for name in names:
                name = unicodedata.normalize("NFC", name)  # as the normalised text is
                for key in (name.lower(), name.upper().lower()):
                    numbers.setdefault(key, number)
    return numbers


@lru_cache(maxsize=None)
def _buddhist_month_numbers() -> dict[str, int]:
    """The month names of the languages that write the Buddhist era's year (Thai: 2567
    for 2024), to their number."""
    return {unicodedata.normalize("NFC", name).lower(): number
            for table in _vocabulary()["languages"].values() if table.get("era") == "buddhist"
            for number, names in enumerate(table["months"], 1) for name in names}


_BUDDHIST_ERA = 543  # the Buddhist era's year less the Gregorian one


def _alternation(words) -> str:
    # Longest first, so that "tháng 12" is tried before "tháng 1" (the regex would back off anyway).
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=lambda w: (-len(w), w)))


def _month_word(group: str, order: str) -> str:
    r"""A month in the patterns: any word of three letters or more, looked up in
    _month_numbers after the match (an alternation of the 380 names costs `re` a try of
    each at every day number), or, in an alternation, a name that word cannot be: of
    several words ("tháng 12"), with a dot ("ธ.ค."), a combining mark (Hindi's "सितंबर":
    `re`'s \w holds no mark) or under three letters (Hindi's "मई")."""
    spaced = [name for name in _month_numbers(order) if not name.isalpha() or len(name) < 3]
    return (r"(?P<" + group + r">" + (_alternation(spaced) + "|" if spaced else "")
            + r"[^\W\d_]{3,})(?![^\W\d_])")


@lru_cache(maxsize=None)
def _foreign_patterns() -> tuple[re.Pattern, ...]:
    data = _vocabulary()
    joins = r"(?:(?:" + _alternation(data["connectors"]) + r")\s+)?"
    time = (r"(?:(?:\s*[|,،@–—-])?(?:\s*\b(?:" + _alternation(data["time_words"]) + r")\b\.?)?\s*"
            r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2})|h(?P<hminute>\d{2})|時(?P<jminute>\d{1,2})分)"
            r"(?::(?P<second>\d{2}))?(?!\d)\s*(?P<ampm>[ap]\.?m\.?)?(?:\s*(?i:uhr)\b)?(?:\s*(?P<tz>[A-Z]{2,5}(?![A-Za-z])|[+-]\d{2}:?\d{2}\b))?)?")
    year = r"(?P<year>(?:19|20)\d{2})"
    return (
        # 3. Mai 2024 / 1 de diciembre de 2017 / 3 марта 2024 / 21.dez.2018 / 3 tháng 12 năm 2024
        re.compile(r"(?<![\d.])(?P<day>\d{1,2})(?:\.|º|er)?\s*" + joins + _month_word("fmonth", "DMY")
                   + r"\.?[,،]?\s*" + joins + year + r"(?!\d)" + time, re.I),
        # 2024. május 3. (Hungarian: year, month, day)
        re.compile(r"(?<!\d)" + year + r"\.\s*" + _month_word("ymonth", "YMD") + r"\.?\s*"
                   r"(?P<day>\d{1,2})(?!\d)\.?" + time, re.I),
        # 2024年12月1日 / 2024년 12월 1일 (the day's sign is needed)
        re.compile(year + r"\s*[年년]\s*(?P<mon>\d{1,2})\s*[月월]\s*(?P<day>\d{1,2})\s*[日일]"
                   r"(?:\s*[(（][^)）]{1,3}[)）])?" + time),
        # 2024.12.01 / 2024. 12. 1. / 2024/12/01 (year first; not inside a path or a number)
        re.compile(r"(?<![\w/.])" + year + r"(?P<sep>[./])\s?(?P<mon>\d{1,2})(?P=sep)\s?(?P<day>\d{1,2})(?![\w/]|\.\d)\.?"
                   + time),
        # 01.12.2024 (day first: a dotted date is not the US order)
        re.compile(r"(?<![\w.])(?P<day>\d{1,2})\.\s?(?P<mon>\d{1,2})\.\s?" + year + r"(?![\w]|\.\d)" + time),
        # 5 ธันวาคม 2567 / 5 ธ.ค. 2567 (Thai: the Buddhist era's year, 25xx, after a Thai month)
        re.compile(r"(?<![\d.])(?P<day>\d{1,2})\s*(?P<bmonth>" + _alternation(_buddhist_month_numbers())
                   + r")\.?\s*(?P<beyear>25\d{2})(?!\d)" + time),
    )


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
    month, year = groups.get("mon"), groups.get("year")
    if groups.get("bmonth"):
        month, year = _buddhist_month_numbers()[" ".join(groups["bmonth"].lower().split())], \
            int(groups["beyear"]) - _BUDDHIST_ERA
    elif month:
        month = int(month)
    elif groups.get("fmonth") or groups.get("ymonth"):
        word, order = (groups["fmonth"], "DMY") if groups.get("fmonth") else (groups["ymonth"], "YMD")
        month = _month_numbers(order).get(" ".join(word.lower().split()))
        if month is None:  # a word, not a month: "3 Tore 2024"
            return None
    else:
        month = _MONTHS[groups["month"].lower()[:3]]
    try:
        day = date(int(year), month, int(groups["day"]))
    except ValueError:
        return None
    if groups.get("hour") is None:
        return day.isoformat()
    hour = int(groups["hour"])
    minute = int(groups.get("minute") or groups.get("hminute") or groups.get("jminute") or 0)
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
_HAS_YEAR = re.compile(r"(?:19|20|25)\d{2}").search
_MAY_MATCH = [
    None,
    re.compile(r"\d(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2}\b", re.I).search,
    re.compile(r"\d(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?:19|20)\d{2}\b", re.I).search,
]


_YEARS = re.compile(r"(?:19|20|25)\d{2}(?!\d)").finditer
_DIGIT = re.compile(r"\d").search


def _foreign_forms(line: str) -> int:
    """Which of the other languages' patterns (bit i: _foreign_patterns()[i]) may match,
    from the few characters round each year of the line, so that a line runs only the
    patterns its years allow (a regex scan of the whole line a pattern cost more): a
    month name runs into the year, with a day number at most 30 characters before it
    ("3 mars 2024", "21.dez.2018", "1 de diciembre de 2017"); "YYYY." and a letter open
    the Hungarian order; 年/년 follow the CJK and Korean year; "YYYY." or "YYYY/" and a
    digit the numeric year-first forms; a digit and "." or ". " come before the year of
    a dotted day-first date; a Buddhist era's year (25xx) follows a Thai month."""
    forms = 0
    for year in _YEARS(line):
        start, end = year.span()
        if line[start:start + 2] == "25":
            if "\u0e00" <= line[max(0, start - 4):start].rstrip(" .")[-1:] <= "\u0e7f":
                forms |= 32
            continue
        if start and line[start - 1] != "/":
            before = line[max(0, start - 6):start].rstrip().rstrip(",.،").rstrip()
            # a month's last letter, or its vowel sign (Hindi's "जनवरी", Bengali's "মে")
            if (before[-1:].isalpha() or unicodedata.category(before[-1:] or " ")[0] == "M") \
                    and _DIGIT(line, max(0, start - 30), start):
                forms |= 1
            if before[-1:].isdigit() and line[start - 1] in ". ":
                forms |= 16
        after = line[end:end + 4]
        if after[:1] in (".", "/"):
            rest = after[1:].lstrip()
            if rest[:1].isdigit():
                forms |= 8
            elif after[:1] == "." and rest[:1].isalpha():
                forms |= 2
        elif after.lstrip()[:1] in ("年", "년"):  # 2024年 / 2024년 / 2024 년
            forms |= 4
    return forms


@lru_cache(maxsize=16384)
def dates_in(line: str) -> tuple[FoundDate, ...]:
    """find_dates(line) as a tuple, memoised: a pure function of the line, asked of the
    same new line by the line shape, the comment finder's stamps and the metadata's
    dates. Callers share the tuple and only read it (FoundDate is frozen)."""
    if _HAS_YEAR(line) or (not line.isascii() and _HAS_NATIVE_DIGIT(line)):
        return tuple(find_dates(line))
    return ()


# The decimal digits other scripts write dates in (Arabic-Indic, Persian and Urdu,
# Devanagari, Bengali, Thai: "٥ ديسمبر ٢٠٢٤", "৫ ডিসেম্বর ২০২৪"), read as ASCII digits,
# one character for one, so that a date's span is the same in the line as written.
_NATIVE_DIGITS = "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९০১২৩৪৫৬৭৮৯๐๑๒๓๔๕๖๗๘๙"
_TO_ASCII_DIGITS = str.maketrans(_NATIVE_DIGITS, "0123456789" * 5)
_HAS_NATIVE_DIGIT = re.compile(f"[{_NATIVE_DIGITS}]").search


def ascii_digits(line: str) -> str:
    """The line with other scripts' decimal digits written as ASCII ones (the same length)."""
    if line.isascii() or _HAS_NATIVE_DIGIT(line) is None:
        return line
    return line.translate(_TO_ASCII_DIGITS)


def find_dates(line: str) -> list[FoundDate]:
    """The dates written in the line (not memoised: see dates_in)."""
    found: list[FoundDate] = []  # sorted by start, never overlapping
    line = ascii_digits(line)
    if not _HAS_YEAR(line):
        return found
    forms = _foreign_forms(line)
    patterns = _foreign_patterns()
    for pattern, may_match in zip(_PATTERNS, _MAY_MATCH):
        if may_match is not None and not may_match(line):
            continue
        _add(found, line, pattern)
    index = 0
    while forms:
        if forms & 1:
            _add(found, line, patterns[index])
        forms >>= 1
        index += 1
    return found


def _add(found: list[FoundDate], line: str, pattern: re.Pattern) -> None:
    """The pattern's dates in the line, into `found` (sorted by start), where they do not
    overlap a date found before."""
    for match in pattern.finditer(line):
        # Overlap with an earlier pattern's date: only the neighbours in start order
        # can overlap (a bisect keeps a line full of dates linear, not quadratic).
        at = bisect.bisect_left(found, match.start(), key=lambda f: f.start)
        if (at > 0 and found[at - 1].end > match.start()) or (at < len(found) and found[at].start < match.end()):
            continue
        value = _iso(match.groupdict())
        if value:
            found.insert(at, FoundDate(value, match.start(), match.end()))
