"""Language: langdetect once per document on a bounded sample, seeded so it is repeatable,
plus the Unicode scripts of the text (to spot lines in another script).

One interface, two implementations of langdetect's detector (`detect(..., backend=)`):

- "fast" (the default): `_detect_langs` below, langdetect's Detector re-done with the same
  arithmetic and the same seeded random draws, so its languages and probabilities are
  exactly langdetect's (tests compare the two on the seeds, the test pages and, with the
  development set present, all 1,086 real pages); its seven trials run in C
  (pipeline/_langtrials.c) where that is built, in numpy otherwise;
- "langdetect": the library's own `DetectorFactory`/`Detector`, kept as the reference.

Why the hand-written one is kept: langdetect walks each n-gram of the sample in Python
(dict look-ups per language, a Python random.choice per step, a list of 55 floats
multiplied one by one). On 218 real dev pages' samples (3,000 characters each) it took
16 ms of CPU a page against 5 ms for "fast" with cold caches, and about 2 ms once a
worker's caches of per-word n-gram rows are warm (bench/profile_steps.py): about a tenth
of a page's cleaning time would go to language detection with the library."""
from __future__ import annotations

import bisect
import json
import math
import random
import re
import sys
import threading
import unicodedata
from array import array
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


# Full stops and question marks of scripts beyond Latin and CJK: Devanagari and Bengali
# danda and double danda, the Arabic question mark, the Urdu full stop, the Armenian,
# Ethiopic, Myanmar, Khmer and Tibetan full stops. A prose line of Hindi, Urdu, Amharic...
# ends in one of them, not in ".", and would otherwise never read as ending a sentence.
SCRIPT_SENTENCE_ENDS = "\u0964\u0965\u061f\u06d4\u0589\u1362\u104b\u17d4\u0f0d"


# Scripts that write no full stop (Thai, Lao): a sentence ends at a space or the
# paragraph's end. Their letters' block, U+0E00-U+0EFF.
UNMARKED_STOP_SCRIPTS = ("THAI", "LAO")


def ends_unmarked(text: str, scripts: dict | None = None) -> bool:
    """A line of Thai or Lao read as ending a sentence: it ends (closing quotes, brackets
    and spaces aside) in their letters or marks and holds at least 16 of their letters,
    8 words at two letters a word (a sentence, not a menu's word or a short heading).
    `scripts`: the line's script_letters, when known. Without it no Thai paragraph ended
    a sentence (ciphered dev pages, docs/quality.md, twenty-fourth round)."""
    text = text.rstrip("\"'”’»)] ")
    if not text or not "\u0e00" <= text[-1] <= "\u0eff":
        return False
    if scripts is None:
        scripts = script_letters(text)
    return sum(scripts.get(s, 0) for s in UNMARKED_STOP_SCRIPTS) >= 16


@lru_cache(maxsize=4096)
def script_of(ch: str) -> str | None:
    """The script of a letter: the first word of its Unicode name (LATIN, CYRILLIC, CJK...)."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    if not name:
        return None
    words = name.split(" ", 2)
    first = words[0]
    if first in ("FULLWIDTH", "HALFWIDTH") and len(words) > 1:
        first = words[1]  # "FULLWIDTH LATIN CAPITAL LETTER A", "HALFWIDTH KATAKANA LETTER A": the script
    # Japanese mixes kana with Han; count them as one writing system, with the long-vowel
    # mark "ー" (KATAKANA-HIRAGANA PROLONGED SOUND MARK) and the repetition mark "々"
    # (IDEOGRAPHIC ITERATION MARK), which were scripts of their own.
    return "CJK" if first in _JAPANESE_NAMES else first


_JAPANESE_NAMES = frozenset({"HIRAGANA", "KATAKANA", "CJK", "KATAKANA-HIRAGANA", "IDEOGRAPHIC"})


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
    order)."""
    counts = _new_counter(Counter)
    dict.update(counts, script_letters(text))
    return counts


