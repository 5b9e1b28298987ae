"""Duplicates inside one page: the title repeated, a caption or alt text that nearly
repeats a body sentence, and news-stream blocks that repeat the article itself."""
from __future__ import annotations

from collections import Counter
from itertools import chain

from pipeline.classify import Classification
from pipeline.lexicon import fold
from pipeline.lineshape import WORD


def _tokens(text: str) -> list[str]:
    """The line's words, case-folded."""
    if text.isascii():  # ASCII: folding first finds the same words
        return WORD.findall(text.lower())
    # One casefold for the line instead of one a word: casefold maps each character on
    # its own (no context) and never yields a space, and \w+ words hold none.
    words = WORD.findall(text)
    return " ".join(words).casefold().split(" ") if words else []


def _shingles(tokens: list[str], size: int) -> set[tuple[str, ...]]:
    """The line's word `size`-grams; a shorter line is one shingle of all its words."""
    if len(tokens) <= size:
        return {tuple(tokens)} if tokens else set()
    return set(zip(*[tokens[i:] for i in range(size)]))


def mark_duplicates(result: Classification, title: str | None, repeat_min_words: int = 8) -> None:
    """Remove kept lines that repeat other content; relabel positional removals that do."""
    title_folded = fold(title) if title else None
    kept = result.kept_numbers()
    relabel = [n for n, d in sorted(result.decisions.items()) if d.rule.startswith("position.")]
    folded: dict[int, str] = {}

    def fold_line(n: int) -> str:
        if n not in folded:
            folded[n] = fold(result.lines[n - 1])
        return folded[n]

    if title_folded is not None:
        for n in kept + relabel:
            if fold_line(n) == title_folded and result.decisions[n].rule != "meta.title":
                result.decide(n, False, "dup.title", "repeats the article's title")

    kept = result.kept_numbers()
    tokens = {n: _tokens(result.lines[n - 1]) for n in kept + relabel}
    # The first paragraph anchors the header zone: removing it would leave a body whose
    # first line reads as header when cleaned again (the clean body must be a fixed point).
    anchor = result.body_start

    # A long line whose word 4-grams all come from other kept lines is the article
    # repeated as one paragraph (news-stream copy); the parts it repeats stay.
    # "Other kept lines" are the shorter ones; lines removed here are never shorter than
    # the lines checked after them, so the kept lines as they are now answer every check.
    # How many kept lines hold each 4-gram bounds what a line can repeat: nearly every
    # line falls short of it and is never compared line by line.
    shingles4 = {m: _shingles(tokens[m], 4) for m in kept}
    holders4 = Counter(chain.from_iterable(shingles4.values()))
    for n in sorted(kept + relabel, key=lambda n: -len(tokens[n])):
        if n == anchor or len(tokens[n]) < 30 or not result.decisions[n].keep and not result.decisions[n].rule.startswith("position."):
            continue
        own = shingles4[n] if n in shingles4 else _shingles(tokens[n], 4)
        held_elsewhere = sum(map(holders4.get, own, [0] * len(own))) - (len(own) if n in shingles4 else 0)
        if not own or held_elsewhere < 0.8 * len(own):
            continue
        size = len(tokens[n])
        shorter = [shingles4[m] for m in kept if len(tokens[m]) < size]
        repeated = len(own.intersection(chain.from_iterable(shorter)))
        best_single = max((len(own & s) for s in shorter), default=0)
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
    # first such line (in line order) that still qualifies wins.
    shingles3 = {m: _shingles(tokens[m], 3) for m in kept}
    holders3 = Counter(chain.from_iterable(shingles3.values()))
    for n in kept:
        if n == anchor or not 5 <= len(tokens[n]) <= 60:
            continue
        own = shingles3[n]
        needed = 0.8 * len(own)
        if sum(map(holders3.__getitem__, own)) - len(own) < needed:
            continue
        size = len(tokens[n])
        for m in kept:
            if m != n and len(tokens[m]) > size and result.decisions[m].keep and len(own & shingles3[m]) >= needed:
                result.decide(n, False, "dup.near", f"nearly repeats a sentence of line {m} (caption or pull quote)")
                break
