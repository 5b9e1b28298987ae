"""The shortcuts of docs/speed.md "Ninth round: dates, lexicon forms, comment kinds"
against the plain code: the lexicon's digit prefilter (a regex every match of which holds
a `\\d` character is not searched on a line without one), the memoised dates shared by the
line shape, the comment finder and the metadata, the comment finder's line size with the
scripts counted by the shape kernel, its stamp regexes and kind searches skipped where
they cannot match, and an ASCII line's lexicon forms made in C."""
from __future__ import annotations

import random
import re
import sys
import tomllib
from importlib import resources

import pytest

from conftest import DATA, SEEDS
from pipeline import comments
from pipeline.dates import dates_in, find_dates
from pipeline.language import script_letters
from pipeline.lexicon import _PARSER_VERSIONS, Lexicon, LineForms, _digit_required, _Literals, _casefree, _parse_file, fold
from pipeline.linewords import words_of

pytestmark = pytest.mark.skipif(sys.version_info[:2] not in _PARSER_VERSIONS,
                                reason="the prefilter is off on this Python (every regex is searched)")


def _lines() -> list[str]:
    """Every line, raw and stripped, of the seeds and the test pages (all scripts)."""
    paths = sorted(SEEDS.glob("*.txt")) + sorted(DATA.rglob("*.txt"))
    raw = [line for p in paths for line in p.read_text("utf-8", errors="replace").split("\n")]
    return list(dict.fromkeys(raw + [line.strip() for line in raw]))


# Relative dates and comment counts in the scripts whose regexes have no literal a
# non-ASCII line can use (Cyrillic, Vietnamese, Czech, CJK, Hangul), with digits of
# several scripts, and the same lines without a digit.
_BUILT = ["3 дня назад", "вчера, 5 часов назад", "3 ngày trước", "12 phút trước", "před 5 minutami",
          "před 2 dny", "3 分前", "5 小时前", "2 시간 전", "٣ дня назад", "३ ngày trước", "３ 分前",
          "Anna · 4 месяца назад", "Комментарии (12)", "12 комментариев", "評論 (3)", "댓글 7",
          "2 days ago", "vor 3 Tagen", "il y a 5 minutes", "hace 2 horas", "há 4 dias", "3 giorni fa",
          "5 dagen geleden", "2 hari yang lalu", "3 gün önce", "5 minut temu", "2 dagar sedan"]


def _built(rng: random.Random) -> list[str]:
    words = " ".join(_lines()[:4000]).split()
    out = []
    for piece in _BUILT:
        bare = re.sub(r"\d", "", piece)
        for text in (piece, bare, f"{piece} {rng.choice(words)}", f"{rng.choice(words)} {piece}",
                     f"{rng.choice(words)} {bare} {rng.choice(words)}"):
            out.append(text)
    return out


def test_digit_required_only_where_every_match_holds_a_digit():
    sure = [r"\d", r"[0-9]", r"\d+", r"\d{1,2}", r"(?i)a(?:b|c)\s*\d", r"(?:\d|[1-3])x", r"(\d)\1",
            r"(?a)\d", r"x(?:y\d+|\d z)", r"(?>\d)", r"[\d]", r"5"]
    unsure = [r"a|\d", r"\d?", r"\d*", r"\d{0,2}", r"(?:\d|x)", r"[^\d]", r"\D", r"[\d.]", r"(?=\d)x",
              r"[٠-٩]", r"x", r"(?i)\bvor\s+(?:\d+|einer?|einem)\s+Tagen", r"[0-9a]"]
    for source in sure:
        assert _digit_required(re.compile(source)), source
    for source in unsure:
        assert not _digit_required(re.compile(source)), source


