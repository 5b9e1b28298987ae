"""The fifteenth round's shortcuts against what they replace, on real lines: the same
answers, line by line (issue 15)."""
import random

from pipeline import comments
from pipeline.comments import (_COUNT, _INITIAL, _LINE_KINDS, _MAX_NAME_WORDS, _MAX_STAMP_WORDS, _SENTENCE_END,
                               _WORD, _size, _stamp_rest, _without_action)
from pipeline.lexicon import LineForms

from conftest import DATA
from test_speed_paths import _lines_with_phrases, _real_lines


def _every_test_line() -> list[str]:
    """The seeds' and comment samples' lines (_real_lines), every other test page's
    lines, and lines built to hit each comment phrase kind."""
    lines = _real_lines()
    for path in sorted(DATA.rglob("*.txt")):
        lines += [line.strip() for line in path.read_text("utf-8", errors="replace").split("\n")]
    lines += _lines_with_phrases(random.Random(15), comments.load_phrases())
    return list(dict.fromkeys(line for line in lines if line))


def _plain_line_kind(stripped: str, phrases) -> tuple[str, int, str, bool]:
    """comments._line_kind as it was before the fifteenth round: the any_kind gate, then
    phrases.kind of each kind in turn."""
    words = _size(stripped)
    kind, stamp_rest, acted = "text", "", False
    line = LineForms(stripped)
    some = phrases.any_kind(line)
    if some and phrases.kind("header", line):
        kind = "header"
    elif some and phrases.kind("form", line):
        kind = "form"
    elif some and phrases.kind("action", line):
        kind = "action"
    elif _COUNT.match(stripped):
        kind = "count"
    elif some and phrases.kind("author_suffix", line):
        kind = "author"
    elif words <= _MAX_STAMP_WORDS and not stripped.endswith(_SENTENCE_END[1:]):
        rest = _stamp_rest(stripped, phrases, line)
        if rest:
            rest, acted = _without_action(rest, phrases)
        if rest is not None and len(_WORD.findall(rest)) <= _MAX_NAME_WORDS:
            kind, stamp_rest = "stamp", rest
        else:
            acted = False
    if kind == "text" and 1 <= words <= _MAX_NAME_WORDS and len(stripped) <= 60 \
            and (not stripped.endswith(_SENTENCE_END) or _INITIAL(stripped)) and not stripped.endswith(":") \
            and not (some and phrases.kind("not_author", line)):
        kind = "name"
    return kind, words, stamp_rest, acted


def test_first_kind_is_the_first_kind_that_matches():
    """CommentPhrases.first_kind (one reading of the kinds' rules together) names the
    first of _LINE_KINDS whose phrases.kind is True, or None when none is."""
    phrases = comments.load_phrases()
    seen = set()
    for line in _every_test_line():
        forms = LineForms(line)
        first = phrases.first_kind(forms)
        expected = next((kind for kind in _LINE_KINDS if phrases.kind(kind, LineForms(line))), None)
        assert first == expected, line
        seen.add(first)
    assert seen == {None, *_LINE_KINDS}  # every kind met, and lines of none


def test_line_kind_equals_the_plain_kind_tests():
    """comments._line_kind with first_kind gives what the gate and the five kind tests in
    turn gave, on every test line and the built ones."""
    phrases = comments.load_phrases()
    kinds = set()
    lines = _every_test_line()
    assert len(lines) > 10_000
    for line in lines:
        found = comments._line_kind(line, phrases)
        assert found == _plain_line_kind(line, phrases), line
        kinds.add(found[0])
    assert kinds == {"header", "form", "action", "count", "author", "stamp", "name", "text"}
