"""The line model's vectorised shortcuts against the plain definitions they replace, on
real pages: per-line character-class counts, long-line containment, and reasons worked
out only for the lines asked."""
from __future__ import annotations

from conftest import PAGES, SEEDS
from pipeline import linemodel as lm
from pipeline.linemodel import shape as sh
from pipeline.linemodel.containment import containment
from pipeline.normalise import normalise


def _pages():
    for path in sorted(SEEDS.glob("*.txt")) + sorted((PAGES / "text").glob("*.txt")):
        yield normalise(path.read_text("utf-8")).split("\n")


def test_class_counts_are_the_per_character_predicates():
    extra = ["Ünïcode ÀÉ ½ ² ٣ 𝟘 𝐀𝐁 😀 \u00a0x\u2003y",
             "「日本語の文章です。」 한국어", "a | b » c · d"]
    for lines in list(_pages()) + [extra]:
        texts = [t.strip() for t in lines if t.strip()]
        if not texts:
            continue
        got = sh._class_counts(texts)
        want = [[sum(1 for c in t if sh._char_bits(c) & (1 << b)) for b in range(sh._N_CLASSES)] for t in texts]
        assert got.tolist() == want
    assert sh._char_bits("İ") & sh._C_UPPER and sh._char_bits("5") & sh._C_DECIMAL


def test_containment_is_the_pairwise_definition():
    for lines in _pages():
        texts = [t.strip() for t in lines if t.strip()]
        norms = [sh._norm(t) for t in texts]
        long_ids = [k for k, s in enumerate(norms) if len(s) >= 60]
        pairs = [(a, b) for a in long_ids for b in long_ids
                 if a != b and len(norms[b]) > len(norms[a]) and norms[a] in norms[b]]
        counts = {s: norms.count(s) for s in norms}
        assert containment(norms, counts) == ({a for a, _ in pairs}, {b for _, b in pairs})
    norms = ["x" * 70, "y" + "x" * 70, "x" * 70, "z" * 80]
    assert containment(norms, {s: norms.count(s) for s in norms}) == ({0, 2}, {1})


def test_norm_shortcuts_match_norm():
    for lines in _pages():
        texts = [t.strip() for t in lines if t.strip()]
        if texts:
            for t, c in zip(texts, sh._class_counts(texts).tolist()):
                norm = sh._norm(t)
                assert sh.norm_and_shape(t, c) == (norm, sh._DIGITS.sub("0", norm))
    assert sh.norm_and_shape("① Nº 2", [0] * sh._N_CLASSES) == (sh._norm("① Nº 2"), "0 no 0")


def test_reasons_for_some_lines_are_those_of_every_line():
    """classify asks PageScores for the reasons of the lines the model decided only; each
    must be what explaining every line gives (a row's contributions stand alone)."""
    import random

    rng = random.Random(8)
    for lines in list(_pages())[:40]:
        page = lm.score_page(lines, None)
        every = page.reasons(range(len(lines)))
        assert len(every) == len(lines)
        some = rng.sample(range(len(lines)), k=len(lines) // 3)
        assert page.reasons(some) == {i: every[i] for i in some}
        assert page.reasons([]) == {}


def test_linear_time_link_and_date_patterns_find_what_the_plain_regexes_find():
    """_has_email and the look-behind in _DATEISH replace regex forms that backtrack
    quadratically on long runs of non-spaces or digits, and _DATEISH's look-ahead skips
    places no form can start at; they must find the same things."""
    import random
    import re

    linemodel = sh  # the regexes live in the line-shape module

    email = re.compile(r"\S+@\S+\.\w+")
    old_urlish = re.compile(r"https?://|www\.|\S+@\S+\.\w+|(?:^|\s)@\w+|\.(?:com|org|net|co\.uk)\b", re.I)
    old_dateish = re.compile(linemodel._DATEISH_FORMS.replace(r"(?<!\d)", ""), re.I)
    pieces = ["@", ".", "a", "Z", "_", "é", "1", "12", "2019", " ", "\u00a0", "\t", "min", "days", "jan", ":", "-", "/",
              "http://", "www.", ".com", "x@y.z", "５", "Sept", "ſep", "DEC", "Hours", "oct.", "may", "K"]
    rng = random.Random(7)
    for _ in range(30_000):
        s = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert bool(email.search(s)) == linemodel._has_email(s), repr(s)
        assert bool(old_urlish.search(s)) == bool(linemodel._URLISH.search(s) or linemodel._has_email(s)), repr(s)
        assert old_dateish.findall(s) == linemodel._DATEISH.findall(s), repr(s)
