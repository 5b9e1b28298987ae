"""The twenty-third round's comment kinds (issue 15): `comments._line_kind` returning each
kind as soon as it is known, against the straight-line version it replaced (kept here),
line by line on real lines."""
from pipeline import comments
from pipeline.comments import (_COUNT, _INITIAL, _MAX_NAME_WORDS, _MAX_STAMP_WORDS, _SENTENCE_END, _WORD, _size,
                               _stamp_rest, _without_action)
from pipeline.lexicon import Lexicon, LineForms

from test_speed_round15 import _every_test_line


def _straight_line_kind(stripped: str, phrases, forms=None) -> tuple[str, int, str, bool]:
    """comments._line_kind before this round: _size, first_kind, then every test in turn."""
    words = _size(stripped)
    kind, stamp_rest, acted = "text", "", False
    line = forms if forms is not None else LineForms(stripped)
    first = phrases.first_kind(line)
    if first == "header":
        kind = "header"
    elif first == "form":
        kind = "form"
    elif first == "action":
        kind = "action"
    elif _COUNT.match(stripped):
        kind = "count"
    elif first == "author_suffix":
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
            and first != "not_author":
        kind = "name"
    return kind, words, stamp_rest, acted


def test_line_kind_equals_the_straight_line_version():
    """The same kind, size, stamp rest and action flag on every line of the seeds, the
    comment pages, every tests/data page and the lines built with each kind's phrases;
    alone, and with the forms handed in as classify leaves them (its lexicon's candidates
    and the word count already read)."""
    phrases = comments.load_phrases()
    lexicon = Lexicon.load()
    kinds = set()
    lines = _every_test_line()
    assert len(lines) > 10_000
    for line in lines:
        expected = _straight_line_kind(line, phrases)
        assert comments._line_kind(line, phrases) == expected, line
        made = LineForms(line)
        lexicon.match_line(made)
        made.words
        assert comments._line_kind(line, phrases, made) == expected, line
        kinds.add(expected[0])
    assert kinds == {"header", "form", "action", "count", "author", "stamp", "name", "text"}


def test_the_no_digit_shortcut_meets_stamps_and_relative_times():
    """The shortcut's cases are met on the test lines: short lines without a digit that
    are stamps by a relative time alone ("2 days ago" less its digit: "yesterday"), and
    many that skip _stamp_rest; each skipped line's _stamp_rest is None."""
    phrases = comments.load_phrases()
    relative_bits = phrases._search_bits["relative_time"]
    skipped = stamps = 0
    for line in _every_test_line():
        if comments._HAS_DIGIT(line) is not None or len(line.split()) > _MAX_STAMP_WORDS:
            continue
        forms = LineForms(line)
        phrases.first_kind(forms)
        if forms.candidates(phrases._literals) & relative_bits:
            stamps += comments._line_kind(line, phrases)[0] == "stamp"
        else:
            skipped += 1
            assert _stamp_rest(line, phrases) is None, line
    assert skipped > 1_000 and stamps > 0
