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
