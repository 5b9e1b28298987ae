"""The twenty-second speed round's shortcuts in the page's later passes against what
they replace, on real pages: the same decisions (issue 15).

- dedup_page.mark_duplicates counts the kept lines' n-gram holders once a page (the
  settle pass's clean body most often keeps the lines the first reading counted) and
  reads a line's 4-grams from the page's table that classify fills too
  (dedup_page.four_grams_table); the plain function below is main's before the round.
"""
import copy
from collections import Counter
from itertools import chain

import pytest

from pipeline import classify as classify_module, dedup_page, process
from pipeline.classify import Classification
from pipeline.lexicon import fold
from pipeline.memo import LineMemo

from conftest import DATA, SEEDS


def _mark_duplicates_plain(result: Classification, title: str | None, repeat_min_words: int = 8,
                    memo: LineMemo | None = None, heading_words: int = 0) -> None:
    """main's mark_duplicates before this round (532642c), as it was: each reading
    counts its own n-gram holders and makes its own 4-grams."""
    title_folded = fold(title) if title else None
    kept = result.kept_numbers()
    relabel = [n for n, d in sorted(result.decisions.items()) if d.rule.startswith("position.")]
    memo = memo if memo is not None else LineMemo()
    folds = memo.table("fold", compute=fold)
    words_of = memo.table("dup.tokens", compute=dedup_page._tokens)
    # Shared between lines of the same text: read, never changed.
    shingles_of = {size: memo.table("dup.shingles", size,
                                    compute=lambda text, size=size: dedup_page._shingles(words_of[text], size))
                   for size in (3, 4)}

    def fold_line(n: int) -> str:
        return folds[result.lines[n - 1]]

    def shingles(n: int, size: int) -> set[str]:
        return shingles_of[size][result.lines[n - 1]]

    if title_folded is not None:
        for n in kept + relabel:
            if fold_line(n) == title_folded and result.decisions[n].rule != "meta.title":
                result.decide(n, False, "dup.title", "repeats the article's title")

    kept = result.kept_numbers()
    tokens = {n: words_of[result.lines[n - 1]] for n in kept}
    # A removed line's words are read only to ask whether it has 30 or more (below): a
    # line of fewer than 59 characters cannot (_may_have_30_words), and is not split.
    for n in relabel:
        if n not in tokens and dedup_page._may_have_30_words(result.lines[n - 1]):
            tokens[n] = words_of[result.lines[n - 1]]
    # The first paragraph anchors the header zone: removing it would leave a body whose
    # first line reads as header when cleaned again (the clean body must be a fixed point).
    anchor = result.body_start

    # A long line whose word 4-grams all come from other kept lines is the article
    # repeated as one paragraph (news-stream copy); the parts it repeats stay.
    # "Other kept lines" are the shorter ones; lines removed here are never shorter than
    # the lines checked after them, so the kept lines as they are now answer every check.
    # How many kept lines hold each 4-gram bounds what a line can repeat: nearly every
    # line falls short of it and is never compared line by line.
    # What a line shares with the shorter kept lines is counted from the lines holding
    # each of its 4-grams (`lines_holding4`, `fewest_words`), not by intersecting it with
    # every shorter line: that was quadratic on long pages, where many lines qualify
    # (issue 12, item 16). The same counts, so the same decisions.
    # The lines of 30 words or more, longest first (the loop passed over the others);
    # without one, no 4-gram is read.
    longest_first = sorted((n for n in kept + relabel if n in tokens and len(tokens[n]) >= 30),
                           key=lambda n: -len(tokens[n]))
    shingles4 = {m: shingles(m, 4) for m in kept} if longest_first else {}
    holders4 = Counter(chain.from_iterable(shingles4.values()))
    lines_holding4: dict[str, list[int]] | None = None
    fewest_words: dict[str, int] = {}  # 4-gram -> fewest words of a kept line holding it
    for n in longest_first:
        if n == anchor or not result.decisions[n].keep and not result.decisions[n].rule.startswith("position."):
            continue
        own = shingles4[n] if n in shingles4 else shingles(n, 4)
        held_elsewhere = sum(map(holders4.get, own, [0] * len(own))) - (len(own) if n in shingles4 else 0)
        if not own or held_elsewhere < 0.8 * len(own):
            continue
        if lines_holding4 is None:
            lines_holding4 = {}
            for m in kept:
                words = len(tokens[m])
                for gram in shingles4[m]:
                    lines_holding4.setdefault(gram, []).append(m)
                    if words < fewest_words.get(gram, words + 1):
                        fewest_words[gram] = words
        size = len(tokens[n])
        # own's 4-grams held by a kept line shorter than n, and the most held by one.
        repeated = sum(1 for gram in own if fewest_words.get(gram, size) < size)
        shared = Counter(m for gram in own for m in lines_holding4.get(gram, ()) if len(tokens[m]) < size)
        best_single = max(shared.values(), default=0)
        # Several paragraphs copied into one line; one similar line is not a copy of the
        # article (a page may repeat an offer's terms under each product, as its gold does).
        if repeated >= 0.8 * len(own) and best_single < 0.8 * len(own):
            result.decide(n, False, "dup.body_repeat", "repeats the article's paragraphs (news-stream copy)")

    # Exact repeats and short lines nearly contained in a longer kept line.
    seen: dict[str, int] = {}
    kept = result.kept_numbers()
    for n in kept:
        key = fold_line(n)
        if key in seen and len(tokens[n]) >= repeat_min_words:
            result.decide(n, False, "dup.exact", f"repeats line {seen[key]}")
            continue
        seen.setdefault(key, n)
    kept = result.kept_numbers()
    # A line is compared only with the longer kept lines, and only when its 3-grams are
    # held by other lines often enough that one of them could hold 80% of them; the
    # first such line (in line order) that still qualifies wins. What a line shares with
    # each other line is counted from the lines holding each of its 3-grams, not by
    # comparing it with every kept line.
    shingles3 = {m: shingles(m, 3) for m in kept}
    holders3 = Counter(chain.from_iterable(shingles3.values()))
    # A line that ends no sentence, up to `heading_words` words, is a heading, which the
    # paragraph it heads may well repeat; a caption or pull quote repeats a sentence.
    candidates = [n for n in kept if n != anchor and 5 <= len(tokens[n]) <= 60
                  and not (len(tokens[n]) <= heading_words and not result.shapes[n].ends_sentence)
                  and sum(map(holders3.__getitem__, shingles3[n])) - len(shingles3[n]) >= 0.8 * len(shingles3[n])]
    if not candidates:
        return
    wanted = set().union(*(shingles3[n] for n in candidates))
    lines_holding: dict[str, list[int]] = {}
    for m in kept:
        for gram in shingles3[m] & wanted:
            lines_holding.setdefault(gram, []).append(m)
    for n in candidates:
        own = shingles3[n]
        needed = 0.8 * len(own)
        size = len(tokens[n])
        shared = Counter(chain.from_iterable(map(lines_holding.__getitem__, own)))
        for m in sorted(shared):
            if shared[m] >= needed and m != n and len(tokens[m]) > size and result.decisions[m].keep:
                result.decide(n, False, "dup.near", f"nearly repeats a sentence of line {m} (caption or pull quote)")
                break