def test_a_digit_class_matches_only_what_backslash_d_matches_over_all_of_unicode():
    """The prefilter asks `\\d` of the line; the classes it takes for digits ([0-9], `\\d`,
    under IGNORECASE and ASCII too) match no character `\\d` does not."""
    everything = "".join(map(chr, range(0x110000)))
    digits = set(re.findall(r"\d", everything))
    for source in (r"[0-9]", r"(?i)[0-9]", r"(?i)\d", r"(?a)\d", r"(?ai)[0-9]", r"(?i)[3-7]", r"(?i)5"):
        assert set(re.findall(source, everything)) <= digits, source


def _shipped_patterns():
    folder = resources.files("pipeline") / "data" / "lexicon"
    out = []
    for entry in sorted([*folder.iterdir(), *(folder / "comments").iterdir()], key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            rules, sites = _parse_file(tomllib.loads(entry.read_text("utf-8")), entry.name)
            out += [p for rule in rules + [rule for _, rule in sites] for p in rule.patterns]
    return out


def test_no_line_a_digit_needing_regex_matches_lacks_a_digit():
    """Real and built lines, every shipped regex: a match in a line without a `\\d`
    character would be one the prefilter skips."""
    needing = [p for p in _shipped_patterns() if _digit_required(p)]
    assert len(needing) >= 15  # the comment counts and most relative dates
    lines = _lines() + _built(random.Random(3))
    matched = 0
    for pattern in needing:
        for line in lines:
            if pattern.search(line):
                matched += 1
                assert re.search(r"\d", line), (pattern.pattern, line)
    assert matched > 20


def test_candidates_keep_every_regex_that_matches_and_drop_digit_ones_without_a_digit():
    patterns = _shipped_patterns()
    literals = _Literals(patterns)
    lines = _lines() + _built(random.Random(4))
    dropped = 0
    for line in lines:
        forms = LineForms(line)
        mask = forms.candidates(literals)
        for bit, pattern in enumerate(patterns):
            if pattern.search(line):
                assert mask >> bit & 1, (pattern.pattern, line)
        if not re.search(r"\d", line):
            assert not mask & literals.digit_bits
            dropped += 1
    assert dropped > 1000


def _plain_match(rules, line: str):
    """The first rule matching the line, rule by rule, with no prefilter."""
    folded, words = fold(line), len(words_of(line))
    for rule in rules:
        if rule.matches(line, folded, words):
            return rule.id
    return None


def test_comment_kinds_and_lexicon_answer_as_plain_matching_on_all_scripts():
    """The kinds and their regex searches (find) on lines of every script and the built
    relative dates, with and without digits: as every regex searched."""
    phrases = comments.load_phrases()
    lexicon = Lexicon.load()
    lines = _lines() + _built(random.Random(5))
    for line in lines:
        for kind in ("relative_time", "header", "action", "author_suffix", "form", "not_author"):
            fast = phrases.find(kind, line)
            plain = next((m for rule in phrases.kinds[kind].rules for p in rule.patterns
                          for m in [p.search(line)] if m), None)
            assert (fast and (fast.span(), fast.re.pattern)) == (plain and (plain.span(), plain.re.pattern)), (kind, line)
            assert phrases.kind(kind, line) == (_plain_match(phrases.kinds[kind].rules, line) is not None), (kind, line)
        found = lexicon.match(line)
        assert (found and found.rule.split(".", 1)[1]) == _plain_match(lexicon.rules, line), line


def test_memoised_dates_equal_find_dates():
    lines = _lines() + ["Monday, November 24, 2025 at 3:15 pm EST", "13 Jan, 2026 | 12:42 PM IST", "2025-11-24 01:16"]
    with_dates = 0
    for line in lines:
        plain = find_dates(line)
        assert dates_in(line) == tuple(plain), line
        assert dates_in(line) is dates_in(line)  # the same shared tuple
        with_dates += bool(plain)
    assert with_dates > 50


def _plain_size(stripped: str) -> int:
    words = len(words_of(stripped))
    if stripped.isascii():
        return words
    scripts = script_letters(stripped)
    if scripts and max(scripts, key=scripts.get) in comments._CJK_SCRIPTS:
        return sum(scripts.values()) // 2
    return words


def test_comment_line_size_equals_the_size_with_script_letters():
    lines = [line.strip() for line in _lines() if line.strip()]
    assert sum(not line.isascii() for line in lines) > 1000
    for line in lines:
        assert comments._size(line) == _plain_size(line), line


def test_numeric_dates_and_times_only_on_lines_with_a_digit_pair():
    """_stamp_rest searches _NUMERIC_DATE and _TIME only on a line holding a digit, one of
    - . / :, a digit in a row; every match of theirs does (real lines, built stamps)."""
    rng = random.Random(7)
    stamps = ["10:28", "10:28 am", "10.28 Uhr", "9.05h", "3/4/2024", "2024-03-04", "03.04.24", "1-2-99",
              "12:30:15 PM", "٣:٤٥", "１０:２８", "12.30 p.m.", "7:05h", "2024/1/2"]
    words = " ".join(_lines()[:4000]).split()
    built = [f"{rng.choice(words)} {s} {rng.choice(words)}" for s in stamps for _ in range(5)] + stamps
    matched = 0
    for line in _lines() + built:
        if comments._NUMERIC_DATE.search(line) or comments._TIME.search(line):
            matched += 1
            assert comments._DATE_OR_TIME(line), line
    assert matched > 100
    # the separators under _TIME's IGNORECASE match only themselves (over all of Unicode)
    everything = "".join(map(chr, range(0x110000)))
    assert set(re.findall(r"(?i)[./:-]", everything)) == set("./:-")


def test_comment_find_skips_a_kind_only_without_its_regexes_bits():
    phrases = comments.load_phrases()
    for line in _lines() + _built(random.Random(8)):
        forms = LineForms(line)
        for kind in ("relative_time", "header", "action", "author_suffix"):
            if phrases.find(kind, forms) is None:
                continue
            assert forms.candidates(phrases._literals) & phrases._search_bits[kind], (kind, line)


def _plain_forms(line: str) -> tuple[str, str]:
    from pipeline.lexicon import _EDGE_PUNCT
    spaced = " ".join(line.casefold().split()).lstrip(_EDGE_PUNCT)
    return spaced, spaced.rstrip(_EDGE_PUNCT)


def test_ascii_forms_in_c_equal_casefold_split_join_strip():
    """LineForms' spaced and folded forms of an ASCII line, made by the shape kernel: every
    ASCII character alone and between words, random ASCII strings, real lines."""
    kernel = pytest.importorskip("pipeline._shape")
    from pipeline.lexicon import _EDGE_PUNCT
    ascii_chars = "".join(map(chr, range(128)))
    cases = [c for c in ascii_chars] + [f"Ab{c}Cd" for c in ascii_chars] + [f"{c}x{c}{c}y{c}" for c in ascii_chars]
    rng = random.Random(9)
    cases += ["".join(rng.choice(ascii_chars) for _ in range(rng.randint(0, 40))) for _ in range(20000)]
    cases += ["".join(rng.choice(" \t\x1c-.:A a|>") for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    cases += ["x" * 300 + " \t " + "Y" * 300, ""] + _lines()
    ascii_seen = 0
    for line in cases:
        got = kernel.ascii_forms(line, _EDGE_PUNCT)
        if not line.isascii():
            assert got is None, line
            continue
        ascii_seen += 1
        assert got == (*_plain_forms(line), _casefree(line)), repr(line)
        forms = LineForms(line)
        assert (forms.spaced, forms.folded, forms.low) == (*_plain_forms(line), _casefree(line))
    assert ascii_seen > 25000
    for line in ("Ünïcödé  Line", "İstanbul — ", "ﬁne ſ", "ΣΑΣ"):
        assert kernel.ascii_forms(line, _EDGE_PUNCT) is None
        assert (LineForms(line).spaced, LineForms(line).folded, LineForms(line).low) == (*_plain_forms(line), _casefree(line))
