"""The seventeenth speed round's C kernels (pipeline/linemodel/_shape.c) against the
Python they stand in for: the lexicon's literal finder (pyahocorasick), on every real
line and on random strings of every width (issue 15)."""
import functools
import operator
import random

import pytest

from pipeline import lexicon
from pipeline.lexicon import Lexicon, LineForms, _casefree, _Finder, _finder

from conftest import DATA, SEEDS

kernel = pytest.importorskip("pipeline._shape")


def _real_lines() -> list[str]:
    paths = sorted(SEEDS.glob("*.txt")) + sorted(DATA.rglob("*.txt"))
    lines = {line for p in paths for line in p.read_text("utf-8", errors="replace").split("\n")}
    return sorted(lines | {line.strip() for line in lines})


@pytest.fixture(scope="module")
def lines():
    return _real_lines()


def _present(masks: dict, text: str) -> int:
    return functools.reduce(operator.or_, (m for literal, m in masks.items() if literal in text), 0)


def _shipped_finders():
    from pipeline.comments import load_phrases

    for literals in (Lexicon.load()._literals, load_phrases()._literals):
        for name in ("ascii", "folded", "raw"):
            got = getattr(literals, name)
            if hasattr(got, "masks"):  # not _no_literals
                yield name, got


def test_the_shipped_literals_are_found_in_c(lines):
    """Every finder of the shipped lexicon and the comment kinds is the kernel's, and it
    gives pyahocorasick's answer (and exactly the literals present) on every real line,
    raw and in its _casefree form."""
    checked = 0
    for name, got in _shipped_finders():
        assert isinstance(got, kernel.LiteralFinder), name
        plain = _Finder(dict(got.masks))
        for line in lines:
            for text in (line, _casefree(line)):
                assert got(text) == plain(text) == _present(got.masks, text), (name, text)
                checked += 1
    assert checked > 20_000


def test_the_finder_equals_pyahocorasick_on_random_strings_of_every_width():
    rng = random.Random(17)
    alphabet = ["a", "b", "c", "d", " ", "é", "ß", "ь", "中", "文", "\u0307", "\U0001F600", "\U00020000", "x", "1"]
    for trial in range(300):
        masks = {}
        for _ in range(rng.randint(1, 12)):
            literal = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
            masks[literal] = rng.choice([1 << rng.randrange(64), rng.randrange(1, 1 << 64), (1 << 64) - 1, 0])
        if trial % 3 == 0:
            masks[""] = 1 << rng.randrange(64)  # in every text (pyahocorasick needs another literal)
        fast, plain = kernel.LiteralFinder(masks), _Finder(masks)
        assert fast.masks is masks
        for _ in range(40):
            text = "".join(rng.choice(alphabet + ["z", "é", "\uffff"]) for _ in range(rng.randint(0, 20)))
            assert fast(text) == plain(text) == (_present(masks, text) | masks.get("", 0)), (masks, text)
    assert kernel.LiteralFinder({})("abc") == 0
    assert kernel.LiteralFinder({"": 2, "ab": 1})("xy") == 2  # an empty literal is everywhere
    overlapping = {"abc": 1, "bcd": 2, "cd": 4, "b": 8, "abcab": 16, "ca": 32, "dd": 64}
    finder = kernel.LiteralFinder(overlapping)
    for text in ("abcabcd", "xabcdd", "cab", "dd", "abca", "bcd"):
        assert finder(text) == _present(overlapping, text) == _Finder(overlapping)(text), text


def test_what_the_kernel_refuses_stays_with_pyahocorasick():
    for masks, error in (({"ab": 1 << 64}, OverflowError), ({"ab": -1}, OverflowError),
                         ({b"ab": 1}, ValueError), ({"ab": "x"}, TypeError)):
        with pytest.raises(error):
            kernel.LiteralFinder(masks)
    assert isinstance(_finder({"ab": 1 << 64}), _Finder)  # a lexicon of more than 64 regexes
    assert _finder({"ab": 1 << 64})("xaby") == 1 << 64
    rng = random.Random(5)
    big = {"".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(30)): 1 for _ in range(3000)}
    with pytest.raises(ValueError):  # a table of more than 4 M cells
        kernel.LiteralFinder(big)
    assert isinstance(_finder(big), _Finder)
    with pytest.raises(TypeError):
        kernel.LiteralFinder({"ab": 1})(b"ab")


def test_the_lexicons_match_as_with_pyahocorasick(lines, monkeypatch):
    """The shipped lexicon and the comment kinds built with the kernel's finders and with
    pyahocorasick's give the same rule for every real line."""
    from pipeline.comments import CommentPhrases, load_phrases

    with_kernel = Lexicon.load()
    phrases = load_phrases()
    monkeypatch.setattr(lexicon, "_KernelFinder", None)
    plain = Lexicon.load()
    plain_phrases = CommentPhrases(phrases.kinds)
    assert isinstance(plain._literals.ascii, _Finder) and isinstance(plain_phrases._literals.ascii, _Finder)
    assert isinstance(with_kernel._literals.ascii, kernel.LiteralFinder)
    matched = 0
    for line in lines:
        got = with_kernel.match(line)
        assert got == plain.match(line), line
        matched += got is not None
        assert phrases.first_kind(LineForms(line)) == plain_phrases.first_kind(LineForms(line)), line
        found, old = phrases.find("relative_time", line), plain_phrases.find("relative_time", line)
        assert (found and found.span()) == (old and old.span()), line
    assert matched > 500