def script_letters(text: str) -> dict[str, int]:
    """script_counts as a plain dict. Works on the UTF-8 bytes, in C: ASCII letters (all
    LATIN) are counted by deleting them, and only the non-ASCII characters, which are
    usually few, are counted one by one and looked up."""
    # UTF-8 writes a non-ASCII character with bytes >= 0x80 only, so deleting ASCII bytes
    # neither touches nor splits them ("surrogatepass": lone surrogates round-trip too).
    data = text.encode("utf-8", "surrogatepass")
    latin = len(data) - len(data.translate(None, _ASCII_LETTER_BYTES))
    if text.isascii():
        return {"LATIN": latin} if latin else {}
    counts: dict[str, int] = {}
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
    return {script: counts[script] for script in sorted(counts, key=first.__getitem__)}


def _sample(lines: list[str], limit: int) -> str:
    """The longest lines first: body text, not menus, decides the language."""
    return _sample_of(_longest_first(lines, limit), limit)


def _longest_first(lines: list[str], limit: int) -> list[str]:
    """The lines _sample_of takes from sorted(non-empty lines, key=(-len, line)): the
    first m, m the fewest whose lengths reach `limit` (or all), sorted only among those
    as long as the m-th (a page's ~200 lines are sorted by length in C, the key's tuples
    were a Python call a line). sorted(key=len, reverse=True) is stable, so lines of one
    length keep the order of the sort by text before it."""
    by_length = sorted(filter(None, lines), key=len, reverse=True)
    size = m = 0
    for line in by_length:
        if size >= limit:
            break
        size += len(line)
        m += 1
    if not m:
        return []
    shortest, k = len(by_length[m - 1]), m
    while k < len(by_length) and len(by_length[k]) == shortest:
        k += 1
    return sorted(sorted(by_length[:k]), key=len, reverse=True)[:m]


def _sample_of(ordered, limit: int) -> str:
    """The `ordered` lines joined until they reach `limit` characters, the last one cut."""
    picked, size = [], 0
    for line in ordered:
        if size >= limit:
            break
        picked.append(line[: limit - size])
        size += len(picked[-1])
    return "\n".join(picked)


def detect(lines: list[str], sample_chars: int, seed: int, backend: str = "fast") -> LanguageGuess:
    """The page's language from its longest lines (`sample_chars` of them), seeded.
    `backend`: "fast" (default) or "langdetect" (the library itself; same result)."""
    sample = _sample(lines, sample_chars)
    scripts = script_counts(sample)
    script = scripts.most_common(1)[0][0] if scripts else None
    try:
        guesses = _BACKENDS[backend](sample, seed)
    except LangDetectException:
        return LanguageGuess(None, 0.0, script)
    best = guesses[0]
    code = best.lang.split("-")[0]  # zh-cn -> zh
    return LanguageGuess(code, round(best.prob, 3), script)


# langdetect's Detector, re-done for speed with the very same arithmetic and the same
# random draws, so the seeded result is identical (tests compare them on real pages):
# - append/cleaning_text: regexes and byte counts instead of per-character loops;
# - n-grams: langdetect's extraction starts afresh after every space, so the text's
#   n-grams are those of its space-separated tokens in turn, as row numbers of a matrix
#   of the language profiles (_MATRIX): read in C from a table of the profiles' n-grams
#   packed as integers (pipeline._langtrials.GramRows, `_gram_rows`) where that is
#   built, else each token's worked out once and cached (_TOKEN_ROWS, _WORD_ROWS);
# - random draws: random.Random(seed) is a stream of 32-bit words that depends on the
#   seed alone. choice(seq) takes one word per try (its top k bits, k =
#   len(seq).bit_length(), tried again while >= len(seq)); gauss() takes four words every
#   other call. So the stream is made once per seed, in C, and a trial's draws are read
#   from it with numpy;
# - the trials: in C where pipeline._langtrials is built (_trials_in_c: langdetect's loop
#   as it stands, one call a trial), else in numpy (_trials_numpy, below);
# - probability update (numpy): the five products between two normalisations are one numpy
#   multiply.reduce, which multiplies in langdetect's order (float64 products round like
#   Python's). The normalising sum stays Python's own sequential sum, and the largest
#   quotient is the quotient of the largest value (dividing by a positive number keeps
#   the order under rounding).
_LATIN_RE = re.compile("[A-z]")  # langdetect's 'A' <= ch <= 'z' (includes [\\]^_`)
_LATIN_BYTES = bytes(range(ord("A"), ord("z") + 1))
_HIGH_LEAD_BYTES = bytes(range(0xCC, 0x100))  # UTF-8 lead bytes of U+0300 and above
_LATIN_EXTENDED_ADDITIONAL = (b"\xe1\xb8", b"\xe1\xb9", b"\xe1\xba", b"\xe1\xbb")  # U+1E00-U+1EFF
_SPACES_RE = re.compile(" {2,}")


