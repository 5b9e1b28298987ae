"""The command line under hostile use (issue 12): bad arguments, `--state`, runs started
together, Ctrl-C and SIGTERM, rule files that hang or backtrack, `explain` and `serve`
given what they cannot use. Every case is the real CLI in a subprocess, or a real run."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS, with_migrated_prefect_db
from pipeline.options import Options
from pipeline.runner import run

EVIL_RULE = '[[rules]]\nid = "evil"\nreason = "a pattern that backtracks"\nregex = ["(a+)+$"]\n'
EVIL_LINE = "a" * 40 + "!"  # (a+)+$ tries every split of the a's before failing at "!"


def cli(*args, env_extra=None, state=None, timeout=120, cwd=ROOT):
    env = {**os.environ, "PIPELINE_STATE_DIR": str(state or Path(cwd) / "state")}
    for key in ("PREFECT_HOME", "PREFECT_API_URL"):
        env.pop(key, None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def one_line_error(done, *words):
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def events(stderr: str) -> list[dict]:
    found = []
    for line in stderr.splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            pass
    return found


def committed_clean_equals(out: Path) -> None:
    expected = sorted(p.name for p in (ROOT / "clean").iterdir() if p.is_file() and p.name != "run.json")
    for name in expected:
        assert (out / name).read_bytes() == (ROOT / "clean" / name).read_bytes(), name


# --- bad arguments -------------------------------------------------------------------

@pytest.mark.parametrize("args, option, rule", [
    (["run", "--workers", "0"], "--workers", "1 or more"),
    (["run", "--workers", "-1"], "--workers", "1 or more"),
    (["run", "--batch-size", "0"], "--batch-size", "1 or more"),
    (["run", "--batch-size", "-1"], "--batch-size", "1 or more"),
    (["run", "--batch-size", "two"], "--batch-size", "whole number"),
    (["run", "--doc-time-limit", "-1"], "--doc-time-limit", "0 or more"),
    (["run", "--doc-time-limit", "nan"], "--doc-time-limit", "0 or more"),
    (["serve", "--cron", "0 * * * *", "--workers", "0"], "--workers", "1 or more"),
    (["serve", "--cron", "0 * * * *", "--batch-size", "-1"], "--batch-size", "1 or more"),
    (["explain", "seeds/001_4d8637c95e606681.txt", "--doc-time-limit", "-1"], "--doc-time-limit", "0 or more"),
])
def test_bad_numbers_give_a_one_line_error_naming_the_option_and_the_rule(args, option, rule):
    one_line_error(cli(*args), option, rule)


@pytest.mark.parametrize("command", [["run"], ["serve", "--cron", "0 * * * *"], ["eval", "--gold", "tests"]])
def test_out_naming_a_file_is_refused_in_one_line(tmp_path, command):
    (tmp_path / "a-file").write_text("not a folder")
    args = [*command, "--out", str(tmp_path / "a-file"), str(SEEDS)]
    one_line_error(cli(*args, cwd=tmp_path), "--out", "not a folder")
    one_line_error(cli(*command, "--out", str(tmp_path / "a-file" / "below"), str(SEEDS), cwd=tmp_path),
                   "--out", "not a folder")
    assert (tmp_path / "a-file").read_text() == "not a folder"


# --- runs started together, and --state ------------------------------------------------

def _start_run(tmp_path: Path, name: str, state: Path, extra=(), env_extra=None) -> subprocess.Popen:
    env = {**os.environ, "PIPELINE_STATE_DIR": str(state)}
    for key in ("PREFECT_HOME", "PREFECT_API_URL"):
        env.pop(key, None)
    env.update(env_extra or {})
    if not (tmp_path / "seeds").exists():  # relative paths, as the committed clean/ was made
        shutil.copytree(SEEDS, tmp_path / "seeds")
    return subprocess.Popen([sys.executable, "-m", "flows.cli", "run", "seeds", "--out", name,
                             "--json", *extra], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish_all(runs: list[subprocess.Popen]) -> list[tuple[int, str, str]]:
    return [(p.returncode, *p.communicate(timeout=900)) for p in runs]


def test_runs_started_together_each_get_their_own_server_and_all_succeed(tmp_path):
    """Four runs started at once: two on one state folder, and two on two state folders
    (each given by `--state`, the environment pointing elsewhere): every run succeeds with
    the seeds' committed output, each on a Prefect server of its own (four distinct
    ports), and each `--state` folder holds its run's Prefect database. (All four at once
    rather than two rounds of two: the runs on the shared folder start their servers one
    after the other, and the other pair's work fills that wait.)"""
    shared = tmp_path / "shared-state"
    decoy = tmp_path / "decoy-state"
    runs = [_start_run(tmp_path, f"same-{i}", shared) for i in range(2)]
    runs += [_start_run(tmp_path, f"own-{i}", decoy, ["--state", str(tmp_path / f"state-{i}")]) for i in range(2)]
    finished = _finish_all(runs)
    urls = []
    for (code, stdout, stderr), process in zip(finished, runs):
        code = process.returncode
        assert code == 0, stderr[-6000:]
        assert json.loads(stdout)["cleaned"] == 5
        [server] = [e for e in events(stderr) if e.get("event") == "prefect_server"]
        urls.append(server["api_url"])
    assert len(set(urls)) == len(urls) == 4, urls
    for i in range(2):
        committed_clean_equals(tmp_path / f"same-{i}")
        committed_clean_equals(tmp_path / f"own-{i}")
        assert (tmp_path / f"state-{i}" / "prefect" / "prefect.db").is_file()
    assert (shared / "prefect" / "prefect.db").is_file()
    assert not (decoy / "prefect" / "prefect.db").exists()


