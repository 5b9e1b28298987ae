#!/usr/bin/env python3
"""The English dev pages written in another script or language, word for word: a measure
of how the pipeline does on a language or script it has no page of.

    python training/cipher.py DEV_DIR OUT_DIR --target arab   (latn, arab, thai, deva, hani, hang)

Then `python training/cv.py OUT_DIR --model FOLD_MODELS ...` cleans the ciphered pages
with English-trained fold models (an unseen language) and scores them against the
ciphered gold; training/compare_cv.py pairs them with the English originals by id.

A substitution of word types, the same over the whole page set (a site's repeated chrome
stays repeated, the gold stays aligned with its dump, a line of the gold is a line of the
dump ciphered):
- English stopwords (jusText's English stoplist) -> the target's jusText stopwords (Thai,
  which has none: the pipeline's Thai function words), by rank: the English ones by their
  frequency over the input pages, the target's (jusText gives no frequencies) shortest
  first, so the density of stopwords survives. Chinese (`hani`), which has no stoplist
  either: the function words of training/data/cipher_zh_function_words.txt in their order,
  and the English articles written as nothing;
- every other word -> a pseudo-word of the target language's letters, of the word's
  length, drawn from langdetect's character bigrams of that language (its own profile,
  shipped with the package), seeded by the word: it reads like the language to an n-gram
  detector and carries no English vocabulary. Case is kept on `latn` and dropped elsewhere.
  Korean: a syllable for about 2.5 letters. Chinese: 1 to 3 Han characters (a word of up to 2 letters, 3 to 9, more), drawn from
  langdetect's Chinese character frequencies;
- English month names and their abbreviations -> the target language's (the pipeline's
  pipeline/data/months.json), so that dates are written as the language writes them;
- punctuation of the script: Arabic comma, semicolon and question mark; the Devanagari
  danda for a full stop; Thai: no full stop or comma, no space between two words of a
  sentence and a space between sentences; Chinese: full-width punctuation ("，", "。",
  "：", "？"...) and no space between two words or after a punctuation mark;
- digits, spaces and other characters kept; the URL's host kept (folds are by site), its
  path words ciphered (percent-encoded beyond ASCII).

Only the English pages are ciphered (another language's page would mix two). Standard
library and the project's own dependencies (jusText, langdetect) only.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import justext  # noqa: E402
from langdetect import detector_factory  # noqa: E402

from pipeline.language import script_of  # noqa: E402

# target -> (language code written in the manifest, langdetect profile, jusText stoplist
# language (Thai: the pipeline's Thai function words, stoplists.json) or None, the
# script's letters, case kept)
TARGETS = {
    "latn": ("id", "id", "id", "LATIN", True),
    "arab": ("ar", "ar", "ar", "ARABIC", False),
    "thai": ("th", "th", "th", "THAI", False),
    "deva": ("hi", "hi", "hi", "DEVANAGARI", False),
    "hani": ("zh", "zh-cn", "zh", "CJK", False),
    "hang": ("ko", "ko", "ko", "HANGUL", False),
}
_WORD = re.compile(r"[^\W\d_]+")
_STOPLISTS = json.loads((ROOT / "pipeline" / "data" / "stoplists.json").read_text(encoding="utf-8"))


def _letters_of(script: str, word: str) -> bool:
    """A word of `script`'s letters and combining marks (a Hindi stopword's vowel signs,
    an Arabic one's tanween), starting with a letter; no digit, no punctuation."""
    return word[:1].isalpha() and all(script_of(ch) == script or _mark(ch) for ch in word)


@lru_cache(maxsize=None)
def _bigrams(profile: str, script: str, lower: bool) -> dict[str, tuple[list[str], list[int]]]:
    """langdetect's character bigrams of a language, of its script's letters and word edges
    (" "): previous character -> (next characters, counts); lower-cased with `lower` (the
    word's own case is put back)."""
    path = Path(detector_factory.PROFILES_DIRECTORY) / profile
    freq = json.loads(path.read_text(encoding="utf-8"))["freq"]
    table: dict[str, dict[str, int]] = {}
    for gram, n in sorted(freq.items()):
        if len(gram) != 2 or gram == "  ":
            continue
        if not all(ch == " " or script_of(ch) == script or (ch.isprintable() and not ch.isalnum() and _mark(ch))
                   for ch in gram):
            continue
        if lower:
            gram = gram.lower()
        nxt = table.setdefault(gram[0], {})
        nxt[gram[1]] = nxt.get(gram[1], 0) + n
    return {a: (list(nxt), list(nxt.values())) for a, nxt in table.items()}


def _mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Mc")


