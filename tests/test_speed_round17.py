"""The seventeenth speed round's C kernels (pipeline/linemodel/_shape.c) against the
Python they stand in for: the lexicon's literal finder (pyahocorasick) and a line's word
n-grams, on every real line and on random strings of every width (issue 15)."""
import functools
import operator
import random

import pytest

from pipeline import classify, dedup_page, lexicon, linewords
from pipeline.lexicon import Lexicon, LineForms, _casefree, _Finder, _finder
from pipeline.linewords import words_of

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


def _py_ngrams(words, size):
    return set(map(" ".join, zip(*[words[i:] for i in range(size)])))


def test_ngrams_equal_the_joined_zip(lines):
    """The kernel's n-grams are the Python expression's strings (equal, so of the same
    canonical width: a string made wider than its characters would equal none), for the
    words dedup_page and classify read and every size the code uses and around it."""
    checked = 0
    for line in lines:
        for words in (dedup_page._tokens(line), [w.casefold() for w in words_of(line)], list(words_of(line))):
            for size in (0, 1, 2, 3, 4, 5):
                got = kernel.ngrams(words, size)
                assert got == _py_ngrams(words, size), (line, size)
                assert kernel.ngrams(tuple(words), size) == got
                checked += bool(got)
    assert checked > 20_000


def test_ngrams_of_random_words_of_every_width():
    rng = random.Random(23)
    pieces = ["a", "Z", "é", "ÿ", "ő", "中", "\uffff", "\U0001F600", "\U00020000", "_", "7", ""]
    for _ in range(3000):
        words = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(0, 9))]
        for size in (1, 2, 3, 4, 6):
            got = kernel.ngrams(words, size)
            expected = _py_ngrams(words, size)
            assert got == expected, (words, size)
            assert sorted(map(ascii, got)) == sorted(map(ascii, expected))
    with pytest.raises(TypeError):
        kernel.ngrams(["a", b"b"], 2)
    with pytest.raises(TypeError):
        kernel.ngrams("ab", 1)


def test_the_shingles_equal_the_python_ones(lines, monkeypatch):
    """dedup_page._shingles and classify._shingles with the kernel and without."""
    tokens = [dedup_page._tokens(line) for line in lines]
    fast = [(dedup_page._shingles(t, 3), dedup_page._shingles(t, 4)) for t in tokens]
    fast_classify = [classify._shingles(line) for line in lines]
    monkeypatch.setattr(linewords, "_c_ngrams", None)
    assert fast == [(dedup_page._shingles(t, 3), dedup_page._shingles(t, 4)) for t in tokens]
    assert fast_classify == [classify._shingles(line) for line in lines]
    assert sum(len(s) > 1 for s in fast_classify) > 1000


def _shipped_literals():
    from pipeline.comments import load_phrases

    return [Lexicon.load()._literals, load_phrases()._literals]


def test_the_candidates_in_c_equal_the_python_method(lines):
    """_Literals.candidates in C (the shipped lexicon's and the comment kinds') equals the
    Python method on every real line and on lines with and without digits of several
    scripts (\\d: ASCII, Arabic-Indic, Devanagari, fullwidth; not superscripts)."""
    rng = random.Random(29)
    extra = []
    for line in lines[::7]:
        for digit in ("7", "٣", "५", "７", "²", "Ⅻ"):
            k = rng.randint(0, len(line))
            extra.append(line[:k] + digit + line[k:])
    checked = 0
    for literals in _shipped_literals():
        assert isinstance(literals.candidates, kernel.LiteralCandidates)
        assert literals.digit_bits
        for line in lines + extra:
            low = _casefree(line)
            assert literals.candidates(line, low) == lexicon._Literals.candidates(literals, line, low), line
            checked += 1
    assert checked > 40_000


def test_candidates_stay_in_python_without_the_kernels_finders(monkeypatch):
    from pipeline.lexicon import _Literals

    monkeypatch.setattr(lexicon, "_KernelFinder", None)
    plain = _Literals([p for rule in Lexicon.load().rules for p in rule.patterns])
    assert "candidates" not in vars(plain)  # the method
    monkeypatch.undo()
    fast = _Literals(plain.patterns)
    assert isinstance(vars(fast)["candidates"], kernel.LiteralCandidates)
    for line in ("Share this article", "Фото: 12 марта", "Read more 2024", "x"):
        assert fast.candidates(line, _casefree(line)) == plain.candidates(line, _casefree(line))
    with pytest.raises(OverflowError):
        kernel.LiteralCandidates(None, None, None, 1 << 64, 0, 0)
    with pytest.raises(TypeError):
        kernel.LiteralCandidates(_Finder({"ab": 1}), None, None, 0, 0, 0)
    empty = kernel.LiteralCandidates(None, None, None, 3, 5, 1)
    assert (empty("ab", "ab"), empty("a1", "a1"), empty("é", "é"), empty("é٣", "é٣")) == (2, 3, 4, 5)


def test_the_kernels_objects_pickle_as_the_lexicon_did(lines):
    """A Lexicon pickled before this round (pyahocorasick pickles): its C finders and
    candidates are made again from what they were made of, and match as before."""
    import pickle

    shipped = Lexicon.load()
    again = pickle.loads(pickle.dumps(shipped))
    assert isinstance(again._literals.candidates, kernel.LiteralCandidates)
    assert again._literals.ascii.masks == shipped._literals.ascii.masks
    for line in lines[::5]:
        assert again.match(line) == shipped.match(line), line