# --- Ctrl-C and SIGTERM ------------------------------------------------------------------

def _many_pages(folder: Path, copies: int) -> Path:
    folder.mkdir()
    for i in range(copies):
        for seed in sorted(SEEDS.glob("*.txt")):
            text = seed.read_text("utf-8") + f"\n\nCopy {i} of this page, for a longer run.\n"
            (folder / f"{seed.stem}-{i}.txt").write_text(text, "utf-8")
    return folder


def _children(pid: int) -> set[int]:
    """Every descendant of `pid` (from /proc), including those in other sessions."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie holds no memory nor port: it only waits to be reaped


def _signal_part_way(inputs: Path, out: Path, state: Path, sig: int, whole_group: bool):
    env = {**os.environ, "PIPELINE_STATE_DIR": str(state)}
    for key in ("PREFECT_HOME", "PREFECT_API_URL"):
        env.pop(key, None)
    process = subprocess.Popen([sys.executable, "-m", "flows.cli", "run", str(inputs), "--out", str(out),
                                "--batch-size", "2"], cwd=out.parent, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen = []
    for line in process.stderr:  # the JSON events: wait for the first batch to be recorded
        seen.append(line)
        if '"batch_done"' in line:
            break
    descendants = _children(process.pid)
    assert descendants, "".join(seen)
    if whole_group:  # Ctrl-C at a terminal: the whole foreground process group gets SIGINT
        os.killpg(process.pid, sig)
    else:
        process.send_signal(sig)
    rest = process.stderr.read()
    process.wait(timeout=120)
    for _ in range(100):  # the killed ones exit within moments; wait for that, not a duration
        if not any(_alive(pid) for pid in descendants):
            break
        time.sleep(0.1)
    return process.returncode, rest, [pid for pid in descendants if _alive(pid)]


def test_ctrl_c_and_sigterm_stop_a_run_cleanly_and_the_next_run_goes_on(tmp_path):
    inputs = _many_pages(tmp_path / "in", 8)  # 40 pages, 20 batches of 2
    out, state = tmp_path / "out", tmp_path / "state"
    # Each run starts its own server (it must stop it); a first start on a new database is
    # not what is checked here (the concurrent runs above check it).
    with_migrated_prefect_db(state / "prefect")
    for sig, whole_group in ((signal.SIGINT, True), (signal.SIGTERM, False)):
        code, stderr, left = _signal_part_way(inputs, out, state, sig, whole_group)
        assert code == 128 + sig, stderr[-3000:]
        assert not left, f"processes left behind: {left}"
        assert "Traceback" not in stderr
        last = stderr.strip().splitlines()[-1]
        match = re.fullmatch(rf"pipeline: stopped by {sig.name}: (\d+) of (\d+) documents to clean were cleaned and "
                             rf"are kept in {re.escape(str(out))} .*run the same command again to go on", last)
        assert match, stderr[-3000:]
        assert 0 < int(match[1]) < int(match[2])
    done = cli("run", str(inputs), "--out", str(out), "--json", state=state, timeout=900, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert summary["documents"] == 40 and summary["skipped"] > 0 and summary["rejected"] == 0
    rows = [json.loads(line) for line in (out / "index.jsonl").read_text("utf-8").splitlines()]
    assert len(rows) == 40 and {r["status"] for r in rows} <= {"cleaned", "duplicate"}
    for row in rows:
        for name in row.get("outputs", {}).values():
            assert (out / name).is_file()
    assert not list(out.glob(".*.tmp"))


# --- rule files that hang or backtrack -----------------------------------------------------

def test_a_rule_file_that_is_a_named_pipe_is_refused_by_run_and_explain(tmp_path):
    fifo = tmp_path / "rules.toml"
    os.mkfifo(fifo)
    page = SEEDS / "001_4d8637c95e606681.txt"
    for args in (["run", str(page), "--out", str(tmp_path / "out")], ["explain", str(page)]):
        one_line_error(cli(*args, "--rules", str(fifo), timeout=60, cwd=tmp_path), str(fifo), "not a regular file")


def _evil_page(folder: Path) -> Path:
    folder.mkdir()
    page = folder / "evil.txt"
    text = (SEEDS / "001_4d8637c95e606681.txt").read_text("utf-8")
    page.write_text(text.replace("\n\n", f"\n\n{EVIL_LINE}\n\n", 1), "utf-8")
    return page


def test_explain_stops_a_backtracking_rule_and_names_it(tmp_path):
    rules = tmp_path / "evil.toml"
    rules.write_text(EVIL_RULE)
    page = _evil_page(tmp_path / "in")
    done = cli("explain", str(page), "--rules", str(rules), "--doc-time-limit", "2", timeout=120, cwd=tmp_path)
    assert done.returncode == 1, done.stderr[-2000:]
    [line] = done.stderr.strip().splitlines()
    assert "time limit of 2 s" in line and "lexicon.evil" in line and str(rules) in line, line


def test_a_run_over_time_on_a_rule_says_the_rule_ran_long_not_the_page(tmp_path):
    rules = tmp_path / "evil.toml"
    rules.write_text(EVIL_RULE)
    page = _evil_page(tmp_path / "in")
    shutil.copy(SEEDS / "004_d30738805927d43f.txt", page.parent / "fine.txt")
    out = tmp_path / "out"
    run([str(page.parent)], out, Options(doc_time_limit=2, rules=(str(rules),)))
    index = {r["id"]: r for r in map(json.loads, (out / "index.jsonl").read_text("utf-8").splitlines())}
    assert index["evil"]["status"] == "rejected"
    reason = index["evil"]["reason"]
    assert "time limit of 2 s" in reason and "rule lexicon.evil" in reason and str(rules) in reason, reason
    assert index["fine"]["status"] == "cleaned"


# --- explain --against and serve given what they cannot use ----------------------------------

def test_explain_against_another_tools_jsonl_is_a_one_line_error(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "index.jsonl").write_text('{"url": "https://example.com/", "text": "hello"}\n[1, 2]\n')
    done = cli("explain", str(SEEDS / "001_4d8637c95e606681.txt"), "--against", str(other), cwd=tmp_path)
    one_line_error(done, str(other / "index.jsonl"), "line 1", "not a row")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once closed


@pytest.mark.parametrize("args, words", [
    (["--cron", "every hour", str(SEEDS)], ["--cron", "not a valid cron schedule", "every hour"]),
    (["--cron", "0 * * * *", "no-such-folder"], ["no-such-folder"]),
    (["--cron", "0 * * * *", str(SEEDS)], ["PREFECT_API_URL", "no Prefect server answers"]),
])
def test_serve_refuses_what_it_cannot_use_in_one_line(tmp_path, args, words):
    api = f"http://127.0.0.1:{_closed_port()}/api"
    one_line_error(cli("serve", *args, env_extra={"PREFECT_API_URL": api}, cwd=tmp_path, timeout=120), *words)
