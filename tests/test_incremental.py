"""Re-runs on real folders: only new or changed pages are cleaned, deleted inputs are
withdrawn, duplicates stay right across runs, the output folder is locked, and a run
killed with SIGKILL (real processes) is completed by the next one."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SEEDS
from pipeline.options import Options
from pipeline.runner import run
from pipeline.state import RunLocked, State

sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402


def index_of(out):
    return {r["id"]: r for r in map(json.loads, (out / "index.jsonl").read_text("utf-8").splitlines())}


def assert_consistent(out):
    """The index names every document's files and they exist and parse; a body file
    exists exactly for cleaned documents and duplicates (which keep their own body);
    no temporary file is left."""
    index = index_of(out)
    for ident, row in index.items():
        meta = json.loads((out / row["outputs"]["metadata"]).read_text("utf-8"))
        assert meta["status"] == row["status"], ident
        assert (out / f"{ident}.txt").exists() == (row["status"] in ("cleaned", "duplicate")), ident
        if "body" in row["outputs"]:
            assert (out / row["outputs"]["body"]).read_text("utf-8").strip()
    bodies = {p.stem for p in out.glob("*.txt")}
    assert bodies == {i for i, r in index.items() if r["status"] in ("cleaned", "duplicate")}
    assert not list(out.glob(".*.tmp"))
    return index


def same_files(a, b):
    names = sorted(p.name for p in a.iterdir() if p.name not in ("run.json", ".pipeline"))
    assert names == sorted(p.name for p in b.iterdir() if p.name not in ("run.json", ".pipeline"))
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_rerun_skips_unchanged_and_redoes_changed_new_and_rule_changes(tmp_path):
    inputs = tmp_path / "in"
    shutil.copytree(SEEDS, inputs)
    out = tmp_path / "out"
    first = run([str(inputs)], out)
    assert (first.processed, first.skipped) == (5, 0)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != "run.json"}

    second = run([str(inputs)], out)
    assert (second.processed, second.skipped, second.withdrawn) == (0, 5, 0)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != "run.json"} == before

    # Touched but same content: skipped after a hash; edited: cleaned again; new: cleaned.
    page = inputs / "001_4d8637c95e606681.txt"
    os.utime(page, ns=(1, 1))
    edited = inputs / "002_6b2440b7a94c438e.txt"
    edited.write_text(edited.read_text("utf-8") + "\nA late paragraph the editors added to the article after it first ran.\n", "utf-8")
    shutil.copy(ROOT / "tests" / "data" / "pages" / "text" / "sh-14cc2a0ca59c62a8.txt", inputs / "new.txt")
    third = run([str(inputs)], out)
    assert third.processed == 2 and third.skipped == 4
    assert third.reprocess_reasons == {"content changed": 1, "new": 1}
    assert index_of(out)["new"]["status"] == "cleaned"

    # An option that changes output is part of the rules fingerprint: everything again.
    fourth = run([str(inputs)], out, Options(min_body_words=2))
    assert fourth.processed == 6 and fourth.reprocess_reasons == {"rules or version changed": 6}
    # batch_size does not change output, so it does not force work.
    assert run([str(inputs)], out, Options(min_body_words=2, batch_size=3)).processed == 0

    # A body file deleted by hand is noticed and rebuilt.
    (out / "new.txt").unlink()
    fifth = run([str(inputs)], out, Options(min_body_words=2))
    assert fifth.reprocess_reasons == {"output missing": 1}
    assert_consistent(out)


def test_deleted_input_is_withdrawn_and_its_duplicate_becomes_the_original(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    page = (SEEDS / "003_3ee7487b8204e483.txt").read_bytes()
    (inputs / "a.txt").write_bytes(page)
    (inputs / "b.txt").write_bytes(page)
    shutil.copy(SEEDS / "001_4d8637c95e606681.txt", inputs / "c.txt")
    out = tmp_path / "out"
    run([str(inputs)], out, Options(batch_size=1))
    index = assert_consistent(out)
    assert index["b"]["status"] == "duplicate" and (out / "b.txt").exists()

    (inputs / "a.txt").unlink()
    summary = run([str(inputs)], out, Options(batch_size=1))
    assert (summary.processed, summary.skipped, summary.withdrawn) == (0, 2, 1)
    index = assert_consistent(out)
    assert index["a"]["status"] == "withdrawn" and "input no longer found" in index["a"]["reason"]
    assert index["a"]["outputs"] == {"metadata": "a.json"} and not (out / "a.txt").exists()
    assert json.loads((out / "a.json").read_text("utf-8"))["status"] == "withdrawn"
    # b was a duplicate of a; with a gone it is the original, and its files are what a
    # fresh run would write.
    assert index["b"]["status"] == "cleaned"
    fresh = tmp_path / "fresh"
    run([str(inputs)], fresh)
    assert (out / "b.txt").read_bytes() == (fresh / "b.txt").read_bytes()
    assert (out / "b.json").read_bytes() == (fresh / "b.json").read_bytes()

    (inputs / "a.txt").write_bytes(page)  # it comes back: cleaned again, b a duplicate again
    summary = run([str(inputs)], out, Options(batch_size=1))
    assert summary.processed == 1 and summary.withdrawn == 0
    index = assert_consistent(out)
    assert (index["a"]["status"], index["b"]["status"]) == ("cleaned", "duplicate")


def test_second_run_on_the_same_output_refuses_or_waits(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with State(out):
        with pytest.raises(RunLocked, match="another run is writing to .*pass --wait"):
            run([str(SEEDS)], out)
        env = {**os.environ, "PIPELINE_STATE_DIR": str(tmp_path / "state")}
        done = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(SEEDS), "--out", str(out)],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 3
        assert f"another run is writing to {out} (pid {os.getpid()}" in done.stderr
    assert not (out / "index.jsonl").exists()

    # Another process holds the folder for a moment; a run with wait=True queues behind it.
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pipeline.state import State\n"
                               f"with State({str(out)!r}):\n print('held', flush=True); time.sleep(1.5)"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(RunLocked):
        run([str(SEEDS)], out)
    summary = run([str(SEEDS)], out, wait=True)
    assert holder.wait() == 0 and summary.cleaned == 5


def _killed_part_way(cmd, out, env, min_done, timeout=300):
    """Start a real run in its own process group; SIGKILL it once `min_done` documents
    have metadata on disk (before it could finish)."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if out.is_dir() and sum(1 for p in out.glob("*.json")) >= min_done:
                break
            time.sleep(0.02)
        assert proc.poll() is None, f"the run ended before it could be killed: {proc.stderr.read()}"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the run and Prefect's temporary server
        except ProcessLookupError:
            pass
        proc.wait()


