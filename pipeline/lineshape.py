"""The shape of a line: the features every rule reads, computed once per line."""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.dates import FoundDate, find_dates
from pipeline.language import script_counts
from pipeline.lexicon import LexiconMatch

WORD = re.compile(r"\w+")
# Sentence ends, with closing quotes or brackets after them; CJK full stops included.
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*$|[\"”’»]$")
_BREADCRUMB_SEPARATOR = re.compile(r"\s(?:>>|»|›|>|→|/|\\)\s")
_CJK_SCRIPTS = {"CJK", "HANGUL", "THAI"}


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

    @property
    def letters(self) -> int:
        return sum(self.scripts.values())

    def is_cjk(self) -> bool:
        return bool(self.scripts) and max(self.scripts, key=self.scripts.get) in _CJK_SCRIPTS

    def length_units(self) -> int:
        """Words for spaced scripts; for CJK, characters / 2 (a rough word count)."""
        return self.letters // 2 if self.is_cjk() else self.words

    def is_body_like(self, has_stoplist: bool) -> bool:
        """A full paragraph: long, ends like a sentence, reads like prose."""
        if not self.ends_sentence or self.length_units() < 12:
            return False
        return not has_stoplist or self.stopword_ratio >= 0.15

    def is_repetitive(self) -> bool:
        """A long line of few distinct words: junk, spam or a broken page, not prose."""
        if self.words < 20:
            return False
        distinct = {w.casefold() for w in WORD.findall(self.text[:20_000])}
        return len(distinct) * 10 < min(self.words, 2_000)

    def is_breadcrumb(self) -> bool:
        separators = len(_BREADCRUMB_SEPARATOR.findall(self.text))
        if separators >= 2 or (separators == 1 and self.text.casefold().startswith("home")):
            return all(len(WORD.findall(part)) <= 14 for part in _BREADCRUMB_SEPARATOR.split(self.text))
        return False


def shape_line(number: int, text: str, stopwords: frozenset[str], lexicon_match: LexiconMatch | None) -> LineShape:
    words = WORD.findall(text)
    stops = sum(map(stopwords.__contains__, map(str.casefold, words))) if stopwords else 0
    return LineShape(
        number=number,
        text=text,
        words=len(words),
        stopword_ratio=stops / len(words) if words else 0.0,
        ends_sentence=bool(_SENTENCE_END.search(text)),
        scripts=dict(script_counts(text)),
        dates=tuple(find_dates(text)) if any(map(str.isdigit, text)) else (),
        lexicon=lexicon_match,
    )


def date_remainder(shape: LineShape) -> str:
    """What is left of a line once its dates, weekdays and separators are taken out."""
    text = shape.text
    for found in reversed(shape.dates):
        text = text[: found.start] + " " + text[found.end:]
    text = re.sub(r"(?i)\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|[|,•·/–—-]", " ", text)
    return " ".join(text.split())
