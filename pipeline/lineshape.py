"""The shape of a line: the features every rule reads, computed once per line."""
from __future__ import annotations

import re
import threading
from array import array
from dataclasses import dataclass

from pipeline.dates import FoundDate, dates_in
from pipeline.language import SCRIPT_SENTENCE_ENDS, ends_unmarked, script_letters, script_of
from pipeline.lexicon import LexiconMatch
from pipeline.linewords import WORD, words_of

# Sentence ends, with closing quotes or brackets after them; CJK full stops and other
# scripts' (SCRIPT_SENTENCE_ENDS) included: the regex [.!?…。！？...]["'”’»)\]]*$|["”’»]$,
# checked with str methods in _ends_sentence (a regex search would try every full stop).
_SENTENCE_ENDS = ".!?…。！？" + SCRIPT_SENTENCE_ENDS
_CLOSERS = "\"'”’»)]"
_QUOTES = "\"”’»"
_BREADCRUMB_SEPARATOR = re.compile(r"\s(?:>>|»|›|>|→|/|\\)\s")
_BREADCRUMB_MARK = re.compile(r"[>»›→/\\]")  # a separator holds one
_CJK_SCRIPTS = {"CJK", "HANGUL", "THAI"}

try:  # the per-character loops in C (pipeline/linemodel/_shape.c), built at install when a compiler is there
    import pipeline._shape as _kernel
except ImportError:  # language.script_letters, which gives the same counts (tests/test_shape_kernel.py)
    _kernel = None

# The kernel's script table: per code point 0 (not looked up yet), 1 (no script) or the
# script's number + 2 in _SCRIPT_NAMES, filled by _resolve_script as characters are met
# (script_of per character: static Unicode data). 2.2 MB.
_SCRIPT_TABLE = array("H", bytes(2 * 0x110000)) if _kernel is not None else None
_SCRIPT_NAMES: list[str] = []
_SCRIPT_LOCK = threading.Lock()


def _resolve_script(code: int) -> int:
    with _SCRIPT_LOCK:  # a new script's number is taken once, whatever thread meets it first
        script = script_of(chr(code))
        if not script:
            entry = 1
        else:
            if script not in _SCRIPT_NAMES:
                _SCRIPT_NAMES.append(script)
            entry = _SCRIPT_NAMES.index(script) + 2
        _SCRIPT_TABLE[code] = entry
        return entry


def scripts_of(text: str) -> dict[str, int]:
    """language.script_letters(text): letters per script, in order of each script's first
    letter; in C over the table above where the kernel is built."""
    if _kernel is None:
        return script_letters(text)
    return _kernel.scripts(text, _SCRIPT_TABLE, _resolve_script, _SCRIPT_NAMES)


