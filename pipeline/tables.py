"""A table's rows kept together (`keep.table_row`).

A browser's page text prints a table's row as one line, its cells set apart by tabs
(normalise turns them into spaces; normalise.table_rows reads the rows before it). The
line model reads each row alone: a row of a date and a figure, of a few labels, of
numbers, is short, ends no sentence and has few stopwords, and it removes most rows of
a table whose header or first rows it keeps. A row does not change kind within the table,
so when the article keeps a row of a table, the rows the model removed are kept, and so
are the rows of the page's other tables of as many cells as a row it kept: a page's
tables of one shape hold one kind of record (a time series cut in two, a training plan's
weeks). Structure only: no phrase, any language; text dumps the line model read.
"""
from __future__ import annotations

# What the line model's reading kept as body (classify's own verdicts).
_KEPT_BY_MODEL = frozenset({"keep.body_start", "keep.body", "sequence.body", "keep.between_body",
                            "keep.between_cohesive", "keep.introduced"})


def tables_of(rows: dict[int, int]) -> list[list[int]]:
    """The page's tables: runs of consecutive row lines (no line between), 2+ rows."""
    tables, current = [], []
    for number in sorted(rows):
        if current and number != current[-1] + 1:
            if len(current) >= 2:
                tables.append(current)
            current = []
        current.append(number)
    if len(current) >= 2:
        tables.append(current)
    return tables


def keep_table_rows(result, rows: dict[int, int], same_shape: bool = True) -> None:
    """Keep the rows the line model removed (`model.chrome`) of a table the article keeps
    a row of; with `same_shape`, also the rows, anywhere on the page, of as many cells as
    a row the model kept as body. `rows`: {line number: cells} (normalise.table_rows)."""
    if not rows:
        return
    decisions = result.decisions
    kept = {n for n in rows if n in decisions and decisions[n].keep and decisions[n].rule in _KEPT_BY_MODEL}
    if not kept:
        return
    keep: dict[int, str] = {}
    for table in tables_of(rows):
        anchor = next((n for n in table if n in kept), None)
        if anchor is not None:
            for n in table:
                if n in decisions and decisions[n].rule == "model.chrome":
                    keep[n] = (f"a row of a table ({len(table)} rows of tab-separated cells, lines {table[0]}-"
                               f"{table[-1]}) whose row on line {anchor} the article keeps")
    if same_shape:
        shapes = {}
        for n in sorted(kept):
            shapes.setdefault(rows[n], n)
        for n, cells in rows.items():
            if n not in keep and cells in shapes and n in decisions and decisions[n].rule == "model.chrome":
                keep[n] = (f"a table's row of {cells} tab-separated cells, as many as the row on line "
                           f"{shapes[cells]} the article keeps")
    for n in sorted(keep):
        result.decide(n, True, "keep.table_row", f"line model: body probability below its threshold, but {keep[n]}")
