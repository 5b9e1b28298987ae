"""A line's \\w+ words, shared by the per-line steps.

The line's shape (lineshape.shape_line), the line model's shape (linemodel/shape.py),
the lexicon's word limit, the comment finder's line kinds, the path labelling's weights
and the 4-gram shingles all split the same lines into the same \\w+ words, each in a
table of its own. The split depends on the text alone, so one bounded cache serves
them all: a page's new line is split once, not five times. The value is a tuple:
callers share it and only read it. The split runs in C where the line shape's kernel
is built (`pipeline._shape`, from pipeline/linemodel/_shape.c: the same \\w predicate as re's; the two are
compared over all of Unicode and on real lines by tests/test_shape_kernel.py).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

try:
    from pipeline._shape import words as _c_words, ngrams as _c_ngrams
except ImportError:  # not built (no C compiler at install): re's split
    _c_words = _c_ngrams = None

WORD = re.compile(r"\w+")


def _words_py(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(text))


# Scripts written without spaces (Thai, Lao, Myanmar, Khmer): their marks still part the
# \w runs, as before (a sentence of them is one run otherwise, and its \w pieces are what
# the line model learned to count there).
_UNSPACED_BLOCKS = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF))


@lru_cache(maxsize=1)
def _marked_words() -> tuple[re.Pattern, re.Pattern]:
    """(a search for a combining mark, a word: a \\w character and the \\w characters,
    combining marks and zero-width joiners after it). Made on the first line that holds a
    character a mark could be (once a process: the categories of the BMP's code points, ~20 ms)."""
    category, ranges = unicodedata.category, []
    for c in range(0x300, 0x10000):  # the BMP's: re tests a class of them on a bitmap
        if category(chr(c))[0] == "M" and not any(a <= c <= b for a, b in _UNSPACED_BLOCKS):
            if ranges and ranges[-1][1] == c - 1:
                ranges[-1][1] = c
            else:
                ranges.append([c, c])
    cls = "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)
    return re.compile(f"[{cls}]"), re.compile(f"\\w[\\w{cls}\u200c\u200d]*")


@lru_cache(maxsize=16384)
def words_of(text: str) -> tuple[str, ...]:
    """The line's words, as a tuple (memoised: a pure function of the text): WORD.findall,
    but a combining mark after a word character (a Devanagari or Bengali vowel sign, an
    Arabic vowel, a zero-width non-joiner) stays in its word. \\w alone leaves marks out,
    which cut "में" into "म" and the Hindi stoplist's words matched none of a page's
    words, its one-letter entries (न, द) matched the pieces, and a line counted twice its
    words (ciphered dev pages, docs/quality.md, twenty-fourth round)."""
    words = _c_words(text) if _c_words is not None else _words_py(text)
    if text.isascii():
        return words
    mark, word = _marked_words()
    if mark.search(text) is None:
        return words
    return tuple(word.findall(text))


def word_ngrams(words, size: int) -> set[str]:
    """The words' `size`-grams, each its words joined by a space (none when there are
    fewer than `size` words); made in C where the kernel is built (the same strings:
    tests/test_speed_round17.py)."""
    if _c_ngrams is not None:
        return _c_ngrams(words, size)
    return set(map(" ".join, zip(*[words[i:] for i in range(size)])))
