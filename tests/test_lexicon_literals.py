"""The lexicon's regex prefilter reads literals off `re`'s private parse tree
(lexicon._required_literals): a line holding none of a regex's literals is not searched.
Checked here against `re` itself, on the shipped rule files: every line a rule's regex
matches (real page lines, and strings generated to match each regex) holds one of its
literals, so the prefilter never skips a match."""
from __future__ import annotations

import sys
import tomllib
from importlib import resources

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, SEEDS
from pipeline.lexicon import _PARSER_VERSIONS, _Literals, _casefree, _parse_file


def _shipped_patterns():
    """(file, regex) for every regex of every shipped rule file, site rules included."""
    out = []
    folder = resources.files("pipeline") / "data" / "lexicon"
    for entry in sorted([*folder.iterdir(), *(folder / "comments").iterdir()], key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            rules, sites = _parse_file(tomllib.loads(entry.read_text("utf-8")), entry.name)
            for rule in rules + [rule for _, rule in sites]:
                out += [(entry.name, p) for p in rule.patterns]
    return out


PATTERNS = _shipped_patterns()
pytestmark = pytest.mark.skipif(sys.version_info[:2] not in _PARSER_VERSIONS,
                                reason="the prefilter is off on this Python (every regex is searched)")


def _real_lines():
    paths = sorted(SEEDS.glob("*.txt")) + sorted(DATA.rglob("*.txt"))
    return sorted({line for p in paths for line in p.read_text("utf-8", errors="replace").split("\n")})


def test_the_prefilter_applies_to_most_shipped_regexes():
    assert len(PATTERNS) > 20
    with_literals = [p for _, p in PATTERNS if _Literals.of([p]) is not None]
    assert len(with_literals) > len(PATTERNS) // 2


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
