"""The eighteenth speed round's C pieces (pipeline/linemodel/_shape.c) against the Python
they stand in for: lexicon.LineForms, the line model's shape matrix (features.Page) and
its main stretch of prose (_max_subarray), on every real line and page and on random and
adversarial input (issue 15)."""
import math
import random
from collections import Counter
from itertools import chain

import numpy as np
import pytest

from pipeline.comments import load_phrases
from pipeline.lexicon import Lexicon, LineForms, _PyLineForms
from pipeline.linemodel import features
from pipeline.linemodel.shape import pick_stoplist

from conftest import SEEDS, distinct_lines, random_strings, text_pages

kernel = pytest.importorskip("pipeline._shape")


@pytest.fixture(scope="module")
def pages():
    return text_pages()


@pytest.fixture(scope="module")
def lines(pages):
    return distinct_lines(pages)


_ALPHABET = ["a", "B", " ", "  ", "\t", "\x1c", "\x1f", "\x0b", ".", ":", "-", "–", "»", "•", "'", "“", "(", "#",
             "1", "٣", "é", "É", "ß", "İ", "ı", "ſ", "K", "\u0307", "ь", "Ж", "中", "文", "\U0001F600",
             "\U00020000", "\u00a0", "\u2003", "_", "x"]


def _random_lines(count: int, seed: int) -> list[str]:
    return random_strings(_ALPHABET, count, seed)


def _forms(f) -> tuple:
    return f.line, f.spaced, f.folded, f.words, f.low


def test_line_forms_is_the_kernel_s_and_equals_the_python(lines):
    """LineForms is the C type; every attribute equals the Python class's on every real
    line (raw and stripped), on random strings of every width and on edge cases."""
    assert LineForms is kernel.LineForms
    extra = ["", " ", "\t", "İstanbul", "ſ K ı", "  ÀÉ  x ", "“Hello” —", "\u0130\u0307abc", "a\tb\x1fc",
             "日本語 テキスト", ".:;", "-- a --", "a" * 1000, "é" * 600 + " x"]
    checked = 0
    for line in lines + _random_lines(3000, 18) + extra:
        fast, plain = LineForms(line), _PyLineForms(line)
        assert _forms(fast) == _forms(plain), repr(line)
        assert type(fast.words) is int and type(fast.low) is str
        checked += 1
    assert checked > 15_000
    with pytest.raises(TypeError):
        LineForms(b"abc")
    with pytest.raises(TypeError):
        LineForms()
    with pytest.raises(AttributeError):
        LineForms("x").line = "y"


def test_line_forms_candidates_and_matches_equal_the_python(lines):
    """candidates(literals) and every lexicon's answer (the shipped lexicon, the comment
    kinds) are the same with the C LineForms and the Python one; the candidates of the
    last literals asked are kept, as the Python keeps them."""
    lex, phrases = Lexicon.load(), load_phrases()
    sample = lines + _random_lines(1000, 19)
    for line in sample:
        fast, plain = LineForms(line), _PyLineForms(line)
        for literals in (lex._literals, phrases._literals):
            assert fast.candidates(literals) == plain.candidates(literals), repr(line)
        assert fast.candidates(phrases._literals) == plain.candidates(phrases._literals)
        assert lex.match_line(LineForms(line)) == lex.match_line(_PyLineForms(line)), repr(line)
        assert lex.could_match(LineForms(line)) == lex.could_match(_PyLineForms(line)), repr(line)
        assert phrases.first_kind(LineForms(line)) == phrases.first_kind(_PyLineForms(line)), repr(line)

    class Counting:
        calls = 0

        def candidates(self, line, low):
            Counting.calls += 1
            return len(line) + len(low)

    forms, counting = LineForms("Ab c"), Counting()
    assert forms.candidates(counting) == 8 and forms.candidates(counting) == 8 and Counting.calls == 1


