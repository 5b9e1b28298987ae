"""Duplicates inside one page: the title repeated, a caption or alt text that nearly
repeats a body sentence, and news-stream blocks that repeat the article itself."""
from __future__ import annotations

from pipeline.classify import Classification
from pipeline.lexicon import fold
from pipeline.lineshape import WORD


def _tokens(text: str) -> list[str]:
    return [w.casefold() for w in WORD.findall(text)]


def _shingles(tokens: list[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + size]) for i in range(max(1, len(tokens) - size + 1))} if tokens else set()


def mark_duplicates(result: Classification, title: str | None, repeat_min_words: int = 8) -> None:
    """Remove kept lines that repeat other content; relabel positional removals that do."""
    title_folded = fold(title) if title else None
    kept = result.kept_numbers()
    relabel = [n for n, d in sorted(result.decisions.items()) if d.rule.startswith("position.")]

    def is_title(n: int) -> bool:
        return title_folded is not None and fold(result.lines[n - 1]) == title_folded

    for n in kept + relabel:
        if is_title(n) and result.decisions[n].rule != "meta.title":
            result.decide(n, False, "dup.title", "repeats the article's title")

    kept = result.kept_numbers()
    tokens = {n: _tokens(result.lines[n - 1]) for n in kept + relabel}
    # The first paragraph anchors the header zone: removing it would leave a body whose
    # first line reads as header when cleaned again (the clean body must be a fixed point).
    anchor = result.body_start

    # A long line whose word 4-grams all come from other kept lines is the article
    # repeated as one paragraph (news-stream copy); the parts it repeats stay.
    # "Other kept lines" are the shorter ones; lines removed here are never shorter than
    # the lines checked after them, so one index of which kept lines hold each 4-gram
    # answers every check (instead of comparing all pairs of lines).
    holders4: dict[tuple[str, ...], list[int]] = {}
    for m in kept:
        for shingle in _shingles(tokens[m], 4):
            holders4.setdefault(shingle, []).append(m)
    for n in sorted(kept + relabel, key=lambda n: -len(tokens[n])):
        if n == anchor or len(tokens[n]) < 30 or not result.decisions[n].keep and not result.decisions[n].rule.startswith("position."):
            continue
        own = _shingles(tokens[n], 4)
        size = len(tokens[n])
        repeated, shared = 0, {}
        for shingle in own:
            shorter = [m for m in holders4.get(shingle, ()) if len(tokens[m]) < size]
            if shorter:
                repeated += 1
                for m in shorter:
                    shared[m] = shared.get(m, 0) + 1
        best_single = max(shared.values(), default=0)
        # Several paragraphs copied into one line; one similar line is not a copy of the
        # article (a page may repeat an offer's terms under each product, as its gold does).
        if own and repeated >= 0.8 * len(own) and best_single < 0.8 * len(own):
            result.decide(n, False, "dup.body_repeat", "repeats the article's paragraphs (news-stream copy)")

    # Exact repeats and short lines nearly contained in a longer kept line.
    seen: dict[str, int] = {}
    kept = result.kept_numbers()
    for n in kept:
        key = fold(result.lines[n - 1])
        if key in seen and len(tokens[n]) >= repeat_min_words:
            result.decide(n, False, "dup.exact", f"repeats line {seen[key]}")
            continue
        seen.setdefault(key, n)
    kept = result.kept_numbers()
    # Which kept lines hold each word 3-gram: a line is compared only with the lines it
    # shares 3-grams with, the first (in line order) that still qualifies wins.
    holders: dict[tuple[str, ...], list[int]] = {}
    shingles3 = {}
    for m in kept:
        shingles3[m] = _shingles(tokens[m], 3)
        for shingle in shingles3[m]:
            holders.setdefault(shingle, []).append(m)
    for n in kept:
        if n == anchor or not 5 <= len(tokens[n]) <= 60:
            continue
        own = shingles3[n]
        shared: dict[int, int] = {}
        for shingle in own:
            for m in holders[shingle]:
                shared[m] = shared.get(m, 0) + 1
        size = len(tokens[n])
        for m in sorted(shared):
            if m == n or len(tokens[m]) <= size or not result.decisions[m].keep:
                continue
            if shared[m] >= 0.8 * len(own):
                result.decide(n, False, "dup.near", f"nearly repeats a sentence of line {m} (caption or pull quote)")
                break