def _text_pages() -> list:
    return sorted(SEEDS.glob("*.txt")) + sorted(DATA.rglob("*.txt"))


def _decided(result: Classification) -> dict:
    return {n: (d.keep, d.rule, d.reason) for n, d in result.decisions.items()}


@pytest.fixture(scope="module")
def cleaned():
    """Each mark_duplicates call of a real cleaning of the seeds and the test data's text
    files (both readings of a page, the page's own memo, classify's 4-grams in it), with
    what the plain function decides on a copy of the same arguments."""
    calls, memos = [], {}
    real = process.mark_duplicates

    def compared(found, title, repeat_min_words, memo=None, heading_words=0):
        before = copy.deepcopy(found)
        _mark_duplicates_plain(before, title, repeat_min_words, memo=LineMemo(), heading_words=heading_words)
        real(found, title, repeat_min_words, memo=memo, heading_words=heading_words)
        memos.setdefault(id(memo), [memo, 0])[1] += 1  # the memo kept alive: its id stays its own
        calls.append((_decided(found), _decided(before)))

    engine = process.Engine.load()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(process, "mark_duplicates", compared)
        for path in _text_pages():
            process.clean_text(path.read_text("utf-8", errors="replace"), engine)
    return calls, list(memos.values())


def test_mark_duplicates_decides_as_before_on_both_readings(cleaned):
    calls, memos = cleaned
    assert len(calls) >= 300
    for now, before in calls:
        assert now == before
    decided = Counter(rule for now, _ in calls for keep, rule, _ in now.values() if rule.startswith("dup."))
    assert min(decided["dup.near"], decided["dup.exact"], decided["dup.title"]) >= 20 and decided["dup.body_repeat"], decided


def test_the_settle_pass_reads_the_first_readings_counts(cleaned):
    """On most pages the clean body's reading keeps the lines the first one counted: one
    count of the 3-gram holders serves both (fewer counts than readings)."""
    _, memos = cleaned
    served = sum(readings - len(memo.table("dup.holders", 3)) for memo, readings in memos)
    assert served >= len(memos) // 2, (served, len(memos))


def _every_line() -> list[str]:
    lines = []
    for path in _text_pages():
        lines += path.read_text("utf-8", errors="replace").split("\n")
    return list(dict.fromkeys(lines)) + ["", "a", "Straße STRASSE groß Maße", "İstanbul'da IŞIK ılık",
                                         "東京 タワー 2024年 3月 5日 に", "one two three four", "x" * 5 + " y z w v"]


def test_four_grams_table_is_classify_s_4_grams_and_dedup_s():
    """four_grams_table gives classify's _shingles of every line, and dedup's own 4-grams
    of every line of more than four words (the lines it reads it for)."""
    table = dedup_page.four_grams_table(LineMemo())
    longer = 0
    for line in _every_line():
        assert table[line] == classify_module._shingles(line), line
        tokens = dedup_page._tokens(line)
        if len(tokens) > 4:
            assert table[line] == dedup_page._shingles(tokens, 4), line
            longer += 1
    assert longer >= 5000


def test_classify_the_same_with_a_page_s_four_grams_table():
    """classify reading a shared 4-gram table (empty, then filled by a first call) decides
    every line as with its own, on the seeds and test pages."""
    from pipeline.classify import classify
    from pipeline.language import detect, stopwords
    from pipeline.lexicon import Lexicon
    from pipeline.normalise import normalise
    from pipeline.options import Options

    options, lexicon = Options(), Lexicon.load()
    filled = 0
    for path in _text_pages()[:80]:
        lines = normalise(path.read_text("utf-8", errors="replace")).split("\n")
        page = detect(lines, options.language_sample_chars, options.language_seed)
        words = stopwords(page.code)
        alone = classify(lines, page, lexicon, words)
        table = dedup_page.four_grams_table(LineMemo())
        for _ in range(2):
            shared = classify(lines, page, lexicon, words, four_grams=table)
            assert _decided(shared) == _decided(alone), path.name
            assert (shared.body_start, shared.footer_start) == (alone.body_start, alone.footer_start), path.name
        filled += bool(table)
    assert filled >= 60
