"""The sixteenth speed round's shortcuts in the metadata reader and the in-page
duplicates against what they replace, on real pages: the same answers (issue 15)."""
import random
from bisect import bisect_right

import pytest

from pipeline import dedup_page, metadata
from pipeline.lexicon import fold
from pipeline.linewords import words_of
from pipeline.metadates import _YEAR

from conftest import DATA, PAGES, SEEDS


def _classified_pages(limit: int = 60):
    """(classification, language) of the seeds and the first test pages, as a run reads them."""
    from pipeline.classify import classify
    from pipeline.language import detect, stopwords
    from pipeline.lexicon import Lexicon
    from pipeline.normalise import normalise
    from pipeline.options import Options

    options = Options()
    lexicon = Lexicon.load()
    for path in sorted(SEEDS.glob("*.txt")) + sorted(PAGES.rglob("*.txt"))[:limit]:
        lines = normalise(path.read_text("utf-8")).split("\n")
        page = detect(lines, options.language_sample_chars, options.language_seed)
        yield path.name, classify(lines, page, lexicon, stopwords(page.code)), page.code


@pytest.fixture(scope="module")
def pages():
    return list(_classified_pages())


def _every_test_line() -> list[str]:
    lines = []
    for path in sorted(SEEDS.glob("*.txt")) + sorted(DATA.rglob("*.txt")):
        lines += [line.strip() for line in path.read_text("utf-8", errors="replace").split("\n")]
    return list(dict.fromkeys(line for line in lines if line))


def test_right_above_the_body_on_the_unskipped_lines_as_on_every_header_line(pages):
    """read_metadata's "right above the body": the old test over every header line (a
    skip set of the whole header) and the new one over `_not_skipped`'s lines below the
    first candidate, bisected, agree for every header line at or below that candidate."""
    asked = 0
    for name, result, language in pages:
        shapes, start = result.shapes, result.body_start
        header = [n for n in sorted(shapes) if start is not None and n < start]
        prefixes = metadata._byline_prefixes(language)
        folded = {n: fold(shape.text) for n, shape in shapes.items()}
        skip = {m for m in header if shapes[m].dates or shapes[m].length_units() <= 3
                or metadata._is_standfirst(shapes[m].text) or metadata._byline(shapes[m].text, prefixes)
                or metadata._name_line(shapes[m].text)}
        for first in header[::3]:
            after = metadata._not_skipped(shapes, header, first, prefixes)
            for n in header:
                if n < first:
                    continue
                f = folded[n]
                plain = any(m > n and m not in skip and folded[m] != f for m in header)
                assert any(folded[m] != f for m in after[bisect_right(after, n):]) == plain, (name, first, n)
                asked += 1
    assert asked > 500


def _plain_title_agreement(result, n, content):
    """metadata._title_agreement as it was: every line above folded again."""
    shapes, start = result.shapes, result.body_start
    signals = metadata._title_agreement(result, n, content, {m: fold(s.text) for m, s in shapes.items()})
    signals = [s for s in signals if s != "the page's title line above starts with it"]
    text = fold(shapes[n].text)
    if any(m < n and fold(shapes[m].text).startswith(text + " ") for m in shapes):
        signals.append("the page's title line above starts with it")
    return signals


def test_title_agreement_on_the_candidates_folds_as_on_each_line_folded(pages):
    """The title line's "the page's title line above starts with it" read off the folds
    read_metadata made gives what folding each line above again gave, for every line."""
    met = 0
    for name, result, language in pages:
        folded = {m: fold(s.text) for m, s in result.shapes.items()}
        for n in result.shapes:
            content = [w.casefold() for w in words_of(result.shapes[n].text) if len(w) >= 4 or not w.isascii()]
            signals = metadata._title_agreement(result, n, content, folded)
            assert signals == _plain_title_agreement(result, n, content), (name, n)
            met += "the page's title line above starts with it" in signals
    assert met >= 3


