"""The nineteenth speed round's C piece (pipeline/_sitekeys.c): site learning's line keys
and a page's key sets, against the Python they stand in for (siteprofile.line_key,
page_keys) and hashlib's blake2b, on every real line and on random and adversarial
input (issue 15)."""
import hashlib
import random
import subprocess
import sys

import pytest

from pipeline import siteprofile
from pipeline.memo import Remembered
from pipeline.siteprofile import _EDGE_PUNCT, _line_keys, _page_key_sets, fold, line_key, page_keys

from conftest import DATA, SEEDS

kernel = pytest.importorskip("pipeline._sitekeys")

# White space of every kind str.split() knows, the edge punctuation, and letters whose
# case folding changes their length or width (ß, İ, ſ, Kelvin, a combining dot).
_ALPHABET = (list(" \t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000")
             + list(_EDGE_PUNCT) + list("aZ09ß\u0130ıſ\u212a\u0307éЖж中文ｱ\u200b\ufeff") + ["\U0001F600", "\U00010400"])


def _real_lines() -> list[str]:
    paths = sorted(SEEDS.glob("*.txt")) + sorted(DATA.rglob("*.txt"))
    found = {line for p in paths for line in p.read_text("utf-8", errors="replace").split("\n")}
    return sorted(found | {line.strip() for line in found})


def _random_lines(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, rng.choice((3, 12, 60, 400)))))
            for _ in range(count)]


def _python_key(line: str) -> str | None:
    text = fold(line)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest() if text else None


def test_line_keys_equal_line_key_on_real_and_random_lines():
    """The kernel's key of each line is line_key's (fold, UTF-8, blake2b of 8 bytes) on
    every line of the seeds and tests/data, on each of them upper-cased, and on 6,000
    random lines (ASCII ones lowered by the kernel, the others case-folded by str)."""
    lines = _real_lines()
    lines += [line.upper() for line in lines] + _random_lines(6000, 19)
    lines += ["".join(random.Random(k).choice("AbZ z-.:\t\x1f") for _ in range(k % 50)) for k in range(2000)]
    assert kernel.line_keys(lines, _EDGE_PUNCT) == [_python_key(line) for line in lines]
    assert _line_keys(lines) == [line_key(line) for line in lines]


def test_a_str_subclass_is_folded_by_its_own_casefold():
    """A str subclass is case-folded by its casefold method, as line_key calls it."""
    class Shouting(str):
        def casefold(self):
            return str(self).upper()

    assert kernel.line_keys([Shouting("Hello World")], _EDGE_PUNCT) == [line_key(Shouting("Hello World"))]
    assert kernel.line_keys([Shouting("Hello World")], _EDGE_PUNCT) != [line_key("Hello World")]


def test_blake2b_at_every_length_around_the_blocks():
    """blake2b's blocks are 128 bytes, the last one padded: every length from 0 to 700
    bytes, of one-, two-, three- and four-byte characters, equals hashlib's."""
    rng = random.Random(7)
    for length in range(701):
        for text in ("a" * length, "".join(rng.choice("ab€é😀") for _ in range(length))):
            expected = hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest() if text else None
            assert kernel.line_keys([text], "") == [expected]


def test_edges_and_white_space():
    """Only white space or only edge punctuation gives no key; edge punctuation inside a
    line is kept; runs of white space of any kind are one space."""
    cases = ["", " ", "\u3000", "—·—", " - : - ", "-a-", "a - b", "a\u2003\u00a0b", "  a\t\tb  ", "«a»", "\u200ba\u200b",
             "  ABC def ", "Straße", "İstanbul", "\u212aelvin", "ΣΊΣΥΦΟΣ"]
    assert kernel.line_keys(cases, _EDGE_PUNCT) == [_python_key(c) for c in cases]
    assert kernel.line_keys(["a", ""], _EDGE_PUNCT)[1] is None


def test_a_surrogate_is_refused_and_the_python_answers():
    """str.encode('utf-8') refuses a lone surrogate: the kernel raises ValueError, and
    _line_keys then runs the Python, which raises as it did."""
    for line in ("a\ud800b", "\udc80"):
        with pytest.raises(ValueError):
            kernel.line_keys([line], _EDGE_PUNCT)
    with pytest.raises(UnicodeEncodeError):
        _line_keys(["fine", "a\udc80b"])


def test_key_sets_equal_page_keys():
    """_page_key_sets with the kernel equals page_keys (all lines, and those of 4+ words)
    on real pages, random pages, with a memo filled by earlier pages, and with word limits
    0-6; the sets are built in the same order as the Python builds them."""
    pages = [p.read_text("utf-8", errors="replace").split("\n") for p in sorted(SEEDS.glob("*.txt"))]
    pages += [_random_lines(300, seed) for seed in range(5)]
    known = Remembered(line_key)
    for page in pages:
        for min_words in (0, 1, 4, 6):
            keys, long_keys = _page_key_sets(page, min_words, known)
            assert keys == page_keys(page) and long_keys == page_keys(page, min_words)
            assert _page_key_sets(page, min_words) == (keys, long_keys)
    # A line the memo does not hold yet is computed through it (a Remembered's __missing__).
    memo = Remembered(line_key)
    assert kernel.key_sets(["one two three four", "x"], memo, 4) == (
        {line_key("one two three four"), line_key("x")}, {line_key("one two three four")})
    assert set(memo) == {"one two three four", "x"}


def test_key_sets_in_the_pythons_order(monkeypatch):
    """The kernel adds each key in the order the page's distinct lines come, as the
    Python loop does: the two sets iterate alike (a profile's Counter gets its keys in
    that order, and most_common breaks ties by it)."""
    page = _real_lines()[:3000]
    with_kernel = _page_key_sets(page, 4)
    monkeypatch.setattr(siteprofile, "_sitekeys", None)
    without = _page_key_sets(page, 4)
    assert list(with_kernel[0]) == list(without[0]) and list(with_kernel[1]) == list(without[1])


def test_without_the_kernel_learning_runs_the_python():
    """Without the kernel (a build with no C compiler), site learning's keys are the
    Python's."""
    code = ("import sys; sys.modules['pipeline._sitekeys'] = None\n"
            "from pipeline import siteprofile\n"
            "assert siteprofile._sitekeys is None\n"
            "assert siteprofile._page_key_sets(['One two three four', 'x'], 4)[1] == "
            "{siteprofile.line_key('One two three four')}\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(SEEDS.parent))


def test_learning_writes_the_same_profile_with_and_without_the_kernel(tmp_path, monkeypatch):
    """learn_sites over the seeds and tests/data's text pages saves byte for byte the
    same profile files with the kernel and without it."""
    from pipeline.options import Options
    from pipeline.sources import discover

    sources = discover([str(SEEDS), str(DATA)], False, Options(), out=tmp_path / "unused")
    siteprofile.learn_sites(sources, tmp_path / "c", Options().max_input_bytes)
    monkeypatch.setattr(siteprofile, "_sitekeys", None)
    siteprofile.learn_sites(sources, tmp_path / "py", Options().max_input_bytes)
    made = sorted(p.name for p in (tmp_path / "c" / "sites").iterdir())
    assert made and made == sorted(p.name for p in (tmp_path / "py" / "sites").iterdir())
    for name in made:
        assert (tmp_path / "c" / "sites" / name).read_bytes() == (tmp_path / "py" / "sites" / name).read_bytes()