def test_a_run_killed_part_way_leaves_clean_consistent_and_the_next_finishes(tmp_path):
    inputs = tmp_path / "in"
    generate(240, inputs, seed=1)
    out = tmp_path / "out"
    env = {**os.environ, "PIPELINE_STATE_DIR": str(tmp_path / "state")}
    env.pop("PREFECT_HOME", None)
    # The real command, killed during cleaning.
    _killed_part_way([sys.executable, "-m", "flows.cli", "run", str(inputs), "--out", str(out), "--batch-size", "8"],
                     out, env, min_done=40)
    assert not (out / "index.jsonl").exists()  # nothing was committed as a finished run
    for meta in out.glob("*.json"):
        json.loads(meta.read_text("utf-8"))  # every file there is whole
    # The library loop, killed at later points (cleaning, then after the first run's
    # index exists: re-runs redo the unfinished batches and finalize).
    code = f"from pipeline.runner import run; from pipeline.options import Options; run([{str(inputs)!r}], {str(out)!r}, Options(batch_size=8))"
    for min_done in (120, 200):
        _killed_part_way([sys.executable, "-c", code], out, env, min_done=min_done)
        if (out / "index.jsonl").exists():
            assert_consistent(out)

    summary = run([str(inputs)], out, Options(batch_size=8))
    assert summary.recovered
    assert summary.skipped >= 150 and summary.processed + summary.skipped == 240
    assert summary.documents == 240
    assert_consistent(out)
    fresh = tmp_path / "fresh"
    run([str(inputs)], fresh, Options(batch_size=8))
    same_files(out, fresh)
