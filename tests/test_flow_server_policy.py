"""The twenty-third speed round: the run's own temporary Prefect server runs under
SCHED_BATCH (flows/server.py), so its wake-ups never preempt the cleaning worker, and a
run on it still completes with its flow run and every task run recorded (issue 15)."""
import json
import os
import subprocess
import sys

import httpx
import pytest

from conftest import ROOT, SEEDS, settled_task_runs, with_migrated_prefect_db

from flows.server import SERVER_POLICY, TemporaryServer

linux = pytest.mark.skipif(not hasattr(os, "SCHED_BATCH"), reason="scheduling policies are Linux's")


def _policies(pid: int) -> dict[int, int]:
    """Each live thread of the process and its scheduling policy."""
    found = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            found[int(tid)] = os.sched_getscheduler(int(tid))
        except OSError:  # the thread ended meanwhile
            pass
    return found


@linux
def test_the_runs_server_and_all_its_threads_run_as_batch_and_a_run_on_it_completes(tmp_path):
    from prefect.settings import PREFECT_HOME, temporary_settings

    assert SERVER_POLICY == "SCHED_BATCH"
    home = with_migrated_prefect_db(tmp_path / "state" / "prefect")
    server = TemporaryServer()
    with temporary_settings(updates={PREFECT_HOME: str(home)}):
        server.start(timeout=300)
    try:
        pid = server.process.pid
        before = _policies(pid)
        # uvicorn's loop, the stdin watcher, executor threads, docket's Rust runtime
        assert len(before) > 3
        assert set(before.values()) == {os.SCHED_BATCH}, before
        assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the run's own process is left alone
        out = tmp_path / "out"
        env = {**os.environ, "PIPELINE_STATE_DIR": str(tmp_path / "state"), "PREFECT_API_URL": server.api_url}
        done = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(SEEDS), "--out", str(out),
                               "--batch-size", "2", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        assert json.loads(done.stdout)["cleaned"] == 5
        api = server.api_url
        [flow_run] = httpx.post(f"{api}/flow_runs/filter", json={"limit": 10}, timeout=30).json()
        assert flow_run["state_type"] == "COMPLETED" and flow_run["parameters"]["out"] == str(out)
        tasks = settled_task_runs(api, flow_run["id"], ["COMPLETED"] * 4)
        states = [t["state_type"] for t in tasks]
        assert states == ["COMPLETED"] * 4, states
        # Threads the server started while serving the run inherited the policy.
        assert set(_policies(pid).values()) == {os.SCHED_BATCH}
    finally:
        server.stop()


def test_an_unknown_policy_changes_nothing():
    """Where the system lacks the policy (not Linux), the server runs as before."""
    probe = ("import os; from flows.server import _yield_to_the_run as y; "
             "print(y('SCHED_NO_SUCH_POLICY'), os.sched_getscheduler(0) == os.SCHED_OTHER "
             "if hasattr(os, 'sched_getscheduler') else True)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]