def test_without_the_kernel_line_forms_is_the_python_class():
    """Without the kernel (a build with no C compiler), LineForms is the Python class."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['pipeline._shape'] = None\n"
            "from pipeline import lexicon\n"
            "assert lexicon.LineForms is lexicon._PyLineForms\n"
            "assert lexicon.LineForms(' A  b. ').folded == 'a b'\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(SEEDS.parent))


def _page_inputs(page: list[str]):
    stripped = [ln.strip() for ln in page]
    idx = [i for i, t in enumerate(stripped) if t]
    texts = [stripped[i] for i in idx]
    stop = pick_stoplist("en", None)
    return idx, features._per_line(texts, stop), texts, stop


def _page_state(p) -> list:
    state = []
    for name in sorted(vars(p)):
        value = getattr(p, name)
        if isinstance(value, np.ndarray):
            state.append((name, value.dtype.str, value.shape, value.tobytes()))
        elif name not in ("texts", "stop", "log1p_int"):
            state.append((name, repr(value)))
    return state


def test_page_with_the_kernel_equals_the_python(pages, monkeypatch):
    """features.Page (its shape matrix from fill_rows, its main stretch from max_subarray,
    its repeat counts) holds the same floats, bit for bit, and gives the same feature
    columns as with the Python, on every real page."""
    assert features._fill_rows is not None and features._max_subarray_c is not None
    inputs = [_page_inputs(page) for page in pages if any(line.strip() for line in page)]
    fast = [features.Page(*args) for args in inputs]
    monkeypatch.setattr(features, "_fill_rows", None)
    monkeypatch.setattr(features, "_max_subarray_c", None)
    plain = [features.Page(*args) for args in inputs]
    assert len(inputs) > 50
    for (idx, per_line, _, _), a, b in zip(inputs, fast, plain):
        assert _page_state(a) == _page_state(b)
        for feature in features.REGISTRY:
            assert np.asarray(feature.value(a)).tobytes() == np.asarray(feature.value(b)).tobytes(), feature.name
        norms = [norm for _, norm, _ in per_line]
        counts = Counter(norms)
        assert a.repeat_count.tobytes() == np.array([counts[s] - 1 for s in norms], dtype=np.float64).tobytes()


def test_fill_rows_equals_fromiter_and_refuses_what_it_does_not_know():
    width = 4
    rng = random.Random(7)
    values = [0.0, -0.0, 1.5, -2.25, math.nan, math.inf, -math.inf, 1e308, 5e-324, 0, 1, -3, 2 ** 53 + 1, 10 ** 20]
    for trial in range(300):
        n = rng.randint(0, 12)
        per_line = [([rng.choice(values) for _ in range(width)] if rng.random() < 0.5
                     else tuple(rng.choice(values) for _ in range(width)), "norm", "masked") for _ in range(n)]
        out = np.empty((n, width))
        assert kernel.fill_rows(out, per_line, width) is True
        want = np.fromiter(chain.from_iterable(row for row, _, _ in per_line), np.float64, n * width)
        assert out.tobytes() == want.reshape(n, width).tobytes()
    for bad in ([([1.0, 2.0, 3.0], "", "")],  # a short row
                [([1.0, 2.0, 3.0, True], "", "")],  # a bool: not an exact int (the Python takes it)
                [([1.0, 2.0, 3.0, "4"], "", "")],
                [([1.0, 2.0, 3.0, 10 ** 400], "", "")],  # too large for a double
                [[[1.0, 2.0, 3.0, 4.0], "", ""]],  # an item not a tuple
                [({1.0, 2.0, 3.0, 4.0}, "", "")]):
        assert kernel.fill_rows(np.empty((1, width)), bad, width) is False
    assert kernel.fill_rows(np.empty((2, width)), [([1.0] * width, "", "")], width) is False  # sizes differ
    assert kernel.fill_rows(np.empty((1, width), dtype=np.float32), [([1.0] * width, "", "")], width) is False
    with pytest.raises((TypeError, BufferError)):
        kernel.fill_rows(b"12345678" * width, [([1.0] * width, "", "")], width)  # read-only


def test_max_subarray_equals_the_python():
    rng = random.Random(11)
    cases = [[], [0.0], [-1.0], [1.0], [0.0, 0.0], [-2.0, 3.0, -1.0, 4.0, -10.0, 2.0], [math.nan, 1.0],
             [1.0, math.nan, 2.0], [math.inf, -math.inf], [0.1] * 50, [-0.0, 0.0, 0.5]]
    for _ in range(2000):
        cases.append([rng.choice([rng.uniform(-30, 30), float(rng.randint(-8, 40)) / 2, -2.0, 0.0, 0.5])
                      for _ in range(rng.randint(0, 60))])
    for values in cases:
        assert kernel.max_subarray(np.array(values, dtype=np.float64)) == features._max_subarray(values), values
    with pytest.raises(TypeError):
        kernel.max_subarray(np.zeros(3, dtype=np.float32))