class Cipher:
    """One target's word map. `counts`: English word frequencies over the pages (for the
    stopwords' ranks); a pure function of them and the target."""

    def __init__(self, target: str, counts: Counter):
        self.target = target
        self.lang, self.profile, stop_lang, self.script, self.cased = TARGETS[target]
        english = justext.get_stoplist("English")
        ranked = sorted(english, key=lambda w: (-counts.get(w, 0), len(w), w))
        theirs: list[str] = []
        if stop_lang == "th":  # no jusText stoplist: the pipeline's Thai function words
            theirs = sorted(_STOPLISTS["_thai_function_words"], key=lambda w: (len(w), w))
        elif stop_lang == "zh":  # no jusText stoplist: a list in frequency order, no articles
            ranked = [w for w in ranked if w not in _ARTICLES]
            theirs = _zh_function_words()
        elif stop_lang:
            theirs = sorted((w for w in justext.get_stoplist(_STOPLISTS[stop_lang])
                             if "\u0640" not in w and _letters_of(self.script, w) and w not in english),
                            key=lambda w: (len(w), w))
        self.stop = dict(zip(ranked, theirs))
        self.month = _month_map(self.lang)
        self.table = _bigrams(self.profile, self.script, self.cased)
        self.taken = set(self.stop.values()) | set(self.month.values())
        self.memo: dict[str, str] = {w: "" for w in _ARTICLES} if stop_lang == "zh" else {}
        if stop_lang == "zh":
            self.han = _han_frequencies(self.profile)

    def word(self, word: str) -> str:
        low = word.lower()
        out = self.memo.get(low)
        if out is None:
            out = self.month.get(low) or self.stop.get(low) or self._pseudo(low)
            self.memo[low] = out
        if self.cased and word[:1].isupper():
            return out.upper() if len(word) > 1 and word.isupper() else out[:1].upper() + out[1:]
        return out

    def _pseudo(self, low: str) -> str:
        """A pseudo-word of `low`'s length in letters (marks do not count), seeded by the word
        alone; drawn again (next seed) while it is a target stopword."""
        for attempt in range(50):
            seed = hashlib.md5(f"{self.target}\0{low}\0{attempt}".encode()).digest()
            rng = random.Random(seed)
            if self.target == "hani":
                chars, weights = self.han
                word = "".join(rng.choices(chars, weights, k=1 if len(low) <= 2 else 2 if len(low) <= 9 else 3))
                if word not in self.taken:
                    return word
                continue
            out, prev, letters = [], " ", 0
            # a Hangul syllable writes about 2.5 Latin letters' sounds
            size = max(1, round(len(low) / 2.5)) if self.script == "HANGUL" else len(low)
            while letters < size:
                nxt, weights = self.table.get(prev) or self.table[" "]
                ch = rng.choices(nxt, weights)[0]
                if ch == " ":  # a word edge too early: start a fresh letter
                    nxt, weights = self.table[" "]
                    ch = rng.choices(nxt, weights)[0]
                    if ch == " " or _mark(ch):
                        continue
                out.append(ch)
                prev = ch
                letters += not _mark(ch)
            word = "".join(out)
            if word not in self.taken:
                return word
        return word

    def line(self, text: str) -> str:
        parts, at = [], 0
        for m in _WORD.finditer(text):
            parts.append(self._gap(text[at:m.start()], at > 0, True))
            parts.append(self.word(m.group()))
            at = m.end()
        parts.append(self._gap(text[at:], at > 0, False))
        return "".join(parts)

    def _gap(self, gap: str, after_word: bool, before_word: bool) -> str:
        """What lies between two words (or a word and the line's edge), in the script's
        punctuation. A full stop ends a sentence when it follows a word and a space, a
        quote or the line's end follows it (not in "realtor.com" or "3.5")."""
        if not gap:
            return gap
        if self.target == "arab":
            return gap.translate(_ARABIC)
        stop = after_word and _SENTENCE_STOP.match(gap) and (len(gap) > 1 or not before_word)
        if self.target == "deva":
            return "\u0964" + gap[1:] if stop else gap
        if self.target == "hani":
            if stop:
                gap = "\u3002" + gap[1:]
            elif after_word or before_word:  # "at 07:52. Then": the stop after a number
                gap = _STOP_IN_GAP.sub("\u3002", gap)
            # full-width marks, but for a time's or a number's "07:52", "1,000"
            gap = _BETWEEN_DIGITS.sub(lambda m: m.group().translate(_FULLWIDTH), gap)
            if after_word and before_word and not gap.strip(" '-\u2019"):
                return ""  # two words of one sentence (or of "it's", "well-known")
            # no space after a full-width mark, nor before one
            return re.sub(r"(?<=[\u3002\uff0c\uff1a\uff1b\uff1f\uff01\uff08\uff09\u3001]) +| +(?=[\u3002\uff0c\uff1a\uff1b\uff1f\uff01\uff08\uff09])", "", gap)
        if self.target == "thai":
            if stop:  # no full stop: the space after it parts two sentences
                return gap[1:]
            if after_word and before_word and not gap.strip(" ,"):
                return ""  # two words of one sentence: no space between them (nor comma)
            return gap
        return gap

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        path = _WORD.sub(lambda m: quote(self.word(m.group())), parts.path)
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


