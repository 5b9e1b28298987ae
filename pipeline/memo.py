"""Per-line results kept for the pages of one batch.

A site's chrome repeats on every page ("Related News", the menu, the footer): in a
folder of one site's pages most lines have been seen before. The per-line steps that
depend only on a line's text and its page's context (language stoplist, the site's
lexicon) are pure, so their results are kept here and looked up instead of computed
again. A memo lives on an Engine (one per batch), never in a module global: it only
saves time, and what a page becomes never depends on which pages came before it.
"""
from __future__ import annotations


class LineMemo:
    """Tables of line text -> result, one per kind of result and context.

    The context objects are the tables' keys: a stoplist (a frozenset) by value, a
    lexicon by identity. Past `max_lines` entries in all, every table is emptied, so
    memory stays bounded on a batch of any size."""

    def __init__(self, max_lines: int = 50_000):
        self.max_lines = max_lines
        self._tables: dict[tuple, dict] = {}
        # text -> lexicon.LineForms(text) of the lines the last `classify` call made them
        # for (its new lines), for the page's later steps that read the same forms (the
        # comment kinds, the folds): a new dict each call, so it holds one page's lines
        # at most. A LineForms depends on its text alone: any entry is the right one.
        self.forms: dict = {}

    def table(self, kind: str, *context, compute=None) -> dict:
        """`compute(text)`: the table fills itself (a Remembered) where the result depends
        on the line's text alone."""
        if sum(map(len, self._tables.values())) > self.max_lines:
            self._tables.clear()
        key = (kind, *context)
        if key not in self._tables:
            self._tables[key] = Remembered(compute) if compute is not None else {}
        return self._tables[key]

    def clear(self) -> None:
        """Empty every table and the forms: called when the memo's batch is done. A
        table's `compute` may refer back to this memo (comments' line kinds read
        `memo.forms` through a closure), so memo and tables form a reference cycle
        that only the garbage collector frees, and it is idle during batches
        (pipeline/gcpolicy.py): without this, each finished batch's memo (about
        40,000 containers on the dev set: shapes, rows, kinds) stayed in memory until a
        full collection. Emptied here, they are freed at once, by reference counting,
        and the next batch reuses their memory."""
        self._tables.clear()
        self.forms = {}


class Remembered(dict):
    """text -> compute(text), computed the first time a text is looked up (then a plain
    dict lookup)."""

    def __init__(self, compute):
        super().__init__()
        self.compute = compute

    def __missing__(self, text):
        value = self[text] = self.compute(text)
        return value
