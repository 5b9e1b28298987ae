"""A block the page prints twice, both copies kept (issue 16, sixteenth round).

A page dump holds some blocks twice over: the mobile and the desktop version of a chart
(its axis and bar labels), of a table or an info box. When the line model keeps both
copies, the body says the block twice; a page's article does not repeat six lines in a
row verbatim. The rule, on the decisions of a page the line model read (text dumps):

- a *run* is `min_lines` consecutive non-blank lines of the page (blank lines between
  them do not break it), compared in `lexicon.fold`'s form;
- a run found again further down the page, not overlapping the first, with every line of
  both copies kept: the later copy is removed under `dup.repeated_run`; the first copy,
  the one the reader meets first, stays.

No phrase and no language: the signal is a verbatim repeat of the page's own lines.
Shorter runs repeat in articles the gold keeps whole (a product review lists each
product's features, "Gluten free / Recycled materials / Vegan / ...", under every
product): with 4 lines, 5 dev pages lost a little; with 6, none (docs/quality.md,
sixteenth round). The clean body is not read again by this rule (its layout is one
paragraph a line, where the model and this rule are off), so the body stays a fixed point.
"""
from __future__ import annotations

from collections import Counter

from pipeline.lexicon import fold
from pipeline.memo import LineMemo

RULE = "dup.repeated_run"


def mark_repeated_runs(result, min_lines: int, memo: LineMemo | None = None) -> int:
    """Remove the later copies of runs of `min_lines`+ lines kept twice; how many lines.
    `memo`: the page's folded lines (dedup_page and the metadata folded most already)."""
    if min_lines <= 0:
        return 0
    numbers = [n for n, line in enumerate(result.lines, 1) if line.strip()]
    if len(numbers) < 2 * min_lines:
        return 0
    decisions = result.decisions
    kept = [decisions[n].keep if n in decisions else False for n in numbers]
    # Only a run kept whole in both copies counts, so only kept lines are compared; and
    # each of the 2 * min_lines lines of a pair of copies has its key twice among them.
    folds = (memo if memo is not None else LineMemo()).table("fold", compute=fold)
    keys = [folds[result.lines[n - 1]] if keep else None for n, keep in zip(numbers, kept)]
    counts = Counter(key for key in keys if key is not None)
    if sum(c for c in counts.values() if c > 1) < 2 * min_lines:
        return 0
    first_at: dict[tuple[str, ...], int] = {}
    removed = 0
    for i in range(len(numbers) - min_lines + 1):
        if not all(kept[i:i + min_lines]):
            continue  # neither the first copy compared with nor a later copy
        window = tuple(keys[i:i + min_lines])
        first = first_at.setdefault(window, i)  # the first copy kept whole
        if i - first < min_lines:  # itself, or overlapping copies: a run of one line repeated, not a block
            continue
        span = f"{numbers[first]}-{numbers[first + min_lines - 1]}"
        for j in range(i, i + min_lines):
            n = numbers[j]
            if decisions[n].keep:
                result.decide(n, False, RULE, f"with the lines around it, repeats lines {span} verbatim "
                                              "(a block the page prints twice: a chart, table or form in two layouts)")
                removed += 1
    return removed
