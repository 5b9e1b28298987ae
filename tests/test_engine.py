"""The run engine (pipeline/runner.py `Run`), the output folder's layout
(pipeline/outdir.py) and the helpers around them, on real seed pages and real files."""
import json
import signal
import subprocess
import sys
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from conftest import SEEDS
from pipeline.batch import DocSummary
from pipeline.guard import end_process
from pipeline.options import Options
from pipeline.outdir import INDEX, REPORT, RUN_RECORD, STATE_DIR, OutDir, write_atomic
from pipeline.runner import Run, process_batch, run
from pipeline.version import VERSION


def _outputs(folder):
    """Every output file's bytes but the run record (its timings and clock differ)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.is_file() and p.name != RUN_RECORD}


def test_the_engine_with_another_submit_function_writes_what_run_writes(tmp_path):
    """The library loop and any other caller (the Prefect flow, here threads that hand
    batches back in reverse order of finishing) share one engine: same files, same index."""
    options = Options(batch_size=2, doc_time_limit=0)
    expected = run([str(SEEDS)], tmp_path / "lib", options)

    seen = []
    with ThreadPoolExecutor(2) as pool, Run([str(SEEDS)], tmp_path / "other", options) as this:
        assert this.batch_count == 3  # 5 seeds, 2 a batch
        submit = lambda chunk: pool.submit(process_batch, chunk, tmp_path / "other", options)  # noqa: E731

        def last_done(running):
            done = wait(running, return_when=FIRST_COMPLETED).done
            return sorted(done, key=lambda f: f.result()[0].id)[-1]

        for summaries in this.batches_done(submit, None, last_done):
            assert all(isinstance(s, DocSummary) for s in summaries)
            seen.extend(s.id for s in summaries)
        summary = this.finalize()
    assert sorted(seen) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert summary.documents == expected.documents == 5 and summary.cleaned == expected.cleaned
    assert _outputs(tmp_path / "other") == _outputs(tmp_path / "lib")
    record = json.loads((tmp_path / "other" / RUN_RECORD).read_text("utf-8"))
    assert record["pipeline_version"] == VERSION


def test_a_second_run_finds_nothing_to_do(tmp_path):
    options = Options(doc_time_limit=0)
    run([str(SEEDS)], tmp_path / "out", options)
    with Run([str(SEEDS)], tmp_path / "out", options) as this:
        assert this.batch_count == 0 and this.plan.skipped == 5
        assert list(this.batches_done(lambda chunk: None, 1, lambda running: None)) == []


def test_a_legacy_held_folder_is_ignored(tmp_path):
    """Earlier versions set duplicates' bodies aside in .pipeline/held/; a run on such a
    folder works as on any other, and leaves held/ as it found it."""
    options = Options(doc_time_limit=0)
    fresh = tmp_path / "fresh"
    run([str(SEEDS)], fresh, options)
    old = tmp_path / "old"
    run([str(SEEDS)], old, options)
    held = old / STATE_DIR / "held"
    held.mkdir()
    (held / "000_e6a63afea518df2a.txt").write_text("a body an old version set aside\n", "utf-8")
    (old / "000_e6a63afea518df2a.txt").unlink()  # its body is missing: cleaned again, not restored from held/
    summary = run([str(SEEDS)], old, options)
    assert summary.processed == 1 and summary.reprocess_reasons == {"output missing": 1}
    assert _outputs(old) == _outputs(fresh)
    assert (held / "000_e6a63afea518df2a.txt").read_text("utf-8") == "a body an old version set aside\n"


def test_the_layout_names_every_output_file(tmp_path):
    out = tmp_path / "out"
    run([str(SEEDS)], out, Options(doc_time_limit=0))
    folder = OutDir(out)
    ids = sorted(p.stem for p in SEEDS.glob("*.txt"))
    expected = {INDEX, REPORT, RUN_RECORD} | {folder.body(i).name for i in ids} | {folder.meta(i).name for i in ids}
    assert {p.name for p in out.iterdir() if p.is_file()} == expected
    assert folder.index.exists() and folder.report.exists() and folder.run_record.exists() and folder.state.is_dir()


def test_leftovers_and_sweeping(tmp_path):
    """A temporary file is named after the file it becomes; a stopped write's leftovers
    are found per document, and swept, never a finished file."""
    folder = OutDir(tmp_path)
    write_atomic(folder.body("a"), "whole\n")
    stale = [tmp_path / ".a.txt.x1y2.tmp", tmp_path / ".a.json.z3.tmp", tmp_path / ".index.jsonl.q.tmp"]
    for path in stale:
        path.write_text("half", "utf-8")
    (tmp_path / ".ab.txt.k.tmp").write_text("another document's", "utf-8")
    assert sorted(folder.leftovers("a")) == sorted(stale[:2])
    folder.sweep()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    assert folder.body("a").read_text("utf-8") == "whole\n"


def test_end_process_asks_then_kills_a_whole_group():
    """SIGTERM first; a process (and its child) that ignores it is killed next."""
    code = ("import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
            "child = subprocess.Popen([sys.executable, '-c', 'import signal, time; "
            "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)']);"
            "print(child.pid, flush=True); time.sleep(60)")
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                               start_new_session=True)
    child = int(process.stdout.readline())
    end_process(process, ((signal.SIGTERM, 0.5), (signal.SIGKILL, 5.0)), group=True)
    assert process.returncode == -signal.SIGKILL
    gone = subprocess.run(["ps", "-o", "stat=", "-p", str(child)], capture_output=True, text=True).stdout.strip()
    # killed with its group: gone, or a zombie until init reaps it ("Z", "ZN" when niced)
    assert gone == "" or gone.startswith("Z"), gone
    process.stdout.close()


def test_end_process_stops_at_the_first_signal_that_works():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    end_process(process, ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)))
    assert process.returncode == -signal.SIGTERM
    end_process(process)  # already gone: nothing to do, no error


def test_version_comes_from_the_installed_distribution():
    from importlib.metadata import version

    import pipeline
    from pipeline import process

    assert VERSION == version("news-pipeline") == pipeline.__version__ == process.VERSION