def test_lines_with_a_year_are_those_the_year_search_finds():
    """`_with_a_year` (one search over the lines joined) names the lines `_YEAR` finds a
    year in, in order: real lines, lines cut around their digits, years at the edges,
    and texts holding a line break (the per-line fallback)."""
    rng = random.Random(16)
    lines = _every_test_line()
    pieces = ["2024", "1999", "19", "20", "202", "x2019", "2019x", "1820", "3000", "20 24", "2020-01-02", ""]
    built = [rng.choice(pieces) + rng.choice(lines)[:rng.randint(0, 30)] + rng.choice(pieces) for _ in range(3_000)]
    for chunk in range(0, len(lines), 150):
        numbered = list(enumerate(lines[chunk:chunk + 150] + built[chunk // 150 * 10:(chunk // 150 + 1) * 10], 1))
        assert metadata._with_a_year(numbered) == [(n, t) for n, t in numbered if _YEAR.search(t)]
    numbered = list(enumerate(built, 1))
    found = metadata._with_a_year(numbered)
    assert found == [(n, t) for n, t in numbered if _YEAR.search(t)] and 0 < len(found) < len(built)
    broken = [(1, "no year"), (2, "20\n24 and 2024"), (3, "2025"), (4, "19\n99")]
    assert metadata._with_a_year(broken) == [(2, "20\n24 and 2024"), (3, "2025")]
    assert metadata._with_a_year([]) == []


def _plain_byline_lenient(text, prefixes):
    low = text.casefold()
    for prefix in prefixes:
        p = prefix.casefold()
        if low.startswith(p) and (len(low) == len(p) or not low[len(p)].isalnum() or p.endswith((":", "/", " "))):
            names = metadata._names_lenient(text[len(p):].lstrip(" :："))
            if names:
                return names, f"byline '{prefix}'"
    return None


def _plain_byline_handle(text, prefixes, language):
    low = text.casefold()
    for prefix in prefixes:
        p = prefix.casefold()
        if not low.startswith(p + " ") or not p[-1:].isalpha():
            continue
        rest = text[len(p):].lstrip()
        word = rest.split(maxsplit=1)[0] if rest else ""
        after = rest[len(word):].lstrip(" |•·–—-,")
        moments = metadata.find_moments(after, language) if metadata._HANDLE.fullmatch(word) else []
        if moments and moments[0].start == 0:
            return [word], f"byline '{prefix}', a user name before a date"
    return None


def test_byline_readings_with_the_prefixes_folded_once():
    """`_byline_lenient` and `_byline_handle` (the byline words' casefolds made once, a
    line starting with none answered at once) give what the prefix-by-prefix loops gave,
    in eight languages, on every test line and lines opened with each byline word."""
    rng = random.Random(161)
    lines = _every_test_line()
    found = 0
    for language in ("en", "de", "fr", "es", "ja", "zh", "ru", None):
        prefixes = metadata._byline_prefixes(language)
        built = [f"{p}{rng.choice(['', ' ', ': '])}{rng.choice(lines)[:40]}" for p in prefixes for _ in range(20)]
        built += [f"{p} thegrangehall February 16, 2026" for p in prefixes] + [f"{p.upper()} Jane Doe" for p in prefixes]
        for line in lines[::3] + built:
            lenient = metadata._byline_lenient(line, prefixes)
            assert lenient == _plain_byline_lenient(line, prefixes), (language, line)
            handle = metadata._byline_handle(line, prefixes, language)
            assert handle == _plain_byline_handle(line, prefixes, language), (language, line)
            found += bool(lenient) + bool(handle)
    assert found > 500


def test_title_candidates_name_test_is_byline_author_less_its_search():
    """The candidates ask `_BY` and then `_capitalised_name`: `_byline_author` is None
    exactly when both find nothing."""
    for line in _every_test_line() + ["Jane Doe", "Jane Doe LONDON", "By Jane Doe", "Maria de la Cruz"]:
        plain = metadata._byline_author(line) is None
        assert plain == (not metadata._BY.search(line) and metadata._capitalised_name(line) is None), line


def test_name_line_only_length_first():
    """`_name_line_only` tests the length before the digits: the same answer."""
    for line in _every_test_line() + ["Jane Doe 2", "Jane Doe", "A" * 61, "Jane and John Doe"]:
        plain = [] if any(ch.isdigit() for ch in line) or len(line) > 60 else None
        if plain is not None:
            assert metadata._name_line_only(line) == plain, line


def test_a_line_under_59_characters_has_fewer_than_30_words():
    """dedup_page skips the words of a removed line of fewer than 59 characters: its
    `_tokens` are fewer than 30, whatever its script (casefolds that grow: ß, ﬁ, İ)."""
    rng = random.Random(1616)
    alphabet = ["a", "b", "ß", "ﬁ", "İ", "ǅ", "é", "中", "1", "_", " ", ",", "-", "\u0301", "·"]
    texts = _every_test_line()
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(50, 70))) for _ in range(20_000)]
    texts += [" ".join("x" * 29 + "y")[:k] for k in range(50, 70)] + ["a " * 29 + "a", ("ß " * 30).strip()]
    most = 0
    for text in texts:
        words = len(dedup_page._tokens(text))
        if not dedup_page._may_have_30_words(text):
            assert words < 30, text
            most = max(most, words)
        elif words >= 30:
            assert len(text) >= 59
    assert most == 29  # the bound is met: 29 words in 58 characters


def test_mark_duplicates_the_same_with_every_removed_line_split(pages, monkeypatch):
    """mark_duplicates with each removed line's words made (`_may_have_30_words` always
    True, as before the round) decides every line as it does now, on real pages."""
    import copy

    from pipeline.memo import LineMemo

    decided = 0
    for name, result, language in pages:
        title = None
        for n in sorted(result.shapes)[:5]:
            title = title or (result.shapes[n].text if result.shapes[n].words >= 4 else None)
        now, before = copy.deepcopy(result), copy.deepcopy(result)
        dedup_page.mark_duplicates(now, title, 8, memo=LineMemo(), heading_words=6)
        with monkeypatch.context() as patch:
            patch.setattr(dedup_page, "_may_have_30_words", lambda text: True)
            dedup_page.mark_duplicates(before, title, 8, memo=LineMemo(), heading_words=6)
        assert {n: (d.keep, d.rule, d.reason) for n, d in now.decisions.items()} == \
            {n: (d.keep, d.rule, d.reason) for n, d in before.decisions.items()}, name
        decided += sum(d.rule.startswith("dup.") for d in now.decisions.values())
    assert decided >= 5
