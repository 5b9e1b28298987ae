"""The nineteenth speed round, worker side (issue 15): a page's LineForms made once and
read by the comment kinds and the folds, and three loops of the line classifier, each
against what it replaced, on every real line and page and on random strings."""
import random

import pytest

from pipeline import classify as classify_module
from pipeline.classify import classify
from pipeline.comments import _kind_rows, _line_kind, load_phrases
from pipeline.language import detect, stopwords
from pipeline.lexicon import Lexicon, LineForms, _PyLineForms, fold
from pipeline.linewords import words_of
from pipeline.memo import LineMemo
from pipeline.process import Engine, clean_text

from conftest import DATA, SEEDS


def _pages() -> list[list[str]]:
    paths = sorted(SEEDS.glob("*.txt")) + sorted(DATA.rglob("*.txt"))
    return [p.read_text("utf-8", errors="replace").split("\n") for p in paths]


@pytest.fixture(scope="module")
def pages():
    return _pages()


@pytest.fixture(scope="module")
def lines(pages):
    found = {line for page in pages for line in page}
    return sorted(found | {line.strip() for line in found})


def _random_lines(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = ["a", "B", " ", "  ", "\t", "\x1c", "\x1f", ".", ":", "-", "–", "»", "•", "'", "“", "(", "#", "1",
                "٣", "é", "É", "ß", "İ", "ı", "ſ", "K", "\u0307", "ς", "Σ", "ﬃ", "ŉ", "ь", "Ж", "中", "文",
                "\U0001F600", "\U00020000", "\u00a0", "\u2003", "_", "x"]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(count)]


def test_a_line_s_folded_form_is_its_fold(lines):
    """process reads a line's fold from the LineForms classify made (`folded`): the same
    string as lexicon.fold, for the kernel's type and the Python class, on every real
    line (raw and stripped) and on random strings of every width."""
    for line in lines + _random_lines(3000, 19):
        assert LineForms(line).folded == fold(line), repr(line)
        assert _PyLineForms(line).folded == fold(line), repr(line)


def test_line_kind_with_the_forms_given_equals_it_alone(lines):
    """_line_kind with the line's LineForms handed in (as classify made it, its candidates
    already asked of the page's lexicon) gives what it gives making them itself."""
    phrases, lexicon = load_phrases(), Lexicon.load()
    for line in {line.strip() for line in lines} - {""}:
        made = LineForms(line)
        lexicon.match_line(made)  # as classify leaves it: its candidates for the lexicon's literals
        assert _line_kind(line, phrases, made) == _line_kind(line, phrases), line


def test_classify_leaves_its_new_lines_forms_on_the_memo(pages):
    """classify with a memo leaves on it the LineForms of the lines it met first (those of
    a page seen again: none), each the forms of its own text; the decisions and the comment
    kinds read with them are those of a reading without a memo."""
    phrases, lexicon = load_phrases(), Lexicon.load()
    memo = LineMemo()
    for page_lines in pages[:12]:
        page = detect(page_lines, 3000, 0)
        words = stopwords(page.code)
        before = set(memo.table("shape", lexicon, words))
        found = classify(page_lines, page, lexicon, words, memo=memo)
        new = {t for t in page_lines if t} - before
        assert set(memo.forms) == new
        for text, made in memo.forms.items():
            assert (made.line, made.spaced, made.folded) == (text, LineForms(text).spaced, fold(text))
        alone = classify(page_lines, page, lexicon, words)
        assert [(d.line, d.keep, d.rule, d.reason) for d in found.ordered()] == \
               [(d.line, d.keep, d.rule, d.reason) for d in alone.ordered()]
        assert _kind_rows(page_lines, phrases, memo) == _kind_rows(page_lines, phrases)
        again = classify(page_lines, page, lexicon, words, memo=memo)
        assert memo.forms == {} and again.ordered() == found.ordered()


def test_kept_numbers_equals_the_sorted_kept_lines(pages):
    engine = Engine.load()
    for page_lines in pages[:20]:
        result = classify(page_lines, detect(page_lines, 3000, 0), engine.lexicon, frozenset())
        assert result.kept_numbers() == sorted(n for n, d in result.decisions.items() if d.keep)


