"""The eleventh speed round's shortcuts against the code they stand in for: the kernel's
line_basics (lineshape.shape_line's stopword count, sentence end and scripts in one C
call) against `_shape_line_py`, and a line shape's once-worked-out `is_cjk` and
`length_units` against the plain expressions, on every line of the seeds and the test
pages, special cases and random strings over the characters each piece treats specially."""
from __future__ import annotations

import dataclasses
import random

import pytest

from conftest import DATA, SEEDS
from pipeline import language, lineshape
from pipeline.classify import _foreign_script
from pipeline.lineshape import _CJK_SCRIPTS, LineShape, _shape_line_py, shape_line
from pipeline.linewords import words_of
from test_speed_paths import foreign_script_plain  # the count _foreign_script shortcuts

SPECIAL = [
    "", "\n", "x.\n", "x\n\n", "Ende.”", "so (da).", "Ja?’ ", "Nein.” (so)]", "»Quote«", "«Quote»", "a]", "…",
    "日本語の文章です。", "한국어 中文，测试。", "Hindi।", "Urdu۔", "Armenian։", "Ethiopic።", "Myanmar။",
    "Khmer។", "Tibetan།", "Straße STRASSE ß ẞ", "ﬁne ﬂow", "İstanbul ıi", "ΟΔΥΣΣΕΥΣ σς", "𝐀𝐁𝐂 😀",
    "x\ud800y", "The the THE tHe", "a' \"b\"", "x.)\"", "x!'\n",
]
STOPLISTS = [frozenset(), language.stopwords("en"), language.stopwords("de"),
             frozenset({"straße", "i̇stanbul", "οδυσσευσ", "ﬁne", "the", "日本語の文章です"}), {"the", "a"}]


def _lines():
    paths = sorted(SEEDS.glob("*.txt")) + sorted(DATA.rglob("*.txt"))
    lines = {line for p in paths for line in p.read_text("utf-8", errors="replace").split("\n")}
    alphabet = list(" \n\u00a0.!?…。！？\"'”’»)]«“(" + lineshape.SCRIPT_SENTENCE_ENDS + "aZßİΣσ日한😀\u0301_1")
    rng = random.Random(11)
    randoms = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 10))) for _ in range(5000)]
    return sorted(lines | {line.strip() for line in lines}) + SPECIAL + randoms


LINES = _lines()


def test_line_basics_equals_the_python():
    if lineshape._line_basics is None:
        pytest.skip("the shape kernel (with line_basics) is not built: the Python runs")
    for stop in STOPLISTS:
        for line in LINES:
            fast = shape_line(3, line, stop, None)
            plain = _shape_line_py(3, line, stop, words_of(line), None)
            assert fast == plain and vars(fast) == vars(plain), line
            assert list(fast.scripts.items()) == list(plain.scripts.items()), line  # their order too
            assert type(fast.ends_sentence) is bool and type(fast.stopword_ratio) is float, line


def test_ends_sentence_of_the_kernel_on_each_ending():
    if lineshape._line_basics is None:
        pytest.skip("the shape kernel (with line_basics) is not built: the Python runs")
    ends = lineshape._SENTENCE_ENDS + lineshape._CLOSERS + lineshape._QUOTES + "a \n"
    for a in ends:
        for b in ends:
            for c in ("", "\n", ")", "\n\n"):
                line = "x" + a + b + c
                assert shape_line(1, line, frozenset(), None).ends_sentence is lineshape._ends_sentence(line), line


def test_cjk_and_length_units_once_a_shape_equal_the_plain_expressions():
    stop = language.stopwords("en")
    for number, line in enumerate(LINES, 1):
        shape = shape_line(number, line, stop, None)
        scripts = shape.scripts
        cjk = bool(scripts) and max(scripts, key=scripts.get) in _CJK_SCRIPTS
        units = sum(scripts.values()) // 2 if cjk else shape.words
        for copy in (shape, shape.renumbered(number + 1), shape):  # asked again, and on a copy
            assert copy.is_cjk() is cjk and copy.length_units() == units, line
        plain = LineShape(**{f.name: getattr(shape, f.name) for f in dataclasses.fields(LineShape)})
        assert plain == shape and repr(plain) == repr(shape)  # the kept values are no fields


def test_foreign_script_and_repetitive_prefilters():
    stop = language.stopwords("en")
    for line in LINES:
        shape = shape_line(1, line, stop, None)
        for script in (None, "LATIN", "CJK", "CYRILLIC", "GREEK", "HANGUL"):
            assert _foreign_script(shape, script) == foreign_script_plain(shape, script), (line, script)
        if shape.words < 20:
            assert not shape.is_repetitive(), line