def _prepare(text: str) -> str:
    """Detector.append then Detector.cleaning_text."""
    text = Detector.URL_RE.sub(" ", text)
    if "@" in text:  # MAIL_RE needs one
        text = Detector.MAIL_RE.sub(" ", text)
    if any(mark in text for mark in NGram.DMARK_CLASS):  # normalize_vi needs a mark
        text = NGram.normalize_vi(text)
    # max_text_length; runs of spaces kept once (as _SPACES_RE.sub(" ", ...): each pass
    # halves a run; a sample rarely has one, and `in` finds none faster than the regex)
    text = text[:10000]
    while "  " in text:
        text = text.replace("  ", " ")
    # Latin letters go when the other scripts' letters (>= U+0300, not Latin Extended
    # Additional) are more than twice as many; counted on the UTF-8 bytes.
    data = text.encode("utf-8", "surrogatepass")
    latin = len(data) - len(data.translate(None, _LATIN_BYTES))
    if latin * 2 < len(text) - latin:  # else the others cannot be that many
        non_latin = len(data) - len(data.translate(None, _HIGH_LEAD_BYTES))
        non_latin -= sum(map(data.count, _LATIN_EXTENDED_ADDITIONAL))
        if latin * 2 < non_latin:
            text = _LATIN_RE.sub("", text)
    return text


class _Normalised(dict):
    """str.translate table: NGram.normalize per character, computed once per character."""

    def __missing__(self, code: int) -> str:
        value = self[code] = NGram.normalize(chr(code))
        return value


_NORMALISED = _Normalised()
_CACHE_LIMIT = 50_000  # entries per cache; emptied when full, so memory stays bounded
_ROW_OF: dict[str, int] = {}  # n-gram -> its row in _MATRIX (static profile data)
_MATRIX = np.empty((0, 0))  # grown as n-grams are first met
_MATRIX_LOCK = threading.Lock()


def _rows(grams: list[str], known) -> bytes:
    """The n-grams' rows in _MATRIX (added when new), as int32 bytes."""
    rows = []
    for gram in grams:
        row = _ROW_OF.get(gram)
        rows.append(_added_row(gram, known) if row is None else row)
    return array(_INT32, rows).tobytes()


def _added_row(gram: str, known) -> int:
    """A known n-gram's row in _MATRIX, added when new."""
    global _MATRIX
    with _MATRIX_LOCK:
        row = _ROW_OF.get(gram)
        if row is None:
            row = len(_ROW_OF)
            if row >= len(_MATRIX):
                grown = np.empty((max(2048, 2 * row), len(known[gram])))
                if row:
                    grown[:row] = _MATRIX[:row]
                _MATRIX = grown
            if _copy_row is None or not _copy_row(_MATRIX, row, known[gram]):
                _MATRIX[row] = known[gram]
            _ROW_OF[gram] = row
    return row


# array's C int, 4 bytes here: np.int32's native bytes, which _detect_langs reads back
_INT32 = next(code for code in "ilh" if array(code).itemsize == 4)


def _word_rows(word: str, known) -> bytes:
    """_rows(_word_ngrams(word + " ", known), known) for a word without a space, without
    the list of n-grams: a position's 1-, 2- and 3-grams are the slices of " " + word +
    " " that end there (the window _word_ngrams keeps restarts at a space, and there is
    only the leading one), in the same order. langdetect skips a position whose letter
    and the one before are both upper case; where word[1:] holds no upper-case letter
    (`islower`: no cased letter in it is upper or title case) no position is skipped.
    Checked against the plain path on real words and special cases
    (tests/test_speed_language_writes.py)."""
    if not word:
        return b""
    padded = " " + word + " "
    if _kernel_word_rows is not None and word[1:].islower():  # the loops below, in C
        return _kernel_word_rows(padded, _ROW_OF, known, _added_row)
    upper = None if word[1:].islower() else [ch.isupper() for ch in padded]
    end = len(padded) - 1  # the closing space: its 1-gram is never taken
    grams = []
    add = grams.append
    for i in range(1, end):
        if upper is not None and upper[i] and upper[i - 1]:
            continue
        add(padded[i])
        add(padded[i - 1:i + 1])
        if i >= 2:
            add(padded[i - 2:i + 1])
    add(padded[end - 1:])  # the closing space's 2- and 3-gram
    add(padded[end - 2:])
    rows = []
    append = rows.append
    row_of = _ROW_OF.get
    for gram in grams:
        row = row_of(gram)
        if row is not None:
            append(row)
        elif gram in known:
            append(_added_row(gram, known))
    return array(_INT32, rows).tobytes()