def test_shingles_equal_the_words_folded_one_by_one(lines):
    """classify._shingles folds the line's words in one casefold: the same 4-grams as each
    word's casefold (ß, ﬃ, ŉ and İ grow when folded, final sigma has no context here)."""
    from pipeline.linewords import word_ngrams

    extra = ["", "ß ß ß ß", "ﬃ Straße ŉ İstanbul ΣΑΣ ς", "a b c", "a b c d", "_ _ _ _ _"]
    for line in lines + _random_lines(3000, 191) + extra:
        expected = word_ngrams([w.casefold() for w in words_of(line)], 4)
        assert classify_module._shingles(line) == expected, repr(line)


def test_a_page_s_output_with_the_forms_shared_equals_each_step_making_its_own(pages, monkeypatch):
    """A page cleaned as the worker cleans it (one Engine, its memo) and again with the
    forms classify leaves unread (an empty dict in their place): the same body, metadata
    and decisions, on every seed and test page."""
    shared, alone = Engine.load(), Engine.load()
    texts = ["\n".join(page) for page in pages]
    first = [clean_text(text, shared) for text in texts]

    class Unread(dict):
        def __setitem__(self, key, value):
            pass

    original = classify_module.classify

    def classify_without_forms(*args, **kwargs):
        found = original(*args, **kwargs)
        kwargs["memo"].forms = Unread()
        return found

    monkeypatch.setattr("pipeline.process.classify", classify_without_forms)
    for text, got in zip(texts, first):
        plain = clean_text(text, alone)
        assert (got.status, got.body, got.metadata, got.decisions) == \
               (plain.status, plain.body, plain.metadata, plain.decisions)


def _is_repetitive_before(shape) -> bool:
    """LineShape.is_repetitive as it was: WORD.findall on the line's start, then on all of it."""
    from pipeline.linewords import WORD

    if shape.words < 20:
        return False
    limit = min(shape.words, 2_000)
    text = shape.text[:20_000]
    end = 2 * limit + 40
    if end < len(text):
        distinct = set(map(str.casefold, WORD.findall(text, 0, end)))
        if (len(distinct) - 1) * 10 >= limit:
            return False
    distinct = set(map(str.casefold, WORD.findall(text)))
    return len(distinct) * 10 < limit


def _repetitive_lines(seed: int) -> list[str]:
    """Lines of 20 to 3,000 words from few distinct words (some case-folding together:
    "Straße" / "STRASSE", "İ"), prose among them, some past 20,000 characters."""
    rng = random.Random(seed)
    vocab = ["spam", "Spam", "SPAM", "Straße", "STRASSE", "ﬃ", "İx", "ix", "a", "b_c", "中文", "x1", "ΣΑΣ", "σας"]
    out = []
    for _ in range(400):
        n = rng.choice([20, 21, 25, 40, 99, 200, 800, 2_000, 2_500, 3_000])
        few = rng.sample(vocab, rng.randint(1, len(vocab)))
        sep = rng.choice([" ", ", ", " - ", "  ", "\u00a0"])
        words = [rng.choice(few) if rng.random() < rng.random() else f"w{rng.randint(0, n)}" for _ in range(n)]
        out.append(sep.join(words))
    out.append(" ".join(["spam"] * 5_000))
    out.append(" ".join(f"word{k}" for k in range(2_500)))
    out.append(("x" * 40 + " ") * 600)  # past 20,000 characters, a word cut there
    return out


def test_is_repetitive_equals_the_regex_reading(lines):
    from pipeline.lineshape import shape_line

    said = set()
    for line in lines + _random_lines(2000, 192) + _repetitive_lines(193):
        shape = shape_line(1, line, frozenset(), None)
        said.add(shape.is_repetitive())
        assert shape.is_repetitive() == _is_repetitive_before(shape), line[:200]
    assert said == {True, False}


def test_dedup_tokens_equal_the_regex_reading(lines):
    """dedup_page._tokens from words_of: WORD.findall of the lowered line where it is ASCII,
    the words casefolded one by one elsewhere."""
    from pipeline.dedup_page import _tokens
    from pipeline.linewords import WORD

    for line in lines + _random_lines(3000, 194) + _repetitive_lines(195)[:50]:
        expected = WORD.findall(line.lower()) if line.isascii() else [w.casefold() for w in WORD.findall(line)]
        assert _tokens(line) == expected, repr(line[:200])
