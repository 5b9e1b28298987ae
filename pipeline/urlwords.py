"""What a page's URL path says about the article: the headline's words in its slug
("/2019/11/18/new-york-state-attorney-general-investigating-wework-and-former-ceo/") and
the published day ("/2019/11/18/", "-20260701-", "2024-12-03"). Both hold on any site in
any Latin-script language (docs/metadata.md, twenty-fifth round); metadata.py reads
them as evidence for the title and the day, never for which lines the body keeps.

Hand-written: htmldate's `extract_url_date` (a trafilatura dependency) reads only the
separated form and rejects a day after today (the output would depend on the day of the
run); its separated pattern is the one used here, with fixed bounds. No library words a
slug (python-slugify writes slugs, it does not read them).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache
from urllib.parse import unquote, urlsplit

# A slug's word separators; a segment's file extension.
_SPLIT = re.compile(r"[-_+.,:;~!'’\"()\[\]\s]+")
_EXTENSION = re.compile(r"\.(?:s?html?|php\d?|aspx?|cms|jsp|cfm|amp)$", re.I)
# An id, not a word: digits with letters ("a63515464", "rcna184567", "b1155186", "p60bhj").
_ID = re.compile(r"\d")
# A day in the path: 2019/11/18, 2024-12-03, 2019_11_18 (htmldate's COMPLETE_URL), or
# eight digits on their own (20170309, "-20260701-"). Years 1990-2099: a fixed range, so
# the same URL reads the same on any day.
_SEPARATED = re.compile(r"(?<!\d)((?:199|20\d)\d)[/_-](0?[1-9]|1[0-2])[/_-](0?[1-9]|[12]\d|3[01])(?!\d)")
_COMPACT = re.compile(r"(?<![\dA-Za-z])((?:199|20\d)\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![\dA-Za-z])")
# A slug names a headline with at least this many words.
MIN_SLUG_WORDS = 3


def _path(url: str) -> str:
    try:
        return unquote(urlsplit(url.strip()).path)
    except ValueError:
        return ""


def _plain(word: str) -> str:
    """Case and accents folded: "Kühltürme" -> "kuhlturme"."""
    word = word.casefold().replace("ß", "ss").replace("æ", "ae").replace("ø", "o").replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def word_forms(word: str) -> tuple[str, ...]:
    """The ways a slug may write a word: accents dropped, and German's ä ö ü as ae oe ue
    ("Kühltürme": kuhlturme, kuehltuerme)."""
    plain = _plain(word)
    low = word.casefold()
    if not any(c in low for c in "äöü"):
        return (plain,)
    return plain, _plain(low.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue"))


@lru_cache(maxsize=4096)
def slug_words(url: str | None) -> tuple[str, ...]:
    """The words of the URL's slug, folded, in order, each once: the last of the path's
    segments with at least MIN_SLUG_WORDS words (not numbers or ids); else (). The slug
    follows the sections ("/planting-and-growing-guides/lighting-indoor-plants"), and a
    section or a trailing "artikel", "amp", an id is fewer words."""
    if not url:
        return ()
    for segment in reversed(_path(url).split("/")):
        words = [w for w in _SPLIT.split(_EXTENSION.sub("", segment)) if w and not _ID.search(w)]
        if len(words) >= MIN_SLUG_WORDS:
            return tuple(dict.fromkeys(_plain(w) for w in words))
    return ()


def slug_share(words: tuple[str, ...], text_words: list[str]) -> tuple[float, float]:
    """(share of the slug's words in the text, share of the text's longer words in the
    slug). Order-insensitive; a slug often drops the headline's short words and ends
    early, so the first share is the strong one."""
    if not words:
        return 0.0, 0.0
    forms = {f for w in text_words for f in word_forms(w)}
    found = sum(1 for w in words if w in forms)
    slug = set(words)
    longer = [w for w in text_words if len(w) >= 4]
    text_in = sum(1 for w in longer if any(f in slug for f in word_forms(w))) / len(longer) if longer else 0.0
    return found / len(words), text_in


def slug_share_unspaced(words: tuple[str, ...], text: str) -> tuple[float, float]:
    """`slug_share` of a line in a script written without spaces between words (Thai,
    Lao, Khmer, Chinese, Japanese): its space-separated parts are phrases, so a slug's
    word is looked for as a part of the line, case and marks folded as the slug's. The
    second share (the line's words in the slug) has no words to count: 0."""
    if not words:
        return 0.0, 0.0
    plain = _plain(text)
    return sum(1 for w in words if w in plain) / len(words), 0.0


@lru_cache(maxsize=4096)
def url_day(url: str | None) -> date | None:
    """The day the URL's path holds: year, month and day separated ("/2019/11/18/",
    "2024-12-03") or as eight digits alone ("20170309"); None when it holds none or more
    than one different day."""
    if not url:
        return None
    path = _path(url)
    days = set()
    for pattern in (_SEPARATED, _COMPACT):
        for m in pattern.finditer(path):
            try:
                days.add(date(int(m[1]), int(m[2]), int(m[3])))
            except ValueError:
                continue
    return days.pop() if len(days) == 1 else None


# Where a headline line joins other parts: a site's name, a section, a kicker, a
# breadcrumb ("Home /Cheap Fixes Are the Best!", "Checklist | Bridgestone Tires",
# "Neue Leipziger Schule: Judy Lybke, ...").
_PART = re.compile(r"\s*\|\s*|\s+[-–—]\s+|\s+/\s*|/\s+")
# A part cut off holds at most this many words (a site's name, a section, a kicker).
_CUT_WORDS = 4


def trim_to_slug(text: str, words: tuple[str, ...]) -> tuple[str, list[str]]:
    """(the text, the parts cut off): the parts at either end of a line that hold none of
    the slug's words and at most _CUT_WORDS words are cut off, while what remains holds
    some. "The Ultimate Car Maintenance Checklist | Bridgestone Tires" with the slug
    ultimate-car-maintenance-checklist: "The Ultimate Car Maintenance Checklist"."""
    slug = set(words)
    bounds = [0]
    for m in _PART.finditer(text):
        bounds += [m.start(), m.end()]
    bounds.append(len(text))
    parts = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    if len(parts) < 2:
        return text, []

    def hits(a: int, b: int) -> int:
        return sum(1 for w in _SPLIT.split(text[a:b]) if w and any(f in slug for f in word_forms(w)))

    first, last, cut = 0, len(parts) - 1, []
    while first < last:
        a, b = parts[first]
        if hits(a, b) or len(text[a:b].split()) > _CUT_WORDS:
            break
        cut.append(text[a:b])
        first += 1
    while last > first:
        a, b = parts[last]
        if hits(a, b) or len(text[a:b].split()) > _CUT_WORDS:
            break
        cut.append(text[a:b])
        last -= 1
    if not cut or not hits(parts[first][0], parts[last][1]):
        return text, []
    return text[parts[first][0]:parts[last][1]].strip(), [c for c in cut if c.strip()]