# pipeline._shape.word_rows: _word_rows where no position is skipped, the same rows (the
# loops run in C; tests/test_speed_round14.py). Python's when the kernel is not built, or
# when `known` is not a dict or the rows are not 4-byte ints (the kernel's assumptions).
try:
    from pipeline._shape import word_rows as _kernel_word_rows
except ImportError:
    _kernel_word_rows = None
if _INT32 != "i":
    _kernel_word_rows = None

# pipeline._langtrials.trial: one trial of the detector in C (_trials_in_c). Not used when
# the module is not built or is older than this code, or where the stream's little-endian
# words are not the machine's own.
try:
    from pipeline._langtrials import VERSION as _TRIALS_VERSION, trial as _kernel_trial
except ImportError:
    _TRIALS_VERSION, _kernel_trial = None, None
if _TRIALS_VERSION != 1 or sys.byteorder != "little" or _INT32 != "i":
    _kernel_trial = None


class _WordRows(dict):
    """normalised word -> the rows of the n-grams of the word followed by a space."""

    def __missing__(self, word: str) -> bytes:
        value = self[word] = _word_rows(word, detector_factory._factory.word_lang_prob_map)
        return value


class _TokenRows(dict):
    """token -> the rows of the n-grams of the token followed by a space: those of the
    words it normalises to (punctuation becomes spaces), each followed by a space."""

    def __missing__(self, token: str) -> bytes:
        value = self[token] = b"".join(map(_WORD_ROWS.__getitem__, token.translate(_NORMALISED).split(" ")))
        return value


_WORD_ROWS = _WordRows()
_TOKEN_ROWS = _TokenRows()

# pipeline._langtrials.GramRows: the tokens' rows (`_TOKEN_ROWS`' bytes, joined) in one C
# call a sample, each n-gram a look-up of its packed code points in one table of the
# profiles' n-grams: the word caches above, the str a gram and the profile map's str keys
# made some three cache misses a gram on a page's new words, most of the step in a run.
# Built once for the profile map it reads; None without the module (the caches then).
try:
    from pipeline._langtrials import GRAMS_VERSION as _GRAMS_VERSION, GramRows as _GramRows
except ImportError:
    _GRAMS_VERSION, _GramRows = None, None
if _GRAMS_VERSION != 1 or _INT32 != "i":
    _GramRows = None
_GRAMS = None  # the GramRows of the profile map last read
# pipeline._langtrials.copy_row: a new n-gram's profile row into _MATRIX in C, one pass
# over its 55 floats (numpy's assignment of the list looks it over twice, at some 5 µs a
# row in a run; 14,000 rows over the 1,086 dev dumps). None without the module.
try:
    from pipeline._langtrials import copy_row as _copy_row
except ImportError:
    _copy_row = None


def _gram_rows(known):
    """The GramRows of the profile map `known`, made when first asked (None without C)."""
    global _GRAMS
    if _GramRows is None:
        return None
    grams = _GRAMS
    if grams is None or grams.known is not known:
        with _MATRIX_LOCK:  # the rows it copies from _ROW_OF stay the rows
            grams = _GRAMS = _GramRows(known, _ROW_OF, _NORMALISED)
    return grams
_STREAMS: dict[int, np.ndarray] = {}  # seed -> the first words of random.Random(seed)


