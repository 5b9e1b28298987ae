"""The lexicon's regex prefilter reads literals off `re`'s private parse tree
(lexicon._required_literals): a line holding none of a regex's literals is not searched.
Checked here against `re` itself, on the shipped rule files: every character the
literals are made of, against every Unicode code point `re` matches to it; every line a
rule's regex matches (real page lines, and strings generated to match each regex); and
the lexicons' answers with the prefilter against plain rule-by-rule matching."""
from __future__ import annotations

import functools
import operator
import random
import re
import sys
import tomllib
from importlib import resources

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, SEEDS
from pipeline import comments
from pipeline.lexicon import (_PARSER_VERSIONS, Lexicon, LineForms, _any_char, _ascii_char, _casefree, _Finder,
                              _Literals, _parse_file, fold)
from pipeline.linewords import words_of


def _shipped_rules():
    """(file, rule) for every rule of every shipped rule file, site rules included."""
    out = []
    folder = resources.files("pipeline") / "data" / "lexicon"
    for entry in sorted([*folder.iterdir(), *(folder / "comments").iterdir()], key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            rules, sites = _parse_file(tomllib.loads(entry.read_text("utf-8")), entry.name)
            out += [(entry.name, rule) for rule in rules + [rule for _, rule in sites]]
    return out


RULES = _shipped_rules()
PATTERNS = [(name, p) for name, rule in RULES for p in rule.patterns]
pytestmark = pytest.mark.skipif(sys.version_info[:2] not in _PARSER_VERSIONS,
                                reason="the prefilter is off on this Python (every regex is searched)")


def _real_lines():
    paths = sorted(SEEDS.glob("*.txt")) + sorted(DATA.rglob("*.txt"))
    return sorted({line for p in paths for line in p.read_text("utf-8", errors="replace").split("\n")})


def test_the_prefilter_applies_to_most_shipped_regexes():
    assert len(PATTERNS) > 20
    with_literals = [p for _, p in PATTERNS if _Literals.of([p]) is not None]
    assert len(with_literals) > len(PATTERNS) * 3 // 4
    # character classes give literals ("[/|©]", "(?:＝|=)"), caseless scripts too ("前")
    for source in ("(?:＝|=)", "撮影|提供", ")前", "[/|©]"):
        assert any(source in p.pattern for _, p in PATTERNS), source
        assert all(_Literals.of([p]) is not None for _, p in PATTERNS if source in p.pattern), source


def test_no_real_line_a_regex_matches_is_skipped():
    lines = _real_lines()
    matched = 0
    for name, pattern in PATTERNS:
        literals = _Literals.of([pattern])
        if literals is None:
            continue
        for line in lines:
            if pattern.search(line):
                matched += 1
                assert literals.maybe(line, _casefree(line)), (name, pattern.pattern, line)
    assert matched > 50  # the real lines exercise the rules


@settings(max_examples=800, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(PATTERNS).flatmap(lambda np: st.tuples(st.just(np), st.from_regex(np[1]))))
def test_no_generated_match_is_skipped(case):
    (name, pattern), text = case
    if not pattern.search(text):  # from_regex's idea of the regex, checked with re's
        return
    literals = _Literals.of([pattern])
    if literals is not None:
        assert literals.maybe(text, _casefree(text)), (name, pattern.pattern, text)


# Every Unicode code point, surrogates included (a str may hold them), one a line.
ALL = "\n".join(map(chr, range(sys.maxunicode + 1)))


def _atoms(items, ignorecase, out):
    """(characters, case-insensitive) of every literal character and character class
    in a parsed regex, with the flags in force there."""
    import re._constants as c

    for op, av in items:
        if op is c.LITERAL:
            out.add(((chr(av),), ignorecase, False))
        elif op is c.IN and all(o in (c.LITERAL, c.RANGE) for o, _ in av):
            members = []
            for o, v in av:
                members += [chr(v)] if o is c.LITERAL else map(chr, range(v[0], v[1] + 1))
            out.add((tuple(members), ignorecase, True))
        elif op is c.SUBPATTERN:
            flag = (ignorecase or bool(av[1] & re.IGNORECASE)) and not av[2] & re.IGNORECASE
            _atoms(av[3].data, flag, out)
        elif op is c.ATOMIC_GROUP:
            _atoms(av.data, ignorecase, out)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            _atoms(av[2].data, ignorecase, out)
        elif op is c.BRANCH:
            for alternative in av[1]:
                _atoms(alternative.data, ignorecase, out)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            _atoms(av[1].data, ignorecase, out)
    return out


def test_every_literal_character_against_all_of_unicode():
    """The prefilter's one assumption, per character: where `re` matches a literal's
    character (or a class's) to a code point x, a pure-ASCII line's lowered form holds
    _ascii_char there, and any line's _casefree form holds the character lowered where
    _any_char says so. Checked for every character and class of the shipped regexes
    against every code point: `re` finds the x (one search over all of them)."""
    import re._parser as parser

    atoms = set()
    for _, pattern in PATTERNS:
        _atoms(parser.parse(pattern.pattern, pattern.flags).data, bool(pattern.flags & re.IGNORECASE), atoms)
    assert len(atoms) > 150
    checked = 0
    for members, ignorecase, is_class in sorted(atoms):
        body = "[" + "".join(map(re.escape, members)) + "]" if is_class else re.escape(members[0])
        for x in re.compile(("(?i)" if ignorecase else "") + "^" + body + "$", re.M).findall(ALL):
            checked += 1
            low = _casefree(x)
            ok = []
            for ch in members:
                twin = _ascii_char(ch, ignorecase)
                # ASCII lines: the twin is x lowered ("": no ASCII line holds ch; None: unused)
                as_ascii = not x.isascii() or twin is None or twin == low
                # any line: folded, ch lowered is x's _casefree form; raw: x is ch
                as_any = (low == ch.lower()) if _any_char(ch, ignorecase) else (ignorecase or x == ch)
                ok.append(as_ascii and as_any)
            assert any(ok), (members, ignorecase, is_class, hex(ord(x)))
    assert checked > len(atoms)  # each matches itself, a letter its other case too


def test_case_rules_hold_for_every_character_of_unicode():
    """Beyond the shipped rules' characters: under IGNORECASE `re` matches x to c when
    their simple lowercase is the same or re/_casefix.py pairs them. So (1) every
    character _caseless admits is matched to itself only; (2) every character matched
    to an ASCII letter has that letter as its _casefree form; (3) _ascii_char finds the
    ASCII twins of non-ASCII characters (the Kelvin sign, 'ſ', 'ı', 'İ')."""
    import _sre
    from re._casefix import _EXTRA_CASES

    from pipeline.lexicon import _caseless

    def twins_of(k):  # the code points `re` may match to code point k under IGNORECASE
        lo = _sre.unicode_tolower(k)
        return {lo, *_EXTRA_CASES.get(lo, ())}

    ascii_twins = {}
    for k in range(sys.maxunicode + 1):
        x = chr(k)
        lowered = twins_of(k)
        for other in lowered - {k}:
            assert not _caseless(chr(other)), (hex(k), hex(other))
        if _caseless(x):
            assert lowered == {k}, hex(k)
        ascii = {chr(o) for o in lowered if o < 128}
        if ascii and k >= 128:
            ascii_twins[x] = ascii
            assert _casefree(x) in ascii, (hex(k), ascii)
    assert set(ascii_twins) == {"\u0130", "\u0131", "\u017f", "\u212a"}
    for x, ascii in ascii_twins.items():
        assert _ascii_char(x, True) in ascii and _ascii_char(x, False) == ""


def test_casefree_lowers_character_by_character():
    """A literal found in the line is found in its _casefree form, character for
    character: lowering depends on no neighbour, but for the final sigma (no literal
    character: it is cased non-ASCII), and dropping U+0307 only joins."""
    for k in range(sys.maxunicode + 1):
        x = chr(k)
        if x != "\u03a3":
            assert _casefree("a" + x + "b") == "a" + _casefree(x) + "b", hex(k)
            assert _casefree("é" + x + "ь") == "é" + _casefree(x) + "ь", hex(k)


def test_the_finder_sees_literals_inside_and_across_the_ones_it_takes():
    masks = {"abc": 1, "bcd": 2, "cd": 4, "b": 8, "abcab": 16, "ca": 32, "dd": 64}
    finder = _Finder(masks)
    rng = random.Random(3)
    for _ in range(5000):
        text = "".join(rng.choice("abcdx") for _ in range(rng.randint(0, 12)))
        present = 0
        for literal, mask in masks.items():
            if literal in text:
                present |= mask
        found = finder(text)
        assert found & present == present, (text, found, present)
        if not present:
            assert found == 0, text


def _trie(literals) -> str:
    """The regex trie the finder was before the eighth round (the longest literal first)."""
    trie: dict = {}
    for literal in literals:
        node = trie
        for ch in literal:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        if "" in node and len(node) == 1:
            return ""
        parts = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            parts.append("")
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    return pattern(trie)


class _TrieFinder:
    """The finder before the eighth round: one regex trie's findall (leftmost, longest,
    not overlapping), each literal taken standing for every literal that can start
    inside or across it."""

    def __init__(self, masks):
        self.all = re.compile(_trie(masks)).findall
        self.masks = {taken: functools.reduce(operator.or_, (
            mask for other, mask in masks.items()
            if other in taken or any(other.startswith(taken[k:]) for k in range(1, len(taken)))), 0)
            for taken in masks}

    def __call__(self, text):
        return functools.reduce(operator.or_, (self.masks[literal] for literal in self.all(text)), 0)


def test_the_automaton_finds_exactly_the_literals_present_within_the_tries_masks():
    """The Aho-Corasick finder gives the masks of exactly the literals a text holds
    (overlapping, inside one another, at the ends), on random strings of overlapping
    literals and on every real line with the shipped lexicon's and the comment kinds'
    literals: never fewer bits than a literal present needs, never more than the regex
    trie it replaced gave."""
    masks = {"abc": 1, "bcd": 2, "cd": 4, "b": 8, "abcab": 16, "ca": 32, "dd": 64, "é": 128, "\U0001F600x": 256}
    finder, trie = _Finder(masks), _TrieFinder(masks)
    rng = random.Random(11)
    for _ in range(5000):
        text = "".join(rng.choice(["a", "b", "c", "d", "x", "é", "\U0001F600"]) for _ in range(rng.randint(0, 14)))
        present = functools.reduce(operator.or_, (mask for literal, mask in masks.items() if literal in text), 0)
        assert finder(text) == present, text
        assert trie(text) & present == present, text
    assert _Finder({"": 2, "ab": 1})("xy") == 2  # an empty literal is everywhere
    from pipeline.comments import load_phrases

    lines = _real_lines()
    literal_sets = [Lexicon.load()._literals, load_phrases()._literals]
    checked = 0
    for literals in literal_sets:
        for name in ("ascii", "folded", "raw"):
            got = getattr(literals, name)
            if not hasattr(got, "masks"):  # _no_literals
                continue
            plain = _TrieFinder(dict(got.masks))
            for line in lines:
                for text in (line, _casefree(line)):
                    new, old = got(text), plain(text)
                    present = functools.reduce(operator.or_, (m for lit, m in got.masks.items() if lit in text), 0)
                    assert new == present and new & old == new, (name, text)
                    checked += 1
    assert checked > 1000


def _plain(rules, line):
    """The first rule that matches, rule by rule, every regex searched: no prefilter."""
    folded, words = fold(line), len(words_of(line))
    return next((f"{r.family}.{r.id}" for r in rules if r.matches(line, folded, words)), None)


def test_lexicons_answer_as_plain_matching_on_every_real_line():
    """The shipped lexicon (with every site's rules), the comment kinds and their
    any_kind gate: the same answer with the prefilter as rule by rule, on every line of
    the seeds and the test pages, and on lines built to hit the rules' phrases."""
    lines = _real_lines()
    rng = random.Random(7)
    pieces = [p for _, rule in RULES for p in rule.exact] + ["36 Comments", "Foto: Anna/dpa", "© Reuters",
                                                             "3 分前", "vor 3 Tagen", "2 days ago", "Karl sagt:"]
    words = " ".join(lines[:3000]).split()
    lines += [" ".join(rng.sample(words, rng.randint(0, 6)) + [rng.choice(pieces)] + rng.sample(words, rng.randint(0, 3)))
              for _ in range(3000)]
    lexicon = Lexicon.load()
    every_site = Lexicon([rule for _, rule in lexicon.site_rules] + lexicon.rules)
    phrases = comments.load_phrases()
    matched = kinds = 0
    for line in lines:
        for lex in (lexicon, every_site):
            found = lex.match(line)
            assert (found and found.rule) == _plain(lex.rules, line), line
            matched += found is not None
        forms = LineForms(line)
        each = []
        for kind, lex in phrases.kinds.items():
            plain = _plain(lex.rules, line) is not None
            assert phrases.kind(kind, forms) == plain == phrases.kind(kind, line), (kind, line)
            each.append(plain)
        if any(each[k] for k, kind in enumerate(phrases.kinds) if kind in comments._LINE_KINDS):
            assert phrases.any_kind(forms), line
        kinds += any(each)
    assert matched > 500 and kinds > 150  # the lines reach the rules
