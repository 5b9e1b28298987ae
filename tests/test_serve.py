"""`pipeline serve` for real: a Prefect server on 127.0.0.1 (free port, own state
folder), the deployment served with its cron schedule, a run triggered through the
Prefect API, its output and final state checked, everything shut down."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from conftest import ROOT, SEEDS, with_migrated_prefect_db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


# Prefect's server answers 503 when its SQLite database is locked for a moment (the
# scheduler writing runs while we read), and its own client retries 429/502/503 with a
# back-off; a test talking to the API directly must do the same, or it fails on a
# busy machine (CI did).
RETRIED = {429, 502, 503}


def api_send(method: str, url: str, json=None, attempts: int = 8) -> httpx.Response:
    for attempt in range(attempts):
        response = httpx.request(method, url, json=json, timeout=30)
        if response.status_code not in RETRIED:
            return response
        time.sleep(min(2 ** attempt * 0.25, 8))
    return response


def api_json(method: str, url: str, json=None):
    response = api_send(method, url, json)
    assert response.status_code < 300, f"{method} {url}: {response.status_code} {response.text}"
    return response.json()


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # a background process ignores SIGINT
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def start_server(tmp_path):
    """A real Prefect server on a free 127.0.0.1 port with its own state folder: the
    process, its API address, and the environment its clients use."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    # A database already migrated, as a user's server has after its first start (which
    # runs Prefect's 100-odd migrations; not what these tests check).
    with_migrated_prefect_db(tmp_path / "server-home")
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "server-home"), "DO_NOT_TRACK": "1",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_RUNNER_POLL_FREQUENCY": "1",
           "PREFECT_WORKER_QUERY_SECONDS": "1", "PIPELINE_STATE_DIR": str(tmp_path / "state")}
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port",
                               str(port), "--no-ui", "--analytics-off"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    return server, api, {**env, "PREFECT_API_URL": api}


@pytest.fixture(scope="module")
def served_api(tmp_path_factory):
    """One real server for this file's two tests (a start costs 10-20 s): each test's
    deployment has its own name, and each looks only at its own."""
    server, api, client_env = start_server(tmp_path_factory.mktemp("serve"))
    try:
        wait_for(lambda: _healthy(api), 120, "the Prefect server")
        yield api, client_env
    finally:
        stop(server)
    assert server.returncode is not None


def finished_run(api: str, run_id: str, timeout: float, what: str) -> dict:
    def finished():
        state = api_json("GET", f"{api}/flow_runs/{run_id}").get("state") or {}
        return state if state.get("type") in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

    return wait_for(finished, timeout, what)


def test_serve_a_scheduled_deployment_and_trigger_a_run(tmp_path, served_api):
    api, client_env = served_api
    client_env = {**client_env, "PIPELINE_STATE_DIR": str(tmp_path / "state")}
    serve = None
    try:
        work = tmp_path / "work"
        shutil.copytree(SEEDS, work / "seeds")
        serve = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", "--cron", "0 * * * *", "seeds",
                                  "--out", "clean"], cwd=work, env=client_env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)

        def deployment():
            found = api_json("POST", f"{api}/deployments/filter",
                             {"deployments": {"name": {"any_": ["scheduled"]}}})
            return found[0] if found else None

        dep = wait_for(deployment, 120, "the served deployment")
        schedules = api_json("GET", f"{api}/deployments/{dep['id']}/schedules")
        assert [s["schedule"]["cron"] for s in schedules] == ["0 * * * *"]
        assert dep["parameters"]["out"] == str(work / "clean")

        created = api_json("POST", f"{api}/deployments/{dep['id']}/create_flow_run", {})
        state = finished_run(api, created["id"], 240, "the triggered flow run")
        assert state["type"] == "COMPLETED", state
        # Same output as the committed clean/, except that served runs name their sources by
        # absolute path (a scheduled run starts in its own process, maybe elsewhere).
        for name in sorted(p.name for p in (ROOT / "clean").iterdir() if p.name not in ("run.json", ".pipeline")):
            produced = (work / "clean" / name).read_text("utf-8").replace(f"{work}/", "")
            assert produced == (ROOT / "clean" / name).read_text("utf-8"), name
        assert json.loads((work / "clean" / "run.json").read_text("utf-8"))["cleaned"] == 5
    finally:
        if serve is not None:
            stop(serve)
    assert serve is None or serve.returncode is not None


def test_serve_without_a_server_says_how_to_start_one(tmp_path):
    env = {**os.environ, "PIPELINE_STATE_DIR": str(tmp_path / "state")}
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run([sys.executable, "-m", "flows.cli", "serve", "--cron", "0 * * * *"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "prefect server start --host 127.0.0.1" in done.stderr and "PREFECT_API_URL" in done.stderr


def test_prefect_yaml_deploys_to_a_process_work_pool_and_a_worker_runs_it(tmp_path, served_api):
    """The repository's prefect.yaml, as a user with their own server and workers runs it:
    `prefect deploy --all` from the project folder, a process work pool, a worker, one run."""
    api, client_env = served_api
    client_env = {**client_env, "PIPELINE_STATE_DIR": str(tmp_path / "state")}
    worker = None
    try:
        # The project folder as a user has it: prefect.yaml, the flow's code, the seeds.
        work = tmp_path / "project"
        for name in ("flows", "seeds"):
            shutil.copytree(ROOT / name, work / name)
        shutil.copy(ROOT / "prefect.yaml", work / "prefect.yaml")

        def prefect(*args):
            # PWD as a shell sets it: prefect.yaml's pull step reads it at deploy time.
            done = subprocess.run([sys.executable, "-m", "prefect", "--no-prompt", *args], cwd=work,
                                  env={**client_env, "PWD": str(work)},
                                  capture_output=True, text=True, timeout=180)
            assert done.returncode == 0, done.stdout + done.stderr
            return done

        prefect("work-pool", "create", "news-pipeline", "--type", "process")
        prefect("deploy", "--all")
        [dep] = api_json("POST", f"{api}/deployments/filter", {"deployments": {"name": {"any_": ["hourly"]}}})
        assert dep["name"] == "hourly" and dep["work_pool_name"] == "news-pipeline"
        schedules = api_json("GET", f"{api}/deployments/{dep['id']}/schedules")
        assert [s["schedule"]["cron"] for s in schedules] == ["0 * * * *"]

        worker = subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start", "--pool", "news-pipeline"],
                                  cwd=work, env=client_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        run = api_json("POST", f"{api}/deployments/{dep['id']}/create_flow_run", {})
        state = finished_run(api, run["id"], 300, "the flow run picked up by the worker")
        assert state["type"] == "COMPLETED", state
        # The deployment's relative paths resolve in the project folder (its pull step).
        for name in sorted(p.name for p in (ROOT / "clean").iterdir() if p.name not in ("run.json", ".pipeline")):
            assert (work / "clean" / name).read_text("utf-8") == (ROOT / "clean" / name).read_text("utf-8"), name
    finally:
        if worker is not None:
            stop(worker)


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