def _stream(seed: int, length: int) -> np.ndarray:
    """At least `length` 32-bit words of random.Random(seed), in the order it uses them."""
    words = _STREAMS.get(seed)
    if words is None or len(words) < length:
        size = max(8192, 2 * length)
        # getrandbits(32 * size) lays the words out least significant first
        data = random.Random(seed).getrandbits(32 * size).to_bytes(4 * size, "little")
        words = _STREAMS[seed] = np.frombuffer(data, dtype="<u4")
    return words


def _uniform(high: int, low: int) -> float:
    """random.random() from its two words (CPython's genrand_res53)."""
    return ((high >> 5) * 67108864.0 + (low >> 6)) * (1.0 / 9007199254740992.0)


_FIRST_STEPS = 46  # steps drawn at once: the first, then nine blocks of five
_MORE_STEPS = 50


def _detect_langs(text: str, seed: int):
    """langdetect's detect_langs(text) with DetectorFactory.seed = seed."""
    detector_factory.init_factory()
    factory = detector_factory._factory
    langlist, known = factory.langlist, factory.word_lang_prob_map
    prepared = _prepare(text)
    grams = _gram_rows(known)
    if grams is not None:  # the tokens but the last in C, from the packed n-grams (_GramRows)
        data = grams.rows(prepared, _added_row)
        last = prepared[prepared.rfind(" ") + 1:]
    else:
        for cache in (_TOKEN_ROWS, _WORD_ROWS):
            if len(cache) > _CACHE_LIMIT:
                cache.clear()
        *tokens, last = prepared.split(" ")
        data = b"".join(map(_TOKEN_ROWS.__getitem__, tokens))
    data += _rows(_word_ngrams(last.translate(_NORMALISED), known), known)
    ids = np.frombuffer(data, dtype=np.int32)  # row of each n-gram, in langdetect's order
    n = len(ids)
    if not n:
        raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
    n_lang = len(langlist)
    if _kernel_trial is not None and n_lang <= 256:
        langprob = _trials_in_c(data, seed, n_lang)
    else:
        langprob = _trials_numpy(ids, seed, n_lang)
    result = [Language(lang, p) for lang, p in zip(langlist, langprob) if p > Detector.PROB_THRESHOLD]
    result.sort(reverse=True)
    return result


def _gauss(words, position: int) -> tuple[float, float]:
    """random.gauss(0.0, 1.0)'s z and gauss_next, as random.py computes them, from the
    four stream words at `position`."""
    a, b, c, d = words[position:position + 4].tolist()
    x2pi = _uniform(a, b) * math.tau
    g2rad = math.sqrt(-2.0 * math.log(1.0 - _uniform(c, d)))
    return math.cos(x2pi) * g2rad, math.sin(x2pi) * g2rad


def _trials_in_c(data: bytes, seed: int, n_lang: int) -> array:
    """langdetect's seven trials, each run by pipeline._langtrials.trial (its n-gram
    choices, updates and normalisations in C), the gauss draws here: the same draws and
    arithmetic as _trials_numpy (tests compare both with the library)."""
    words = _stream(seed, 1024)
    langprob = array("d", bytes(8 * n_lang))
    position = 0  # words of the stream used so far
    gauss_next = None
    n_trial = 7
    threshold, limit = Detector.CONV_THRESHOLD, Detector.ITERATION_LIMIT
    for _ in range(n_trial):
        if gauss_next is None:
            if position + 4 > len(words):
                words = _stream(seed, position + 4)
            z, gauss_next = _gauss(words, position)
            position += 4
        else:
            z, gauss_next = gauss_next, None
        alpha = Detector.ALPHA_DEFAULT + (0.0 + z * 1.0) * Detector.ALPHA_WIDTH
        weight = alpha / Detector.BASE_FREQ
        while True:
            end = _kernel_trial(data, _MATRIX, words, position, weight, threshold, limit, langprob, n_trial)
            if end >= 0:
                break
            words = _stream(seed, 2 * len(words))  # the trial ran out of words: again with more
        position = end
    return langprob