@dataclass(frozen=True)
class LineShape:
    number: int  # 1-based line number in the normalised text
    text: str
    words: int
    stopword_ratio: float
    ends_sentence: bool
    scripts: dict[str, int]
    dates: tuple[FoundDate, ...]
    lexicon: LexiconMatch | None

    def renumbered(self, number: int) -> "LineShape":
        """The same shape at another line number (a memoised line met again): a copy of
        its fields, several times faster than dataclasses.replace, which re-runs
        __init__."""
        copy = object.__new__(LineShape)
        copy.__dict__.update(self.__dict__, number=number)
        return copy

    @property
    def letters(self) -> int:
        return sum(self.scripts.values())

    def is_cjk(self) -> bool:
        # Asked several hundred times a page (length_units, is_body_like): worked out once a
        # shape and kept in its __dict__ beside the fields (not one: eq, repr and replace
        # ignore it; `renumbered` copies it with the text it depends on).
        cjk = self.__dict__.get("_cjk")
        if cjk is None:
            scripts = self.scripts
            cjk = self.__dict__["_cjk"] = bool(scripts) and max(scripts, key=scripts.get) in _CJK_SCRIPTS
        return cjk

    def length_units(self) -> int:
        """Words for spaced scripts; for CJK, characters / 2 (a rough word count)."""
        units = self.__dict__.get("_units")
        if units is None:
            units = self.__dict__["_units"] = self.letters // 2 if self.is_cjk() else self.words
        return units

    def reads_as_prose(self, has_stoplist: bool) -> bool:
        """The stoplist's share of stopwords (any share where the language has no stoplist)."""
        return not has_stoplist or self.stopword_ratio >= 0.15

    def is_body_like(self, has_stoplist: bool) -> bool:
        """A full paragraph: long, ends like a sentence, reads like prose."""
        if not self.ends_sentence or self.length_units() < 12:
            return False
        return self.reads_as_prose(has_stoplist)

    def is_repetitive(self) -> bool:
        """A long line of few distinct words: junk, spam or a broken page, not prose."""
        if self.words < 20:
            return False
        limit = min(self.words, 2_000)
        if len(self.text) <= 20_000:
            # The answer is the last test's (the early one only says no sooner: a word cut
            # at its end is the one word it may count too many). Here the line's words are
            # words_of(text), made already: its first words, whole words of it, say no when
            # they alone are distinct enough; else all of them, each folded by one casefold
            # of the words joined (casefold maps each character on its own, never to a space).
            words = words_of(self.text)
            head = words[:limit // 4 + 8]
            if len(set(" ".join(head).casefold().split(" "))) * 10 >= limit:
                return False
            return len(set(" ".join(words).casefold().split(" "))) * 10 < limit
        text = self.text[:20_000]
        # Prose shows enough distinct words early: look at the start of the line first.
        # A word cut where the start ends may count once too many, hence the - 1.
        end = 2 * limit + 40
        if end < len(text):
            distinct = set(map(str.casefold, WORD.findall(text, 0, end)))
            if (len(distinct) - 1) * 10 >= limit:
                return False
        distinct = set(map(str.casefold, WORD.findall(text)))
        return len(distinct) * 10 < limit

    def is_breadcrumb(self) -> bool:
        if not _BREADCRUMB_MARK.search(self.text):
            return False
        separators = len(_BREADCRUMB_SEPARATOR.findall(self.text))
        if separators >= 2 or (separators == 1 and self.text.casefold().startswith("home")):
            return all(len(WORD.findall(part)) <= 14 for part in _BREADCRUMB_SEPARATOR.split(self.text))
        return False


def _ends_sentence(text: str) -> bool:
    if text.endswith("\n"):
        text = text[:-1]  # `$` also matches before a final newline
    if not text:
        return False
    if text[-1] in _QUOTES:
        return True
    text = text.rstrip(_CLOSERS)
    return bool(text) and text[-1] in _SENTENCE_ENDS


def shape_line(number: int, text: str, stopwords: frozenset[str], lexicon_match: LexiconMatch | None) -> LineShape:
    words = words_of(text)
    if _line_basics is not None and (stopwords.__class__ is frozenset or stopwords.__class__ is set):
        # the stopword count, the sentence end and the scripts below in one C call
        # (tests/test_shape_kernel.py compares it with the Python on real and random lines)
        stops, ends, scripts = _line_basics(text, words, stopwords, _SCRIPT_TABLE, _resolve_script,
                                                   _SCRIPT_NAMES)
        return _new_shape(number, text, words, stops, ends, scripts, lexicon_match)
    return _shape_line_py(number, text, stopwords, words, lexicon_match)


def _shape_line_py(number: int, text: str, stopwords: frozenset[str], words: tuple,
                   lexicon_match: LexiconMatch | None) -> LineShape:
    """shape_line in Python: the fallback, and what the kernel's line_basics is tested against."""
    # one casefold of the words joined by spaces: casefold maps each character on its own and
    # yields no space (tests/test_speed_paths.py), so the pieces are each word's casefold
    if not (stopwords and words):
        stops = 0
    elif _kernel is not None and (stopwords.__class__ is frozenset or stopwords.__class__ is set):
        stops = _kernel.count_stops(words, stopwords)  # each word casefolded, in C
    else:
        stops = sum(map(stopwords.__contains__, " ".join(words).casefold().split(" ")))
    return _new_shape(number, text, words, stops, _ends_sentence(text), scripts_of(text), lexicon_match)


def _new_shape(number: int, text: str, words: tuple, stops: int, ends: bool, scripts: dict,
               lexicon_match: LexiconMatch | None) -> LineShape:
    if not ends and text and text[-1] >= "\u0e00" and ends_unmarked(text, scripts):
        ends = True  # a sentence of Thai or Lao, which write no full stop (one comparison for other lines)
    # Built as `renumbered` builds its copies: the frozen dataclass's __init__ sets each
    # field through object.__setattr__, a third of shape_line's own time.
    shape = object.__new__(LineShape)
    shape.__dict__.update(
        number=number,
        text=text,
        words=len(words),
        stopword_ratio=stops / len(words) if words else 0.0,
        ends_sentence=ends,
        scripts=scripts,
        dates=dates_in(text),  # memoised, shared with the comment finder and the metadata
        lexicon=lexicon_match,
    )
    return shape


# A kernel built before line_basics (an older build found first) lacks it: the Python runs.
_line_basics = getattr(_kernel, "line_basics", None)
if _line_basics is not None:  # _ends_sentence's sets
    _kernel.configure_basics(_QUOTES, _CLOSERS, _SENTENCE_ENDS)


def date_remainder(shape: LineShape) -> str:
    """What is left of a line once its dates, weekdays and separators are taken out."""
    text = shape.text
    for found in reversed(shape.dates):
        text = text[: found.start] + " " + text[found.end:]
    text = re.sub(r"(?i)\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|[|,•·/–—-]", " ", text)
    return " ".join(text.split())
