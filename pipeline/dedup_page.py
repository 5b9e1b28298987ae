"""Duplicates inside one page: the title repeated, a caption or alt text that nearly
repeats a body sentence, and news-stream blocks that repeat the article itself."""
from __future__ import annotations

from collections import Counter
from itertools import chain

from pipeline.classify import Classification
from pipeline.lexicon import fold
from pipeline.linewords import word_ngrams, words_of
from pipeline.memo import LineMemo


def _tokens(text: str) -> list[str]:
    """The line's words, case-folded (words_of: memoised, the line shape made them)."""
    # One casefold for the line instead of one a word: casefold maps each character on
    # its own (no context) and never yields a space, and \w+ words hold none. (An ASCII
    # line's casefold is its lower(), which leaves every \w+ word where it was.)
    words = words_of(text)
    return " ".join(words).casefold().split(" ") if words else []


def _shingles(tokens: list[str], size: int) -> set[str]:
    """The line's word `size`-grams, each as its words joined by spaces; a shorter line
    is one shingle of all its words. Words hold no space, so a joined string stands for
    one sequence of words, and a string keeps its hash: the sets are counted and
    intersected many times over, which tuples would hash anew every time."""
    if len(tokens) <= size:
        return {" ".join(tokens)} if tokens else set()
    return word_ngrams(tokens, size)


def four_grams_table(memo: LineMemo) -> dict:
    """The memo's table of a line's word 4-grams, text -> word_ngrams(_tokens(text), 4):
    classify's `_shingles(text)` (the same words, case-folded the same way), which
    process hands to classify, so that the page's two readings and the duplicates here
    make each line's 4-grams once. Read, never changed."""
    tokens = memo.table("dup.tokens", compute=_tokens)
    return memo.table("line.4grams", compute=lambda text: word_ngrams(tokens[text], 4))


def _may_have_30_words(text: str) -> bool:
    """False when `_tokens(text)` has fewer than 30 words, told by the length alone: its
    words are \\w+ runs of the text (ASCII lowered, the same length), or as many as
    the text's \\w+ runs (each run's casefold a word), and k runs need k characters
    and k - 1 between them, so 30 words need 59 characters."""
    return len(text) >= 59


def _holders(memo: LineMemo, size: int, texts: tuple[str, ...], shingles_of: dict) -> tuple[Counter, dict]:
    """How many of the lines `texts` hold each `size`-gram (a Counter, only read), and a
    dict for the answers read from it: a kept line's text -> whether the other lines
    hold its n-grams often enough (`_often`). The settle pass reads the clean body,
    whose kept lines are most often the ones the first reading counted, the same texts
    in the same order: counted once a page, each line's answer found once."""
    table = memo.table("dup.holders", size)
    found = table.get(texts)
    if found is None:
        found = table[texts] = (Counter(chain.from_iterable(map(shingles_of.__getitem__, texts))), {})
    return found


def _often(holders: Counter, own: set[str]) -> bool:
    """Whether the other kept lines hold a kept line's n-grams `own` often enough that
    one of them could hold 80 % of them (each n-gram's holders, less the line itself)."""
    return sum(map(holders.__getitem__, own)) - len(own) >= 0.8 * len(own)


