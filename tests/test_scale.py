"""The run's own process at scale: steps that walk every document do it a page of rows
at a time, with the same result as one pass (real runs on the seeds, real files)."""
import json
import sqlite3

from conftest import SEEDS
from pipeline import state as state_module
from pipeline.options import Options
from pipeline.runner import run


def outputs_recorded(out):
    db = sqlite3.connect(out / ".pipeline" / "state.sqlite")
    try:
        return dict(db.execute("SELECT id, outputs FROM docs ORDER BY id").fetchall())
    finally:
        db.close()


def test_outputs_are_recorded_a_page_of_rows_at_a_time_for_every_document(tmp_path, monkeypatch):
    """record_outputs reads the documents two at a time here (the seeds are five): every
    document's files are recorded, with what one read of all the rows records."""
    whole = tmp_path / "whole"
    run([str(SEEDS)], whole, Options(doc_time_limit=0))
    monkeypatch.setattr(state_module, "_PAGE_ROWS", 2)
    paged = tmp_path / "paged"
    run([str(SEEDS)], paged, Options(doc_time_limit=0))
    recorded, expected = outputs_recorded(paged), outputs_recorded(whole)
    assert len(recorded) == 5 and all(recorded.values())
    for ident, outputs in recorded.items():
        files = json.loads(outputs)
        assert f"{ident}.json" in files
        # The same files, sizes and hashes (mtimes differ between the two runs).
        assert {n: (v[0], v[2]) for n, v in files.items()} == \
            {n: (v[0], v[2]) for n, v in json.loads(expected[ident]).items()}
        for name, (size, _, _) in files.items():
            assert (paged / name).stat().st_size == size


def test_memory_phases_bench_measures_every_phase_of_a_real_run(tmp_path):
    """bench/memory_phases.py's child on the seeds: a real run, each phase of it seen once
    (the wrapped runner functions were called), its figures recorded, and the table and
    growth lines made from them."""
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "bench"))
    import memory_phases

    result = memory_phases.child(SEEDS, traced=True, top=3)
    assert result["pages"] == 5
    ran = set(result["phases"])
    assert set(memory_phases.PHASES) - ran == set(), set(memory_phases.PHASES) - ran
    for row in result["phases"].values():
        assert {"held", "peak", "rss", "rss_peak", "cpu"} <= set(row) and row["rss_peak"] >= row["rss"] > 0
    text = memory_phases.table(result)
    assert text.count("\n| ") == len(memory_phases.PHASES) + 1
    assert "| learn sites |" in memory_phases.growth({**result, "pages": 1}, result)
