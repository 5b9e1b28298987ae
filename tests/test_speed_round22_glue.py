"""Twenty-second round, the worker's glue and writes (docs/speed.md): each shortcut
against the code it stands in for, on real pages and random text."""
from __future__ import annotations

import random
import sys

import pytest

from pipeline import dedup_corpus

from conftest import PAGES, SEEDS


def _texts() -> list[str]:
    texts = [p.read_text("utf-8", errors="replace") for p in sorted(SEEDS.rglob("*.txt"))]
    texts += [p.read_text("utf-8", errors="replace") for p in sorted((PAGES / "text").rglob("*.txt"))]
    assert len(texts) > 10
    return texts


# Characters from every range that matters to \w and to UTF-8's lengths: ASCII letters,
# digits, "_" and punctuation, Latin-1 letters and signs (ª º µ are \w, « × ÷ are not),
# Greek, Cyrillic, combining marks (not \w), Arabic-Indic and fullwidth digits, CJK,
# the last BMP characters, astral letters and digits, lone surrogates, controls.
_ALPHABET = ("aZ09_ -.,\t\n\r\x00\x7f\x80\x9f\xa0ª«µº×ßé÷ÿ" "ĀſΣςЖ\u0300\u0307\u0301"
             "٣۴０９Ａｚ北京\u3000\ufeff\uffff\U0001d400\U0001d7ce\U00010000\U0010ffff\ud800\udfff")


def _random_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        length = rng.choice([0, 1, 2, 5, 40, 300])
        texts.append("".join(rng.choice(_ALPHABET) for _ in range(length)))
    # one of each kind of str (1, 2 and 4 bytes a character), and every Latin-1 character
    texts += ["plain ascii words", "latin-1 straße café", "two bytes Σ ж", "four bytes 𝐀𝐁 x",
              "".join(map(chr, range(256))), " ".join(map(chr, range(256)))]
    return texts


kernel = pytest.importorskip("pipeline._minhash")


def test_joined_words_equals_the_python_join_on_real_bodies():
    """The kernel's words joined, UTF-8, are the Python's bytes on every seed and test
    page, whole, cut and case-folded as _joined folds them."""
    for text in _texts():
        for body in (text, text[:200], text.casefold(), ""):
            assert kernel.joined_words(body) == " ".join(dedup_corpus.WORD.findall(body)).encode("utf-8")
            assert dedup_corpus._joined(body) == dedup_corpus._joined_python(body)


def test_joined_words_equals_the_python_join_on_random_text():
    for text in _random_texts(4_000, 23):
        expected = " ".join(dedup_corpus.WORD.findall(text)).encode("utf-8")
        assert kernel.joined_words(text) == expected, ascii(text)


def test_joined_words_over_every_code_point():
    """Every character, one at a time between two words: \\w as re reads it, and its
    UTF-8 bytes (surrogates are never \\w, so never encoded)."""
    for start in range(0, sys.maxunicode + 1, 4096):
        text = " ".join(f"a{chr(c)}b" for c in range(start, min(start + 4096, sys.maxunicode + 1)))
        assert kernel.joined_words(text) == " ".join(dedup_corpus.WORD.findall(text)).encode("utf-8")


def test_joined_words_refuses_what_is_not_a_str():
    with pytest.raises(TypeError):
        kernel.joined_words(b"bytes")
    with pytest.raises(TypeError):
        kernel.joined_words(None)


def test_fingerprints_use_the_kernel_join_and_equal_the_python(monkeypatch):
    """packed_fingerprint with the kernel's join equals it with the Python join (the
    kernel's sketch on both), on every test body."""
    bodies = [body for text in _texts() for body in (text, text[:300], "")]
    with_join = [dedup_corpus.packed_fingerprint(body, 5, 128) for body in bodies]
    monkeypatch.setattr(dedup_corpus, "_joined", dedup_corpus._joined_python)
    assert [dedup_corpus.packed_fingerprint(body, 5, 128) for body in bodies] == with_join


# normalise: the three character classes in one scan, NFC not redone on a known NFC text

_NORMALISE_ALPHABET = ("ab Z.\n\t\r\x0b\x0c\x00\x1b\x7f\x85\x9f\xa0\xad&<>;ée\u0301\u0300A\u030a\u2000\u2001\u2002"
                       "\u200a\u200b\u200d\u200e\u202a\u202f\u2028\u2029\u205f\u2060\u2066\u3000\ufeff\ufb01"
                       "\uf900\u1100\u1161\uac00Ã©â€™Â\u201c\u201d\u2502«»©ВСİ\U0001d400\ud800")