def mark_duplicates(result: Classification, title: str | None, repeat_min_words: int = 8,
                    memo: LineMemo | None = None, heading_words: int = 0) -> None:
    """Remove kept lines that repeat other content; relabel positional removals that do.

    `memo`: a line's folded form, words and shingles depend on its text alone, and the
    settle pass reads the kept lines again."""
    title_folded = fold(title) if title else None
    decisions = result.decisions
    lines = result.lines
    kept = result.kept_numbers()
    relabel = [n for n, d in decisions.items() if d.rule.startswith("position.")]
    relabel.sort()  # line numbers are distinct: the order of sorted(decisions.items())
    memo = memo if memo is not None else LineMemo()
    folds = memo.table("fold", compute=fold)
    words_of = memo.table("dup.tokens", compute=_tokens)
    # Shared between lines of the same text: read, never changed. A line of more than
    # four words has its 4-grams in four_grams_table (word_ngrams of the same words),
    # where classify may have made them.
    four_grams = four_grams_table(memo)

    def shingles4(text: str) -> set[str]:
        tokens = words_of[text]
        return four_grams[text] if len(tokens) > 4 else _shingles(tokens, 4)

    shingles3_of = memo.table("dup.shingles", 3, compute=lambda text: _shingles(words_of[text], 3))
    shingles4_of = memo.table("dup.shingles", 4, compute=shingles4)

    def fold_line(n: int) -> str:
        return folds[lines[n - 1]]

    # `kept` is read again from the decisions only after a stage has decided a line.
    decided = False
    if title_folded is not None:
        for n in kept + relabel:
            if fold_line(n) == title_folded and decisions[n].rule != "meta.title":
                result.decide(n, False, "dup.title", "repeats the article's title")
                decided = True

    if decided:
        kept = result.kept_numbers()
    kept_texts = tuple([lines[n - 1] for n in kept])
    tokens = dict(zip(kept, map(words_of.__getitem__, kept_texts)))
    # A removed line's words are read only to ask whether it has 30 or more (below): a
    # line of fewer than 59 characters cannot (_may_have_30_words), and is not split.
    for n in relabel:
        if n not in tokens and _may_have_30_words(lines[n - 1]):
            tokens[n] = words_of[lines[n - 1]]
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
    kept_now = set(kept) if longest_first else ()  # the kept lines the 4-grams were counted over
    holders4, often4 = _holders(memo, 4, kept_texts, shingles4_of) if longest_first else (Counter(), {})
    # The lines whose 4-grams the others hold often enough (`often`): only their 4-grams
    # are indexed below. The loop decides no line but the one it reads, so the lines
    # it reads are among these (a line given twice, kept and positional, is read again
    # with its decision then).
    passing = []
    for n in longest_first:
        if n == anchor or not decisions[n].keep and not decisions[n].rule.startswith("position."):
            continue
        text = lines[n - 1]
        own = shingles4_of[text]
        if n in kept_now:  # its own 4-grams are counted once in holders4
            often = often4.get(text)
            if often is None:
                often = often4[text] = bool(own) and _often(holders4, own)
        else:
            often = bool(own) and sum(map(holders4.get, own, [0] * len(own))) >= 0.8 * len(own)
        if often:
            passing.append((n, own))
    lines_holding4: dict[str, list[int]] = {}
    fewest_words: dict[str, int] = {}  # 4-gram -> fewest words of a kept line holding it
    if passing:
        wanted4 = set().union(*(own for _, own in passing))
        for m in kept:
            words = len(tokens[m])
            for gram in shingles4_of[lines[m - 1]] & wanted4:
                lines_holding4.setdefault(gram, []).append(m)
                if words < fewest_words.get(gram, words + 1):
                    fewest_words[gram] = words
    decided = False
    for n, own in passing:
        if not decisions[n].keep and not decisions[n].rule.startswith("position."):
            continue
        size = len(tokens[n])
        # own's 4-grams held by a kept line shorter than n, and the most held by one.
        repeated = sum(1 for gram in own if fewest_words.get(gram, size) < size)
        shared = Counter(m for gram in own for m in lines_holding4.get(gram, ()) if len(tokens[m]) < size)
        best_single = max(shared.values(), default=0)
        # Several paragraphs copied into one line; one similar line is not a copy of the
        # article (a page may repeat an offer's terms under each product, as its gold does).
        if repeated >= 0.8 * len(own) and best_single < 0.8 * len(own):
            result.decide(n, False, "dup.body_repeat", "repeats the article's paragraphs (news-stream copy)")
            decided = True

    # Exact repeats and short lines nearly contained in a longer kept line.
    seen: dict[str, int] = {}
    if decided:
        kept = result.kept_numbers()
        kept_texts = tuple([lines[n - 1] for n in kept])
    decided = False
    for n in kept:
        key = fold_line(n)
        if key in seen and len(tokens[n]) >= repeat_min_words:
            result.decide(n, False, "dup.exact", f"repeats line {seen[key]}")
            decided = True
            continue
        seen.setdefault(key, n)
    if decided:
        kept = result.kept_numbers()
        kept_texts = tuple([lines[n - 1] for n in kept])
    # A line is compared only with the longer kept lines, and only when its 3-grams are
    # held by other lines often enough that one of them could hold 80% of them; the
    # first such line (in line order) that still qualifies wins. What a line shares with
    # each other line is counted from the lines holding each of its 3-grams, not by
    # comparing it with every kept line.
    holders3, often3 = _holders(memo, 3, kept_texts, shingles3_of)

    def held_often(text: str) -> bool:
        often = often3.get(text)
        if often is None:
            often = often3[text] = _often(holders3, shingles3_of[text])
        return often

    # A line that ends no sentence, up to `heading_words` words, is a heading, which the
    # paragraph it heads may well repeat; a caption or pull quote repeats a sentence.
    shapes = result.shapes
    candidates = [n for n, text in zip(kept, kept_texts)
                  if n != anchor and 5 <= len(tokens[n]) <= 60
                  and not (len(tokens[n]) <= heading_words and not shapes[n].ends_sentence)
                  and held_often(text)]
    if not candidates:
        return
    shingles3 = dict(zip(kept, map(shingles3_of.__getitem__, kept_texts)))
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
