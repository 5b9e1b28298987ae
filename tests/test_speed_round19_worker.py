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

from conftest import distinct_lines, random_strings, text_pages


@pytest.fixture(scope="module")
def pages():
    return text_pages()


@pytest.fixture(scope="module")
def lines(pages):
    return distinct_lines(pages)


_ALPHABET = ["a", "B", " ", "  ", "\t", "\x1c", "\x1f", ".", ":", "-", "–", "»", "•", "'", "“", "(", "#", "1",
             "٣", "é", "É", "ß", "İ", "ı", "ſ", "K", "\u0307", "ς", "Σ", "ﬃ", "ŉ", "ь", "Ж", "中", "文",
             "\U0001F600", "\U00020000", "\u00a0", "\u2003", "_", "x"]


def _random_lines(count: int, seed: int) -> list[str]:
    return random_strings(_ALPHABET, count, seed)


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
    the words (marks kept, linewords.words_of) casefolded one by one elsewhere."""
    from pipeline.dedup_page import _tokens
    from pipeline.linewords import WORD, _marked_words

    mark, word = _marked_words()  # a line with a combining mark: its words keep their marks
    for line in lines + _random_lines(3000, 194) + _repetitive_lines(195)[:50]:
        split = (word if mark.search(line) else WORD).findall(line)
        expected = WORD.findall(line.lower()) if line.isascii() else [w.casefold() for w in split]
        assert _tokens(line) == expected, repr(line[:200])


def test_packed_walk_equals_the_numpy_walk(pages):
    """The forest's walk over its packed tables (_walk.Walk) gives the very leaves and
    score floats of the numpy walk (which the forest takes where Walk refuses a model's
    tables), on every seed and test page's feature rows and on random rows with NaN,
    +-inf, -0.0, subnormals and values equal to the thresholds."""
    import numpy as np

    from pipeline.linemodel import load_model
    from pipeline.linemodel import forest as forest_module
    from pipeline.linemodel.features import feature_matrix

    walk = pytest.importorskip("pipeline.linemodel._walk")
    forest = load_model()["stage1"]
    assert isinstance(forest._packed, walk.Walk)
    n_features = int(forest._qs["node_feature"].max()) + 1
    matrices = [feature_matrix(page_lines, "en")[1] for page_lines in pages]
    rng = np.random.default_rng(19)
    thresholds = forest._qs["node_threshold"]
    for _ in range(20):
        x = rng.normal(size=(300, n_features)) * 4
        at = rng.random(x.shape) < 0.3
        x[at] = rng.choice(thresholds, size=int(at.sum()))
        for value, share in ((np.nan, 0.1), (np.inf, 0.02), (-np.inf, 0.02), (-0.0, 0.02), (5e-324, 0.01)):
            x[rng.random(x.shape) < share] = value
        matrices.append(x)
    matrices.append(np.zeros((0, n_features)))
    packed = forest._packed
    try:
        for x in matrices:
            forest._packed = packed
            got = forest.scores_and_leaves(x)
            forest._packed = None  # as when Walk refuses the tables
            refused = forest.scores_and_leaves(x)
            forest._packed = packed
            forest._walk = None
            by_numpy = forest.scores_and_leaves(x)
            forest._walk = forest_module._walk
            assert got[0] == refused[0] == by_numpy[0]
            assert np.array_equal(got[1], refused[1]) and np.array_equal(got[1], by_numpy[1])
            assert got[1].dtype == by_numpy[1].dtype
            rows = np.arange(len(x))[::2]
            explained = forest.contributions(x, got[1], rows)
            forest._packed = None
            refused_explained = forest.contributions(x, got[1], rows)
            forest._packed = packed
            forest._walk = None
            numpy_explained = forest.contributions(x, got[1], rows)
            forest._walk = forest_module._walk
            assert explained.tobytes() == refused_explained.tobytes() == numpy_explained.tobytes()
    finally:
        forest._packed, forest._walk = packed, forest_module._walk


def test_packed_walk_refuses_tables_it_cannot_walk_safely():
    """A split child before its parent (a walk could loop), an index out of range or too
    few features are refused; the Walk pickles as the tables it was made from."""
    import pickle

    import numpy as np

    walk = pytest.importorskip("pipeline.linemodel._walk")

    def tables(left=1, right=2, leaf=(-1, 0, 1), root=0, feature=0):
        return (np.array([feature, 0, 0], dtype=np.int32), np.array([0.5, 0.0, 0.0]),
                np.array([1, 0, 0], dtype=np.uint8), np.array([left, 0, 0], dtype=np.int32),
                np.array([right, 0, 0], dtype=np.int32), np.array(leaf, dtype=np.int32),
                np.array([root], dtype=np.int32), np.array([-1.0, 2.0]))

    good = walk.Walk(*tables())
    x = np.array([[0.25], [0.75], [np.nan], [0.5]])
    leaves, scores = np.empty((4, 1), dtype=np.int64), np.empty(4)
    good.leaves(x, 4, 1, 0.5, leaves, scores)
    assert leaves[:, 0].tolist() == [0, 1, 0, 0] and scores.tolist() == [-0.5, 2.5, -0.5, -0.5]
    again = pickle.loads(pickle.dumps(good))
    leaves2, scores2 = np.empty((4, 1), dtype=np.int64), np.empty(4)
    again.leaves(x, 4, 1, 0.5, leaves2, scores2)
    assert np.array_equal(leaves, leaves2) and scores.tolist() == scores2.tolist()
    for bad in (tables(left=0), tables(right=0), tables(left=3), tables(leaf=(-1, 0, 2)), tables(root=3),
                tables(feature=-1)):
        with pytest.raises(ValueError):
            walk.Walk(*bad)
    with pytest.raises(ValueError):
        walk.Walk(*tables(feature=1)).leaves(x, 4, 1, 0.5, leaves, scores)
    # the path tables: leaf 0's one step on feature 0, leaf 1's none
    paths = (np.array([0, 2], dtype=np.int64), np.array([2, 0], dtype=np.int64), np.array([0, 0], dtype=np.int64),
             np.array([1.5, -0.25]))
    with_paths = walk.Walk(*tables(), *paths)
    out = np.zeros((4, 1))
    with_paths.contributions(leaves, 4, out, 1)
    assert out[:, 0].tolist() == [1.25, 0.0, 1.25, 1.25]
    with pytest.raises(ValueError):  # made without them
        good.contributions(leaves, 4, out, 1)
    with pytest.raises(ValueError):  # a leaf out of range
        with_paths.contributions(np.array([[2]] * 4, dtype=np.int64), 4, out, 1)
    with pytest.raises(ValueError):  # too few features
        with_paths.contributions(leaves, 4, np.zeros((4, 0)), 0)
    for bad in ((np.array([0, 3], dtype=np.int64),) + paths[1:], (paths[0], np.array([3, 0], dtype=np.int64)) + paths[2:],
                paths[:2] + (np.array([0, -1], dtype=np.int64), paths[3])):
        with pytest.raises(ValueError):
            walk.Walk(*tables(), *bad)


def _bullet_runs_before(lines, width=None, min_items=3):
    """bodyunits.bullet_runs as it was: _marker asked of every non-blank line."""
    from pipeline.bodyunits import _continues, _marker

    runs = []
    marker, items, members = None, 0, []
    gap = 0

    def close():
        if marker is not None and items >= min_items:
            runs.append((marker, members))

    for number, line in enumerate(lines, 1):
        if not line.strip():
            gap += 1
            if gap > 1:
                close()
                marker, items, members = None, 0, []
            continue
        this = _marker(line)
        if this is not None and this == marker:
            items += 1
            members.append(number)
        elif (this is None and marker is not None and gap == 0 and width is not None
              and _continues(lines[number - 2], line, width)):
            members.append(number)
        else:
            close()
            marker, items, members = (this, 1, [number]) if this is not None else (None, 0, [])
        gap = 0
    close()
    return runs


def test_bullet_runs_ask_the_regex_only_of_lines_opening_with_a_bullet_or_digit(pages):
    """re's \\s and \\d are str.isspace and str.isdecimal over all of Unicode, so a line
    whose first non-space character is neither a bullet nor a decimal digit has no marker;
    bullet_runs equals the reading that asks every line, on every real page (plain and
    wrapped) and on random lists."""
    import re
    import sys

    from pipeline.bodyunits import bullet_runs

    space, digit = re.compile(r"\s"), re.compile(r"\d")
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        assert bool(space.match(c)) == c.isspace() and bool(digit.match(c)) == c.isdecimal(), hex(code)
    rng = random.Random(196)
    heads = ["- ", "* ", "• ", "1. ", "12) ", "٣. ", "１. ", "² ", "a ", " \u2003- ", "\t3. ", "-", "x", "–  "]
    lists = [[rng.choice(heads) + rng.choice(["item", "", "x y", "Ж"]) if rng.random() < 0.8 else ""
              for _ in range(rng.randint(0, 40))] for _ in range(400)]
    for page_lines in pages + lists:
        for width in (None, 40, 72):
            assert bullet_runs(page_lines, width) == _bullet_runs_before(page_lines, width)