def _trials_numpy(ids: np.ndarray, seed: int, n_lang: int) -> list[float]:
    """langdetect's seven trials with numpy (the fallback without the C module)."""
    draws = _Draws(seed, ids)
    position = 0  # words of the stream used so far
    gauss_next = None
    n_trial = 7
    langprob = np.zeros(n_lang)
    uniform = np.full(n_lang, 1.0 / n_lang)
    reduce = np.multiply.reduce
    threshold, limit = Detector.CONV_THRESHOLD, Detector.ITERATION_LIMIT
    for _ in range(n_trial):
        # random.gauss(0.0, 1.0), as random.py computes it
        if gauss_next is None:
            a, b, c, d = draws.words(position, 4)
            position += 4
            x2pi = _uniform(a, b) * math.tau
            g2rad = math.sqrt(-2.0 * math.log(1.0 - _uniform(c, d)))
            z = math.cos(x2pi) * g2rad
            gauss_next = math.sin(x2pi) * g2rad
        else:
            z, gauss_next = gauss_next, None
        alpha = Detector.ALPHA_DEFAULT + (0.0 + z * 1.0) * Detector.ALPHA_WIDTH
        weight = alpha / Detector.BASE_FREQ
        step = 0  # langdetect's i: the number of the next update
        while True:
            count = _FIRST_STEPS if step == 0 else _MORE_STEPS
            start, rows = draws.take(position, count)
            first = 1 if step == 0 else 0  # the first update is normalised on its own
            n_blocks = (count - first) // 5
            # blocks[j, 1:] are the factors of a block of five updates and blocks[j, 0]
            # the probabilities before it, so one reduce runs the block in order and
            # writes its result where the next block starts.
            blocks = np.empty((n_blocks + 1, 6, n_lang))
            np.add(weight, rows[first:].reshape(n_blocks, 5, n_lang), out=blocks[:n_blocks, 1:])
            prob = blocks[0, 0]
            if first:
                np.multiply(uniform, weight + rows[0], out=prob)
                values = prob.tolist()
                total = sum(values)
                prob /= total
                done = max(values) / total > threshold
                step = 1
            else:
                prob[:] = previous
                done = False
            j = 0
            while not done and j < n_blocks:
                prob = blocks[j + 1, 0]
                reduce(blocks[j], 0, out=prob)
                j += 1
                step += 5
                values = prob.tolist()
                total = sum(values)
                prob /= total
                done = max(values) / total > threshold or step > limit
            if done:
                position = draws.ends[start + first + 5 * j - 1]
                break
            position = draws.ends[start + count - 1]
            previous = prob
        langprob += prob / n_trial
    return langprob.tolist()


_LIBRARY_LOCK = threading.Lock()


def _detect_langs_library(text: str, seed: int):
    """langdetect's own detect_langs(text) with DetectorFactory.seed = seed (the seed is
    a class attribute of the library: set and used under a lock)."""
    detector_factory.init_factory()
    with _LIBRARY_LOCK:
        saved = detector_factory.DetectorFactory.seed
        detector_factory.DetectorFactory.seed = seed
        try:
            detector = detector_factory._factory.create()
            detector.append(text)
            return detector.get_probabilities()
        finally:
            detector_factory.DetectorFactory.seed = saved


class _Draws:
    """random.choice over the n-grams, as Random(seed) draws them: the choices a stretch
    of the stream gives (from any position on, they are the tries in it that succeed),
    with the stream position after each and the profile row of the chosen n-gram."""

    def __init__(self, seed: int, ids: np.ndarray) -> None:
        self.seed, self.ids, self.n = seed, ids, len(ids)
        self.shift = 32 - self.n.bit_length()
        self._words = _stream(seed, 1024)
        self._span = 0
        self._extend(1024)
        self._rows = _MATRIX[ids[self._chosen[:512]]]

    def _extend(self, span: int) -> None:
        if span > len(self._words):
            self._words = _stream(self.seed, span)
        tries = self._words[:span] >> self.shift
        accepted = np.flatnonzero(tries < self.n)
        self._span = span
        self._chosen = tries[accepted]
        self.ends = (accepted + 1).tolist()  # stream position after each choice

    def words(self, position: int, count: int) -> list[int]:
        if position + count > len(self._words):
            self._words = _stream(self.seed, position + count)
        return self._words[position:position + count].tolist()

    def take(self, position: int, count: int) -> tuple[int, np.ndarray]:
        """The number of the first choice after stream position `position`, and the
        profile rows of `count` choices from it on."""
        while True:
            start = bisect.bisect_right(self.ends, position)
            if start + count <= len(self.ends):  # so the stretch reaches past position
                break
            self._extend(2 * self._span)
        stop = start + count
        if stop > len(self._rows):
            more = self._chosen[len(self._rows):max(stop, 2 * len(self._rows))]
            self._rows = np.concatenate((self._rows, _MATRIX[self.ids[more]]))
        return start, self._rows[start:stop]