def _normalise_texts() -> list[str]:
    rng = random.Random(2212)
    texts = _texts()
    for _ in range(3_000):
        texts.append("".join(rng.choice(_NORMALISE_ALPHABET) for _ in range(rng.choice([1, 3, 10, 60, 400]))))
    words = ["caf\u00e9", "cafe\u0301", "&amp;", "&eacute;", "Ã©tÃ©", "donâ€™t", "Â\xa0", "a\u2000b", "x\u200by",
             "\t", "  ", "<b>", "\x1b[31m", "\u2028", "\ufb01", "\uf900", "\u1100\u1161"]
    for _ in range(1_000):
        texts.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 30))).replace(" ", rng.choice([" ", "\n"])))
    return texts


def test_normalise_equals_every_substitution_run():
    """normalise (the three classes found in one scan, NFC skipped on a text known NFC)
    equals the plain normalise that runs every step on every text: every seed and test
    page, and random texts full of each class's characters, decomposed letters,
    entities, mojibake and characters NFC changes (U+2000, U+F900, jamo)."""
    from conftest import plain_normalise
    from pipeline.normalise import normalise

    for text in _normalise_texts():
        assert normalise(text) == plain_normalise(text), ascii(text[:200])


def test_the_fixed_text_said_nfc_is_nfc():
    import unicodedata

    from pipeline import normalise as n

    said = 0
    for text in _normalise_texts():
        text = n._sub(n._LINE_BREAKS, "\n", text)
        fixed, nfc = n._fix_text_nfc(text)
        assert fixed == n._fix_text(text)
        if nfc:
            said += 1
            assert unicodedata.is_normalized("NFC", fixed), ascii(text[:200])
    assert said > 100


def test_the_three_classes_are_one_scan():
    """The shortcut is on (each class read off its pattern, no character shared), and
    its characters are exactly the three classes' (checked over every code point)."""
    import re
    import sys as _sys

    from pipeline import normalise as n

    assert n._ANY_CHAR is not None
    union = re.compile("|".join(p.pattern for p in n._CHAR_CLASSES))
    for c in map(chr, range(_sys.maxunicode + 1)):
        assert bool(n._ANY_CHAR.match(c)) == bool(union.match(c)), hex(ord(c))


def test_is_bad_by_hint_equals_ftfy_on_every_line():
    """_is_bad trying around each hint character only the alternatives that chose it
    equals ftfy's is_bad (the whole BADNESS_RE) on every line of every seed and test
    page and of random texts, and on windows that start at the text's start."""
    import ftfy.badness

    from pipeline import normalise as n

    assert n._BAD_BY_HINT is not None
    assert set(n._BAD_BY_HINT) == {c for c in map(chr, range(0x110000)) if n._MOJIBAKE_HINT.match(c)}
    rng = random.Random(22)
    hints = sorted(n._BAD_BY_HINT)
    samples = [line for text in _normalise_texts() for line in text.split("\n")]
    # lines made of hint characters and their usual neighbours, where the alternatives meet
    neighbours = hints + list("aZ09 .,;:!?-'\"()\u00a0ÃÂâ€™“”˜ï»¿")
    samples += ["".join(rng.choice(neighbours) for _ in range(rng.randint(1, 12))) for _ in range(20_000)]
    bad = 0
    for line in samples:
        expected = ftfy.badness.is_bad(line)
        assert n._is_bad(line) == expected, ascii(line)
        bad += expected
    assert bad > 1_000


def test_normalise_lines_are_normalise_split():
    from pipeline.normalise import normalise, normalise_lines

    for text in _normalise_texts() + ["", "\n", "a\r\nb\u2028c"]:
        assert normalise_lines(text) == normalise(text).split("\n"), ascii(text[:200])


def test_normalise_without_the_shortcuts_is_the_same(monkeypatch):
    """Where the parse gives no shortcut (another Python or ftfy): the gated
    substitutions and every alternative around each hint, as before, the same text."""
    from conftest import plain_normalise
    from pipeline import normalise as n

    texts = _normalise_texts()[::7]
    monkeypatch.setattr(n, "_ANY_CHAR", None)
    monkeypatch.setattr(n, "_BAD_BY_HINT", None)
    for text in texts:
        assert n.normalise(text) == plain_normalise(text), ascii(text[:200])
