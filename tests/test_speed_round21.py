"""The twenty-first speed round's shortcuts in the metadata reader against the plain code
they replace, on real pages (the seeds and the test pages, as a run classifies them):
the title's signals with the lines found by bisection, the body's words joined at once,
the copyright lines sorted alone (issue 15)."""
import pytest

from pipeline import metadata
from pipeline.lexicon import fold
from pipeline.linewords import words_of
from pipeline.metadates import find_moments

from test_speed_round16 import _classified_pages


@pytest.fixture(scope="module")
def pages():
    return list(_classified_pages(limit=80))


def _plain_title_agreement(result, n, content, folded):
    """metadata._title_agreement as it was before bisection: each test a scan of the lines."""
    shapes, start = result.shapes, result.body_start
    signals = []
    first = next((m for m in sorted(shapes) if start is not None and m >= start and result.decisions[m].keep
                  and shapes[m].words >= 12), None)
    if first is not None and content:
        words = {w.casefold() for w in metadata.WORD.findall(shapes[first].text)}
        share = sum(1 for w in content if w in words) / len(content)
        signals += ["half its words in the first paragraph"] if share >= 0.5 else \
            ["a third of its words in the first paragraph"] if share >= 0.3 else \
            ["none of its words in the first paragraph"] if share == 0 else []
    below = next((m for m in sorted(shapes) if m > n), None)
    if below is not None and content and metadata._is_standfirst(shapes[below].text):
        words = {w.casefold() for w in metadata.WORD.findall(shapes[below].text)}
        if any(w in words for w in content):
            signals.append("shares words with the standfirst")
    if start is not None:
        gap = sum(1 for m in shapes if n < m < start)
        signals += ["more than 8 lines above the body"] if gap > 8 else []
    head = folded[n] + " "
    if any(folded[m].startswith(head) for m in shapes if m < n):
        signals.append("the page's title line above starts with it")
    return signals


def test_title_agreement_and_signals_by_bisection_as_by_scans(pages):
    """For every line of every page (the body's start moved too, so the gap and the first
    paragraph are tried on both sides of each line): the same signals, in order."""
    asked = gaps = 0
    for name, result, language in pages:
        folded = {m: fold(s.text) for m, s in result.shapes.items()}
        order = sorted(result.shapes)
        start = result.body_start
        for body_start in {start, None, order[0], order[-1], order[len(order) // 2], order[-1] + 5}:
            result.body_start = body_start
            for n in result.shapes:
                content = [w.casefold() for w in words_of(result.shapes[n].text) if len(w) >= 4 or not w.isascii()]
                plain = _plain_title_agreement(result, n, content, folded)
                assert metadata._title_agreement(result, n, content, folded, order) == plain, (name, body_start, n)
                assert metadata._title_agreement(result, n, content, folded) == plain, (name, body_start, n)
                signals = metadata._title_signals(result, n, content, 1, language, folded, order)
                assert signals == metadata._title_signals(result, n, content, 1, language, folded), (name, n)
                below = next((m for m in order if m > n), None)
                assert ("directly above the body" in signals) == (below is not None and below == body_start)
                asked += 1
                gaps += "more than 8 lines above the body" in plain
        result.body_start = start
    assert asked > 3000 and gaps > 20, (asked, gaps)


def test_body_words_joined_at_once_as_line_by_line(pages):
    """read_metadata's body words: the kept lines' words joined at once, case-folded and
    split, give the set the lines' own joined words gave."""
    compared = 0
    for name, result, language in pages:
        shapes = result.shapes
        spans = [" ".join(ws) for ws in (words_of(shapes[m].text) for m, decision in result.decisions.items()
                                         if decision.keep and m in shapes) if ws]
        plain = set(" ".join(spans).casefold().split(" ")) if spans else set()
        joined = " ".join(w for m, decision in result.decisions.items() if decision.keep and m in shapes
                          for w in words_of(shapes[m].text))
        assert (set(joined.casefold().split(" ")) if joined else set()) == plain, name
        compared += bool(plain)
    assert compared >= 10


def test_site_and_dates_read_as_by_the_plain_scans(pages):
    """The copyright holder and the date lines: _site_candidates and _read_dates (given
    read_metadata's sorted numbers or not) against a plain scan of every line."""
    holders = 0
    for name, result, language in pages:
        shapes = result.shapes
        plain = None
        for n in sorted(shapes, reverse=True):
            if shapes[n].lexicon and shapes[n].lexicon.rule == "lexicon.copyright":
                match = metadata._COPYRIGHT.search(shapes[n].text)
                if match:
                    holder = metadata._RESERVED.split(match.group("name"))[0].strip(" .,")
                    plain = holder if holder and fold(holder) not in {"copyright", "all", "the"} else None
                    break
        found = [c[0] for c in metadata._site_candidates(result, None) if c[2] == "the copyright line's holder"]
        assert found == ([plain] if plain else []), name
        holders += bool(found)
        for title_line in (None, min(shapes)):
            given, alone = metadata.PageMetadata(), metadata.PageMetadata()
            metadata._read_dates(given, result, language, title_line, sorted(shapes))
            metadata._read_dates(alone, result, language, title_line)
            assert given.fields() == alone.fields() and given.evidence == alone.evidence, name
        short = [(n, shapes[n].text) for n in sorted(shapes) if shapes[n].words <= metadata._MAX_DATE_LINE_WORDS]
        assert [n for n, _ in metadata._with_a_year(short)] == \
            [n for n, text in short if metadata._YEAR.search(text)], name
        assert all(not find_moments(text, language) for n, text in short if not metadata._YEAR.search(text))
    assert holders >= 3
