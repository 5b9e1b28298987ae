"""Language: langdetect once per document on a bounded sample, seeded so it is repeatable,
plus the Unicode scripts of the text (to spot lines in another script)."""
from __future__ import annotations

import json
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import justext
from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException


@dataclass(frozen=True)
class LanguageGuess:
    code: str | None
    confidence: float
    script: str | None  # dominant script of the document's letters, e.g. "LATIN"


@lru_cache(maxsize=4096)
def script_of(ch: str) -> str | None:
    """The script of a letter: the first word of its Unicode name (LATIN, CYRILLIC, CJK...)."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    if not name:
        return None
    first = name.split(" ", 1)[0]
    # Japanese mixes kana with Han; count them as one writing system.
    return "CJK" if first in ("HIRAGANA", "KATAKANA", "CJK") else first


def script_counts(text: str) -> Counter:
    return Counter(s for s in map(script_of, text) if s)


def _sample(lines: list[str], limit: int) -> str:
    """The longest lines first: body text, not menus, decides the language."""
    picked, size = [], 0
    for line in sorted((l for l in lines if l), key=lambda l: (-len(l), l)):
        if size >= limit:
            break
        picked.append(line[: limit - size])
        size += len(picked[-1])
    return "\n".join(picked)


def detect(lines: list[str], sample_chars: int, seed: int) -> LanguageGuess:
    sample = _sample(lines, sample_chars)
    scripts = script_counts(sample)
    script = scripts.most_common(1)[0][0] if scripts else None
    # langdetect keeps its seed on a module-level factory: set it on every call so no
    # other caller's setting leaks in.
    DetectorFactory.seed = seed
    try:
        guesses = detect_langs(sample)
    except LangDetectException:
        return LanguageGuess(None, 0.0, script)
    best = guesses[0]
    code = best.lang.split("-")[0]  # zh-cn -> zh
    return LanguageGuess(code, round(best.prob, 3), script)


@lru_cache(maxsize=None)
def _stoplist_names() -> dict[str, str]:
    data = json.loads((resources.files("pipeline") / "data" / "stoplists.json").read_text("utf-8"))
    data.pop("_comment", None)
    return data


@lru_cache(maxsize=64)
def stopwords(code: str | None) -> frozenset[str]:
    """jusText's stoplist for the language, empty when it has none (ja, ko, zh...)."""
    name = _stoplist_names().get(code or "")
    if not name:
        return frozenset()
    return frozenset(w.casefold() for w in justext.get_stoplist(name))
