"""The Prefect flow and the CLI, for real: an ephemeral Prefect server, files on disk."""
import json
import os
import shutil
import subprocess
import sys

from conftest import ROOT, SEEDS


def pipeline_cmd(*args, state, cwd):
    env = {**os.environ, "PIPELINE_STATE_DIR": str(state)}
    env.pop("PREFECT_HOME", None)
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_cli_run_reproduces_the_committed_clean_folder(tmp_path):
    work = tmp_path / "work"
    shutil.copytree(SEEDS, work / "seeds")
    done = pipeline_cmd("run", state=tmp_path / "state", cwd=work)
    assert done.returncode == 0, done.stderr
    assert "documents in: 5  cleaned: 5  duplicates: 0  rejected: 0" in done.stdout
    assert "lines removed per rule:" in done.stdout and "time:" in done.stdout
    # run.json holds clock time; .pipeline/ is the machine-specific re-run state (gitignored).
    produced = sorted(p.name for p in (work / "clean").iterdir() if p.name not in ("run.json", ".pipeline"))
    committed = sorted(p.name for p in (ROOT / "clean").iterdir() if p.name not in ("run.json", ".pipeline"))
    assert produced == committed
    for name in committed:
        assert (work / "clean" / name).read_bytes() == (ROOT / "clean" / name).read_bytes(), name
    # Prefect kept its state in the state folder, not in the user's home or the output.
    assert (tmp_path / "state" / "prefect").is_dir()
    assert not any(p.name.startswith(".prefect") for p in (work / "clean").iterdir())


def test_cli_reports_a_missing_input_and_fails(tmp_path):
    done = pipeline_cmd("run", "no-such-folder", "--out", str(tmp_path / "o"), state=tmp_path / "s", cwd=tmp_path)
    assert done.returncode == 2
    assert "input not found: no-such-folder" in done.stderr


def test_rejected_documents_do_not_fail_the_run(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SEEDS / "000_e6a63afea518df2a.txt", inputs)
    (inputs / "empty.txt").write_bytes(b"")
    done = pipeline_cmd("run", str(inputs), "--out", str(tmp_path / "out"), "--json", state=tmp_path / "s", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["cleaned"] == 1 and summary["rejected"] == 1
    assert list(summary["rejected_reasons"]) == ["empty file (no text at all)"]


_HOLD_PROBE = """
import gc, json, sys
from flows.settings import configure_prefect
configure_prefect()
import flows.clean as fc

alive = []
real_finalize = fc.finalize

def finalize(*args, **kwargs):  # the real last step, once the batches' results are in
    alive.append(sum(1 for o in gc.get_objects() for r in gc.get_referents(o)
                     if type(r) is str and r.startswith('[{"id": ') and '"signature": ' in r))
    return real_finalize(*args, **kwargs)

fc.finalize = finalize
gc.disable()  # nothing freed by a collection that happens to run: only what the flow let go of
summary = fc.clean_flow(inputs=sys.argv[2:], out=sys.argv[1], options={"batch_size": 1})
print(json.dumps({"alive": alive, "cleaned": summary["cleaned"]}))
"""


def test_the_flow_lets_go_of_each_batch_result_once_recorded(tmp_path):
    """A Prefect future and the future it wraps refer to each other, so a batch's result
    (its summaries' JSON text) lived until a full garbage collection: the flow's memory
    grew with the pages. With the collector off, all 40 batches' results were still held
    when the last step started; now at most a few whose task threads are just returning."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    generate(40, tmp_path / "in", seed=3)
    # The session's shared Prefect server (conftest.py): what is checked is the flow's
    # memory, not the run's own server (a cold start of its own cost 15-25 s here).
    env = {**os.environ, "PIPELINE_STATE_DIR": str(tmp_path / "state")}
    env.pop("PREFECT_HOME", None)
    done = subprocess.run([sys.executable, "-c", _HOLD_PROBE, str(tmp_path / "out"), str(tmp_path / "in")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["cleaned"] == 40  # one batch each
    assert len(probe["alive"]) == 1 and probe["alive"][0] <= 3, probe
