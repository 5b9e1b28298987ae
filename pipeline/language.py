"""Language: langdetect once per document on a bounded sample, seeded so it is repeatable,
plus the Unicode scripts of the text (to spot lines in another script)."""
from __future__ import annotations

import json
import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import justext
import numpy as np
from langdetect import detector_factory
from langdetect.detector import Detector
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.language import Language
from langdetect.utils.ngram import NGram


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


class _Scripts(dict):
    """script_of per character, looked up once per character (static Unicode data)."""

    def __missing__(self, ch: str) -> str | None:
        value = self[ch] = script_of(ch)
        return value


_SCRIPT = _Scripts()
_ASCII_BYTES = bytes(range(128))
_ASCII_LETTER_BYTES = bytes(c for c in range(128) if chr(c).isalpha())
_ASCII_LETTER = re.compile("[A-Za-z]")
_new_counter = Counter.__new__  # an empty Counter without __init__'s Python-level update()


def script_counts(text: str) -> Counter:
    """Letters per script, scripts in order of first appearance (ties are broken by that
    order). Works on the UTF-8 bytes, in C: ASCII letters (all LATIN) are counted by
    deleting them, and only the non-ASCII characters, which are usually few, are counted
    one by one and looked up."""
    counts = _new_counter(Counter)
    # UTF-8 writes a non-ASCII character with bytes >= 0x80 only, so deleting ASCII bytes
    # neither touches nor splits them ("surrogatepass": lone surrogates round-trip too).
    data = text.encode("utf-8", "surrogatepass")
    latin = len(data) - len(data.translate(None, _ASCII_LETTER_BYTES))
    if text.isascii():
        if latin:
            counts["LATIN"] = latin
        return counts
    firsts: dict[str, str] = {}  # script -> its first character among the non-ASCII ones
    others = data.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")
    for ch, n in Counter(others).items():
        script = _SCRIPT[ch]
        if script:
            if script in counts:
                counts[script] += n
            else:
                counts[script] = n
                firsts[script] = ch
    if latin:
        counts["LATIN"] = counts.get("LATIN", 0) + latin
    if len(counts) < 2:
        return counts
    # Several scripts: put them in order of their first letter in the whole text.
    first = {script: text.find(ch) for script, ch in firsts.items()}
    if latin:
        at = _ASCII_LETTER.search(text).start()
        if at < first.get("LATIN", at + 1):
            first["LATIN"] = at
    ordered = _new_counter(Counter)
    for script in sorted(counts, key=first.__getitem__):
        ordered[script] = counts[script]
    return ordered


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
    try:
        guesses = _detect_langs(sample, seed)
    except LangDetectException:
        return LanguageGuess(None, 0.0, script)
    best = guesses[0]
    code = best.lang.split("-")[0]  # zh-cn -> zh
    return LanguageGuess(code, round(best.prob, 3), script)


# langdetect's Detector, re-done for speed with the very same arithmetic and the same
# random draws, so the seeded result is identical (a test compares them on real pages):
# the per-character loops of append/cleaning_text become regexes, the n-gram extraction
# is cached per word, and the probability update (a Python loop over 55 languages per
# sampled n-gram, the costliest part) becomes one numpy multiplication. Elementwise
# float64 products and quotients round exactly like Python's; the normalising sum stays
# Python's own sequential sum.
_LATIN_RE = re.compile("[A-z]")  # langdetect's 'A' <= ch <= 'z' (includes [\\]^_`)
_NON_LATIN_RE = re.compile("[\u0300-\u1dff\u1f00-\U0010ffff]")  # >= U+0300, not Latin Extended Additional
_SPACES_RE = re.compile(" {2,}")


def _prepare(text: str) -> str:
    """Detector.append then Detector.cleaning_text."""
    text = Detector.URL_RE.sub(" ", text)
    text = Detector.MAIL_RE.sub(" ", text)
    text = NGram.normalize_vi(text)
    text = _SPACES_RE.sub(" ", text[:10000])  # max_text_length; runs of spaces kept once
    if len(_LATIN_RE.findall(text)) * 2 < len(_NON_LATIN_RE.findall(text)):
        text = _LATIN_RE.sub("", text)
    return text


