"""The per-batch memo of per-line results (pipeline/memo.py) saves time only: a page
cleaned by an engine that has already cleaned other pages (its memo full of their lines)
becomes exactly what it becomes with a fresh engine."""
from pathlib import Path

from pipeline.process import Engine, clean_bytes

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


def _pages() -> list[Path]:
    return (sorted((ROOT / "seeds").glob("*.txt")) + sorted((DATA / "pages" / "text").glob("*.txt"))
            + sorted((DATA / "sites" / "pcworld").glob("*.txt")))


def _result(engine: Engine, path: Path):
    result = clean_bytes(path.read_bytes(), path.name, engine, folder=path.parent.name)
    return result.status, result.body, result.metadata


def test_a_warm_memo_changes_no_page():
    pages = _pages()
    assert len(pages) >= 10
    fresh = {path: _result(Engine.load(), path) for path in pages}
    for order in (pages, pages[::-1]):
        shared = Engine.load()
        for path in order:
            assert _result(shared, path) == fresh[path], path.name


def test_the_memo_is_emptied_past_its_bound():
    engine = Engine.load()
    engine.memo.max_lines = 50
    held = []
    for path in _pages()[:6]:
        _result(engine, path)
        held.append(sum(map(len, engine.memo._tables.values())))
    # A page adds at most its distinct lines to each table (shapes, line-model rows).
    most_a_page_adds = 2 * max(len({l for l in p.read_text("utf-8").splitlines() if l.strip()}) for p in _pages()[:6])
    assert max(held) <= 50 + most_a_page_adds
    assert any(later < earlier for earlier, later in zip(held, held[1:]))  # it was emptied


def test_a_cleared_memo_is_freed_without_the_collector():
    """A table's `compute` can refer back to the memo (comments' line kinds read
    `memo.forms`): memo and tables are then a cycle. Emptied at the batch's end
    (`clear`), the lines it held are freed by reference counting, with the collector
    off as it is during a batch (pipeline/gcpolicy.py)."""
    import gc
    import weakref

    engine = Engine.load()
    for path in _pages()[:4]:
        _result(engine, path)
    tables = engine.memo._tables
    assert ("comments.kind",) in {key[:1] for key in tables}  # the table whose compute holds the memo
    held = [weakref.ref(table) for table in tables.values() if type(table) is not dict]
    assert held
    gc.disable()
    try:
        engine.memo.clear()
        assert not engine.memo._tables and engine.memo.forms == {}
        del tables
        assert all(ref() is None for ref in held)  # freed at once, not at the next collection
        # A cleared memo works as a fresh one.
        page = _pages()[0]
        assert _result(engine, page) == _result(Engine.load(), page)
    finally:
        gc.enable()


def test_a_batch_leaves_no_cyclic_garbage(tmp_path):
    """The batch (as the library loop and a worker clean one) empties its engine's memo
    at its end: what it held is not left for the collector (before: 2,528 containers
    on these pages, every memoised line's shape, row and kind, freed only by a
    collection)."""
    import gc

    from pipeline.options import Options
    from pipeline.runner import process_batch
    from pipeline.sources import discover

    options = Options(doc_time_limit=0)
    sources = discover([str(ROOT / "seeds"), str(DATA / "pages" / "text")], options=options)
    assert len(sources) >= 10
    process_batch(sources[:2], tmp_path / "warm", options)  # first-use caches and imports
    gc.collect()
    process_batch(sources, tmp_path / "out", options)  # in this process: no time limit
    assert gc.collect() < 200