_ENGLISH_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                   "october", "november", "december")


def _month_map(language: str) -> dict[str, str]:
    """English month names and abbreviations -> the target language's (the pipeline's
    months.json: its first name, and its first short one for an abbreviation), so a
    ciphered page's dates are written as that language writes them ("5 ديسمبر 2024",
    though in the English order: "ديسمبر 5، 2024" is read by no pattern). jusText's
    English stoplist holds the month names; "may", a modal verb more often, stays a
    stopword."""
    table = json.loads((ROOT / "pipeline" / "data" / "months.json").read_text(encoding="utf-8"))["languages"]
    if language not in table:
        return {}
    out = {}
    for english, names in zip(_ENGLISH_MONTHS, table[language]["months"]):
        full = names[0]
        short = next((n for n in names[1:] if len(n) <= 4 or "." in n), full)  # "des", "ธ.ค."
        for word, theirs in ((english, full), (english[:3], short), ("sept" if english == "september" else "", short)):
            if word and word != "may":
                out[word] = theirs
    return out


_ARABIC = str.maketrans({",": "\u060c", ";": "\u061b", "?": "\u061f"})
_FULLWIDTH = str.maketrans({",": "\uff0c", ":": "\uff1a", ";": "\uff1b", "?": "\uff1f", "!": "\uff01",
                            "(": "\uff08", ")": "\uff09"})
_ARTICLES = ("the", "a", "an")
_STOP_IN_GAP = re.compile(r"(?<=\d)\.(?=\s)")
_BETWEEN_DIGITS = re.compile(r"(?<!\d)[,:]|[,:](?!\d)|[;?!()]")


@lru_cache(maxsize=None)
def _zh_function_words() -> list[str]:
    path = ROOT / "training" / "data" / "cipher_zh_function_words.txt"
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]


@lru_cache(maxsize=None)
def _han_frequencies(profile: str) -> tuple[list[str], list[float]]:
    """langdetect's single Han characters of a language and their frequencies' square roots
    (its profile counts a cluster of rare characters under one, which would otherwise
    fill the pseudo-words)."""
    path = Path(detector_factory.PROFILES_DIRECTORY) / profile
    freq = json.loads(path.read_text(encoding="utf-8"))["freq"]
    chars = sorted(g for g in freq if len(g) == 1 and script_of(g) == "CJK" and "CJK UNIFIED" in unicodedata.name(g, ""))
    return chars, [freq[c] ** 0.5 for c in chars]
# A full stop after a word: the gap starts with it and a space, a quote or the gap's end follows.
_SENTENCE_STOP = re.compile(r"\.(?=\s|$|[\"'”’)\]])")


def english_ids(dev: Path) -> list[dict]:
    rows = [json.loads(ln) for ln in (dev / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    return [r for r in rows if r.get("language") == "en"]


def word_counts(dev: Path, rows: list[dict]) -> Counter:
    counts: Counter = Counter()
    for r in rows:
        counts.update(w.lower() for w in _WORD.findall((dev / "text" / f"{r['id']}.txt").read_text(encoding="utf-8")))
    return counts


def cipher_dir(dev: Path, out: Path, target: str) -> int:
    rows = english_ids(dev)
    cipher = Cipher(target, word_counts(dev, rows))
    for sub in ("text", "gold"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    manifest = []
    for r in rows:
        pid = r["id"]
        for sub in ("text", "gold"):
            src = (dev / sub / f"{pid}.txt").read_text(encoding="utf-8")
            (out / sub / f"{pid}.txt").write_text("\n".join(cipher.line(ln) for ln in src.split("\n")), encoding="utf-8")
        gold = json.loads((dev / "gold" / f"{pid}.json").read_text(encoding="utf-8"))
        meta = {"id": pid, "source": gold.get("source"), "url": cipher.url(gold["url"]) if gold.get("url") else None,
                "title": cipher.line(gold["title"]) if gold.get("title") else None,
                "author": cipher.line(gold["author"]) if isinstance(gold.get("author"), str) else None,
                "date": gold.get("date"), "language": cipher.lang, "cipher": target}
        (out / "gold" / f"{pid}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        row = dict(r, language=cipher.lang, url=cipher.url(r["url"]) if r.get("url") else r.get("url"), cipher=target)
        manifest.append(row)
    (out / "manifest.jsonl").write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in manifest), encoding="utf-8")
    return len(manifest)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dev")
    ap.add_argument("out")
    ap.add_argument("--target", choices=sorted(TARGETS), required=True)
    args = ap.parse_args()
    n = cipher_dir(Path(args.dev), Path(args.out), args.target)
    print(f"{n} English pages ciphered to {args.target} in {args.out}")


if __name__ == "__main__":
    main()
