"""What a run shows on stderr, for real: the CLI as a subprocess with stderr piped
(quiet JSON lines: run start, each batch, run end; no Prefect chatter) and on a
pseudo-terminal (progress display, no JSON); Prefect's own log records go through the
same handler; a user's rule file (--rules) reaches the flow's batch tasks."""
import json
import os
import pty
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, SEEDS, with_migrated_prefect_db

PREFECT_WARNING = ("import logging, flows\nfrom prefect import flow  # sets up Prefect's logging\n"
                   "logging.getLogger('prefect.flow_runs').warning('a warning from Prefect <b>[bold]x[/bold]</b>')\n")


def on_pty(args, cwd, env, timeout=600):
    """Run a command with a pseudo-terminal as stdin/stdout/stderr; return (code, screen)."""
    main, child = pty.openpty()
    proc = subprocess.Popen(args, cwd=cwd, env={**env, "COLUMNS": "100", "TERM": "xterm-256color"},
                            stdin=child, stdout=child, stderr=child, close_fds=True)
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    code = proc.wait(timeout=timeout)
    os.close(main)
    return code, b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    """One state folder for the module, its Prefect database already migrated: a warm
    database starts faster than a new one, and a first start is not what is checked here."""
    state = tmp_path_factory.mktemp("state")
    with_migrated_prefect_db(state / "prefect")
    return state


def env_for(state):
    env = {**os.environ, "PIPELINE_STATE_DIR": str(state)}
    env.pop("PREFECT_HOME", None)
    return env


def own_server(env):
    """The run starts its own Prefect server (the session's shared one is left out)."""
    env = dict(env)
    env.pop("PREFECT_API_URL", None)
    return env


def test_piped_run_logs_json_lines_and_applies_user_rules(tmp_path, state):
    work = tmp_path / "work"
    shutil.copytree(SEEDS, work / "seeds")
    rules = work / "my-rules.toml"
    rules.write_text('[[sites]]\nfolder = "seeds"\n[[sites.rules]]\nid = "g20_teaser"\n'
                     'reason = "teaser this site puts under its stories"\nprefix = ["Though lacking financial commitments"]\n',
                     "utf-8")
    done = subprocess.run([sys.executable, "-m", "flows.cli", "run", "--batch-size", "2", "--rules", "my-rules.toml",
                           "--out", "out"], cwd=work, env=own_server(env_for(state)), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]  # every line is JSON
    events = [r["event"] for r in records if r.get("logger") == "pipeline.run"]
    # prefect_server: the run's own Prefect server (flows/server.py), its address and pid.
    assert events == ["prefect_server", "run_start", "batch_done", "batch_done", "batch_done", "run_end"]
    assert not [r for r in records if r.get("logger", "").startswith("prefect") and r["level"] == "info"]
    start = next(r for r in records if r.get("event") == "run_start")
    end = records[-1]
    assert start["documents"] == 5 and start["batches"] == 3
    assert end["event"] == "run_end" and end["cleaned"] == 5 and end["documents"] == 5
    assert sum(r["documents"] for r in records if r.get("event") == "batch_done") == 5
    assert "documents in: 5  cleaned: 5" in done.stdout
    # The rule file reached the batch tasks: the line is removed, naming the file.
    meta = json.loads((work / "out" / "000_e6a63afea518df2a.json").read_text("utf-8"))
    removed = {r["line"]: r for r in meta["removed"]}
    assert removed[11]["rule"] == "site.g20_teaser" and removed[11]["source"] == "my-rules.toml"
    assert "site.g20_teaser" in (work / "out" / "report.html").read_text("utf-8")


def test_a_bad_rule_file_stops_the_run_before_prefect_starts(tmp_path, state):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rules]]\nid = "x"\nreason = "y"\nregex = ["(unclosed"]\n', "utf-8")
    done = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(SEEDS), "--rules", str(bad), "--out",
                           str(tmp_path / "out")], cwd=tmp_path, env=env_for(state), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert f"{bad}: rule 1 (x): bad regex" in done.stderr
    assert not (tmp_path / "out").exists()


def test_prefect_log_records_are_json_lines_when_piped_and_rich_on_a_terminal(tmp_path, state):
    env = env_for(state)
    piped = subprocess.run([sys.executable, "-c", PREFECT_WARNING], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=120)
    assert piped.returncode == 0, piped.stderr
    record = json.loads(piped.stderr.strip().splitlines()[-1])
    assert record["logger"] == "prefect.flow_runs" and record["level"] == "warning"
    assert record["message"] == "a warning from Prefect <b>[bold]x[/bold]</b>"
    code, screen = on_pty([sys.executable, "-c", PREFECT_WARNING], ROOT, env, timeout=120)
    assert code == 0
    assert "\x1b[" in screen  # rich coloured it
    plain = re.sub(r"\x1b\[[0-9;]*m", "", screen)
    assert "a warning from Prefect <b>[bold]x[/bold]</b>" in plain  # printed by rich, markup not interpreted
    assert "WARNING" in screen and '"logger"' not in screen


def test_terminal_run_shows_progress_and_summary_not_json(tmp_path, state):
    work = tmp_path / "work"
    shutil.copytree(SEEDS, work / "seeds")
    code, screen = on_pty([sys.executable, "-m", "flows.cli", "run", "--out", "out"], work, env_for(state))
    assert code == 0, screen
    assert "documents in: 5  cleaned: 5" in screen
    assert '"event"' not in screen and "INFO" not in screen
    assert "\x1b[" in screen  # rich drew on the terminal (spinner / progress bar)
    assert (work / "out" / "report.html").is_file()
