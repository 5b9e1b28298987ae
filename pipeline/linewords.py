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
from functools import lru_cache

try:
    from pipeline._shape import words as _c_words, ngrams as _c_ngrams
except ImportError:  # not built (no C compiler at install): re's split
    _c_words = _c_ngrams = None

WORD = re.compile(r"\w+")


def _words_py(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(text))


@lru_cache(maxsize=16384)
def words_of(text: str) -> tuple[str, ...]:
    """WORD.findall(text), as a tuple (memoised: a pure function of the text)."""
    return _c_words(text) if _c_words is not None else _words_py(text)


def word_ngrams(words, size: int) -> set[str]:
    """The words' `size`-grams, each its words joined by a space (none when there are
    fewer than `size` words); made in C where the kernel is built (the same strings:
    tests/test_speed_round17.py)."""
    if _c_ngrams is not None:
        return _c_ngrams(words, size)
    return set(map(" ".join, zip(*[words[i:] for i in range(size)])))