def _ngrams(text: str, known) -> list[str]:
    """langdetect's Detector._extract_ngrams (1- to 3-grams, skipping all-caps words) over
    the prepared text, token by token as _detect_langs reads it. A test checks the result
    equals langdetect's own, order included."""
    *tokens, last = text.split(" ")
    result: list[str] = []
    for token in tokens:
        result += _word_ngrams((token + " ").translate(_NORMALISED), known)
    return result + _word_ngrams(last.translate(_NORMALISED), known)


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


_BACKENDS = {"fast": _detect_langs, "langdetect": _detect_langs_library}


# Scripts written without spaces between words: a word is about two of their characters.
UNSPACED_SCRIPTS = frozenset({"CJK", "THAI"})


def foreign_script_units(text: str, scripts: dict[str, int], page_script: str | None) -> dict[str, int | float]:
    """How much of a line each script writes, for the foreign-script rule (rule
    script.foreign): its letters per script (`scripts`, script_letters(text)), except on
    a line that mixes a script written without word spaces (Japanese, Chinese, Thai) with
    another and holds one of that script's function characters (particles such as の, は,
    が, 的, 了: pipeline/data/stoplists.json, "_cjk_function_chars"), which make it a
    sentence of that language with foreign names in it. There the scripts are weighed in
    words, as length_units does: a run of a spaced script's letters is one word, two
    characters of an unspaced script one word ("Kindle for PCの起動ホットキーがKeePassと被る":
    4 Latin words to 6 Japanese ones, where by letters 18 Latin to 12 made it foreign).
    A line without such a character (a menu's "Action!伝統文化") keeps its letters."""
    if len(scripts) < 2 or not (page_script in UNSPACED_SCRIPTS or UNSPACED_SCRIPTS.intersection(scripts)):
        return scripts
    function_chars = cjk_function_chars()
    if not any(ch in function_chars for ch in text):
        return scripts
    units: dict[str, int | float] = {}
    run_script, run_length = None, 0
    for ch in text + " ":
        script = _SCRIPT[ch]
        if script is not None and script == run_script:
            run_length += 1
            continue
        if run_script is not None:
            units[run_script] = units.get(run_script, 0) + (run_length / 2 if run_script in UNSPACED_SCRIPTS else 1)
        run_script, run_length = script, 1
    return units


@lru_cache(maxsize=None)
def _stoplist_table() -> dict:
    return json.loads((resources.files("pipeline") / "data" / "stoplists.json").read_text("utf-8"))


def _stoplist_names() -> dict[str, str]:
    """Language code -> jusText stoplist name: every stoplist jusText ships, in one file
    that the rules and the line model share."""
    return {k: v for k, v in _stoplist_table().items() if not k.startswith("_")}


def guess_codes() -> tuple[str, ...]:
    """The languages whose stoplists are tried when a page's language is unknown."""
    return tuple(_stoplist_table()["_guess"])


@lru_cache(maxsize=1)
def cjk_function_chars() -> frozenset[str]:
    """Japanese and Chinese particles and function characters: the line model's
    stopwords for text without spaces or a jusText stoplist."""
    return frozenset(_stoplist_table()["_cjk_function_chars"])


@lru_cache(maxsize=1)
def thai_function_words() -> tuple[str, ...]:
    """Thai particles, conjunctions, prepositions, auxiliaries and pronouns: the line
    model's stopwords for Thai, which has no jusText stoplist and writes no space between
    words, so they are counted where they stand in a line."""
    return tuple(_stoplist_table()["_thai_function_words"])


@lru_cache(maxsize=128)
def stopwords(code: str | None) -> frozenset[str]:
    """jusText's stoplist for the language ("pt-br" reads as "pt"), empty when it has
    none (ja, zh...)."""
    names = _stoplist_names()
    name = names.get(code or "") or names.get((code or "").split("-")[0].lower())
    if not name:
        return frozenset()
    return frozenset(w.casefold() for w in justext.get_stoplist(name))
