"""The seventeenth speed round: the run's own temporary Prefect server made quieter
(Prefect's triggers off, docket's idle polling every 2 s, flows/server.py), and what a
run records on it still recorded (issue 15)."""
import json
import os
import subprocess
import sys

import httpx

from conftest import ROOT, SEEDS, settled_task_runs

from flows.server import DOCKET_IDLE_SECONDS, QUIET_SERVER, TemporaryServer


def test_the_servers_environment_turns_triggers_off_unless_the_user_set_them(monkeypatch):
    monkeypatch.delenv("PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED", raising=False)
    env = TemporaryServer.environment()
    assert env["PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED"] == "false" == QUIET_SERVER[
        "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED"]
    assert env["PREFECT__SERVER_EPHEMERAL"] == "1" and "PREFECT_API_URL" not in env
    monkeypatch.setenv("PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED", "true")
    assert TemporaryServer.environment()["PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED"] == "true"


_DOCKET_PROBE = """
import asyncio, json
from datetime import timedelta
from docket import Docket, Worker
from flows.server import _poll_docket_less_often

patched = _poll_docket_less_often(%r)
ran = []

async def job(value: int) -> None:
    ran.append(value)

async def main():
    async with Docket(name="probe", url="memory://") as docket:
        docket.register(job)
        async with Worker(docket) as worker:
            intervals = [worker.minimum_check_interval.total_seconds(), worker.scheduling_resolution.total_seconds()]
            running = asyncio.create_task(worker.run_forever())
            await docket.add(job)(7)
            while not ran:
                await asyncio.sleep(0.01)
            running.cancel()
    print(json.dumps({"patched": patched, "intervals": intervals, "ran": ran}))

asyncio.run(main())
"""


def test_docket_workers_poll_every_two_seconds_and_still_run_a_task_added_now():
    """In a process of its own (the server's is one): docket's Worker, made as Prefect's
    server makes it (no interval given), polls every DOCKET_IDLE_SECONDS, and a task
    added for now still runs."""
    done = subprocess.run([sys.executable, "-c", _DOCKET_PROBE % DOCKET_IDLE_SECONDS], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"patched": True, "intervals": [DOCKET_IDLE_SECONDS, DOCKET_IDLE_SECONDS], "ran": [7]}


def test_a_run_on_the_quiet_server_records_its_flow_run_and_task_runs(tmp_path):
    """The session's shared server is a TemporaryServer (conftest.py), so it runs with
    QUIET_SERVER: triggers off, while the services that record a run (task run recorder,
    event persister) run; a `pipeline run` on it leaves its flow run COMPLETED and every
    task run (three batches, the last step) COMPLETED, as before the round."""
    api = os.environ["PREFECT_API_URL"]
    services = httpx.get(f"{api}/admin/settings", timeout=30).json()["server"]["services"]
    assert services["triggers"]["enabled"] is False
    assert services["task_run_recorder"]["enabled"] is True and services["event_persister"]["enabled"] is True
    out = tmp_path / "out"
    env = {**os.environ, "PIPELINE_STATE_DIR": str(tmp_path / "state")}
    done = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(SEEDS), "--out", str(out), "--batch-size", "2",
                           "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["cleaned"] == 5
    runs = httpx.post(f"{api}/flow_runs/filter", json={"flow_runs": {"name": {}}, "sort": "START_TIME_DESC",
                                                      "limit": 200}, timeout=30).json()
    [flow_run] = [r for r in runs if r["parameters"].get("out") == str(out)]
    assert flow_run["state_type"] == "COMPLETED"
    tasks = settled_task_runs(api, flow_run["id"], ["COMPLETED"] * 4)
    states = [t["state_type"] for t in tasks]
    assert states == ["COMPLETED"] * 4, states
    assert sorted(t["name"].rsplit("-", 1)[0] for t in tasks) == ["clean-batch"] * 3 + ["finalize-run"]
