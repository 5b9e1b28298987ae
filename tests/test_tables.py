"""keep.table_row (pipeline/tables.py): the rows of a table (lines of tab-separated
cells) that the line model removed while the article keeps a row of the same shape are
kept. A real page with its gold (tests/data/tables/wcxb-dev-4117: a marathon schedule's
weekly tables), the shipped model."""
from __future__ import annotations

from conftest import assert_fixed_point, decided_by, engine_with, gold_line_set, page_with_gold
from pipeline.evaluate import norm_line, score_page, tokens
from pipeline.normalise import normalise, table_rows
from pipeline.process import clean_text
from pipeline.tables import tables_of

PAGE = "wcxb-dev-4117"


def test_table_rows_are_read_before_normalise_turns_tabs_into_spaces():
    text, _ = page_with_gold("tables", PAGE)
    rows = table_rows(text)
    lines = normalise(text).split("\n")
    assert len(rows) >= 15
    assert rows[59] == 7 and lines[58] == "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
    assert all("\t" not in lines[n - 1] for n in rows)  # the rows' numbers are normalise's lines
    assert table_rows("a\tb\n\tonly one cell\t\nno tab\nc\td\te") == {1: 2, 4: 3}
    assert table_rows("no tabs at all") == {}
    assert tables_of({3: 2, 4: 2, 6: 2, 8: 3, 9: 3, 10: 3}) == [[3, 4], [8, 9, 10]]


def test_the_rows_the_model_removed_are_kept_with_the_rows_it_kept():
    text, gold = page_with_gold("tables", PAGE)
    on, off = clean_text(text, engine_with()), clean_text(text, engine_with(table_rows="off"))
    kept = decided_by(on, "keep.table_row")
    gold_lines = gold_line_set(gold)
    assert len(kept) >= 8
    # every row taken back is the article's: the day names as the gold has them, the
    # weeks' cells all in the gold (its rows open with the week's number, "Week 1 | ...")
    assert sum(norm_line(d.text) in gold_lines for d in kept) >= 3
    assert all(set(tokens(d.text)) <= set(tokens(gold)) for d in kept)
    assert {d.line for d in kept} <= {d.line for d in decided_by(off, "model.chrome")}  # only what the model removed
    assert not decided_by(off, "keep.table_row")
    rows = table_rows(text)
    model_kept = {rows[d.line] for d in on.decisions if d.line in rows and d.keep and d.rule != "keep.table_row"}
    assert all(rows[d.line] in model_kept for d in kept)  # of the shape of a row the article keeps
    f1_on = score_page(PAGE, "wcxb", on.body, gold).tok_f1
    f1_off = score_page(PAGE, "wcxb", off.body, gold).tok_f1
    assert f1_on > f1_off + 0.03


def test_without_tabs_there_is_no_table():
    # The same page with its tabs as spaces (a dump that lost them): no row is known,
    # and the model's verdicts stand.
    text, _ = page_with_gold("tables", PAGE)
    flat = clean_text(text.replace("\t", " "), engine_with())
    assert not decided_by(flat, "keep.table_row")


def test_the_table_mode_keeps_only_a_table_s_own_rows():
    # "table": only the rows of a run of consecutive row lines holding a kept row; this
    # page's rows stand a blank line apart, so no table of 2+ rows is found.
    text, _ = page_with_gold("tables", PAGE)
    assert not decided_by(clean_text(text, engine_with(table_rows="table")), "keep.table_row")


def test_the_body_with_table_rows_is_a_fixed_point():
    first = clean_text(page_with_gold("tables", PAGE)[0], engine_with())
    assert decided_by(first, "keep.table_row")
    assert_fixed_point(first)