class _Normalised(dict):
    """str.translate table: NGram.normalize per character, computed once per character."""

    def __missing__(self, code: int) -> str:
        value = self[code] = NGram.normalize(chr(code))
        return value


_NORMALISED = _Normalised()
_WORD_GRAMS: dict[str, list[str]] = {}
_ROWS: dict[str, "np.ndarray"] = {}
_CACHE_LIMIT = 50_000  # entries per cache; emptied when full, so memory stays bounded


def _detect_langs(text: str, seed: int):
    """langdetect's detect_langs(text) with DetectorFactory.seed = seed."""
    detector_factory.init_factory()
    factory = detector_factory._factory
    langlist, known = factory.langlist, factory.word_lang_prob_map
    ngrams = _ngrams(_prepare(text), known)
    if not ngrams:
        raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
    if len(_ROWS) > _CACHE_LIMIT:
        _ROWS.clear()
    n_lang = len(langlist)
    langprob = np.zeros(n_lang)
    rand = random.Random()
    rand.seed(seed)
    choice, n_trial = rand.choice, 7
    for _ in range(n_trial):
        prob = np.full(n_lang, 1.0 / n_lang)
        alpha = Detector.ALPHA_DEFAULT + rand.gauss(0.0, 1.0) * Detector.ALPHA_WIDTH
        weight = alpha / Detector.BASE_FREQ
        factors: dict[str, np.ndarray] = {}
        i = 0
        while True:
            word = choice(ngrams)
            factor = factors.get(word)
            if factor is None:
                row = _ROWS.get(word)
                if row is None:
                    row = _ROWS[word] = np.array(known[word], dtype=np.float64)
                factor = factors[word] = weight + row
            prob *= factor
            if i % 5 == 0:
                prob /= sum(prob.tolist())
                if prob.max() > Detector.CONV_THRESHOLD or i >= Detector.ITERATION_LIMIT:
                    break
            i += 1
        langprob += prob / n_trial
    result = [Language(lang, p) for lang, p in zip(langlist, langprob.tolist()) if p > Detector.PROB_THRESHOLD]
    result.sort(reverse=True)
    return result


def _ngrams(text: str, known) -> list[str]:
    """langdetect's Detector._extract_ngrams (1- to 3-grams, skipping all-caps words) over
    the prepared text. Its state resets at every space, so the n-grams of a word depend
    on the word alone: they are computed once per word and cached. A test checks the
    result equals langdetect's own, order included."""
    if len(_WORD_GRAMS) > _CACHE_LIMIT:
        _WORD_GRAMS.clear()
    words = text.translate(_NORMALISED).split(" ")
    last = len(words) - 1
    result: list[str] = []
    for position, word in enumerate(words):
        if not word:
            continue
        key = word + " " if position < last else word
        grams = _WORD_GRAMS.get(key)
        if grams is None:
            grams = _WORD_GRAMS[key] = _word_ngrams(key, known)
        result += grams
    return result


def _word_ngrams(text: str, known) -> list[str]:
    """The n-grams of normalised text, by langdetect's rules, inlined."""
    result = []
    append = result.append
    grams, capital = " ", False
    for ch in text:
        last = grams[-1]
        if last == " ":
            grams, capital = " ", False
            if ch == " ":
                continue
        elif len(grams) >= 3:
            grams = grams[1:]
        grams += ch
        if ch.isupper():
            if last.isupper():
                capital = True
        else:
            capital = False
        if capital:
            continue
        if ch != " " and ch in known:
            append(ch)
        if len(grams) >= 2:
            if grams[-2:] in known:
                append(grams[-2:])
            if len(grams) == 3 and grams in known:
                append(grams)
    return result


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
