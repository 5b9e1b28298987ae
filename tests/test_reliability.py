"""Issue 12, the library's half: each break tried on real files with real runs (the
library loop, or the CLI as a subprocess), and what must hold now."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PAGES, ROOT, SEED_GOLD, SEEDS
from pipeline.options import Options
from pipeline.runner import run
from pipeline.sources import InputError, discover

FAST = Options(doc_time_limit=0)  # pages cleaned in this process: no worker to start
SEED_IDS = sorted(p.stem for p in SEEDS.glob("*.txt"))


def index_of(out: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, (out / "index.jsonl").read_text("utf-8").splitlines())}


def gold(seed: str) -> str:
    return (SEED_GOLD / f"{seed}.txt").read_text("utf-8")


def day_folders(tmp_path: Path) -> tuple[Path, Path]:
    """Two days' crawls: three seeds the first day, two the second, and one name
    (page.txt) in both, holding different pages."""
    day1, day2 = tmp_path / "day1", tmp_path / "day2"
    day1.mkdir()
    day2.mkdir()
    for seed in SEED_IDS[:3]:
        shutil.copy(SEEDS / f"{seed}.txt", day1 / f"{seed}.txt")
    for seed in SEED_IDS[3:]:
        shutil.copy(SEEDS / f"{seed}.txt", day2 / f"{seed}.txt")
    shutil.copy(SEEDS / f"{SEED_IDS[0]}.txt", day1 / "page.txt")
    shutil.copy(SEEDS / f"{SEED_IDS[4]}.txt", day2 / "page.txt")
    return day1, day2


# -- item 1: withdrawals only under this run's paths; --prune; a warning -------------------

def test_a_day_by_day_run_into_one_folder_keeps_every_earlier_body(tmp_path):
    day1, day2 = day_folders(tmp_path)
    out = tmp_path / "out"
    run([str(day1)], out, FAST)
    first = {p.name: p.read_bytes() for p in out.glob("*.txt")}
    assert len(first) == 4

    summary = run([str(day2)], out, FAST)
    assert summary.withdrawn == 0
    index = index_of(out)
    # Every day-1 body is still there, byte for byte, and still indexed as it was.
    for name, body in first.items():
        assert (out / name).read_bytes() == body, name
        assert index[name[:-4]]["status"] in ("cleaned", "duplicate")
    # Day 2's page.txt did not take day 1's id "page": it got its own.
    day2_page = [r for r in index.values() if r["source"] == str(day2 / "page.txt")]
    assert len(day2_page) == 1 and day2_page[0]["id"].startswith("page-")
    assert (out / f"{day2_page[0]['id']}.txt").read_text("utf-8") == gold(SEED_IDS[4])
    assert index["page"]["source"] == str(day1 / "page.txt")

    # Re-running day 2 is a no-op, and a day-2 file deleted is withdrawn; day 1 untouched.
    assert run([str(day2)], out, FAST).processed == 0
    (day2 / f"{SEED_IDS[3]}.txt").unlink()
    third = run([str(day2)], out, FAST)
    assert third.withdrawn == 1
    assert index_of(out)[SEED_IDS[3]]["status"] == "withdrawn"
    for name, body in first.items():
        assert (out / name).read_bytes() == body, name


def test_prune_withdraws_what_this_run_did_not_find_and_warns_when_it_is_most(tmp_path):
    day1 = tmp_path / "day1"
    day1.mkdir()
    for number in range(8):  # eight distinct pages: a seed each, under two names
        seed = SEED_IDS[number % 5]
        (day1 / f"p{number}.txt").write_text((SEEDS / f"{seed}.txt").read_text("utf-8") + f"\nPage {number} of eight.\n",
                                            "utf-8")
    day2 = tmp_path / "day2"
    day2.mkdir()
    shutil.copy(SEEDS / f"{SEED_IDS[0]}.txt", day2 / "new.txt")
    out = tmp_path / "out"
    run([str(day1)], out, FAST)
    plain = run([str(day2)], out, FAST)
    assert plain.withdrawn == 0 and not plain.warnings

    pruned = run([str(day2)], out, Options(doc_time_limit=0, prune=True))
    assert pruned.withdrawn == 8
    assert any("withdraws 8 of the 9 documents" in w for w in pruned.warnings)
    index = index_of(out)
    assert {i for i, r in index.items() if r["status"] != "withdrawn"} == {"new"}
    assert not (out / "p0.txt").exists()
    record = json.loads((out / "run.json").read_text("utf-8"))
    assert record["warnings"] == pruned.warnings


# -- item 5: file modes --------------------------------------------------------------------

def test_output_files_take_the_mode_the_umask_gives(tmp_path):
    code = ("import os, sys; os.umask(0o022); from pipeline.runner import run; from pipeline.options import Options;"
            " run([sys.argv[1]], sys.argv[2], Options(doc_time_limit=0))")
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-c", code, str(SEEDS), str(out)], cwd=ROOT, check=True, timeout=600)
    files = [p for p in out.iterdir() if p.is_file()]
    assert len(files) >= 13  # 5 bodies, 5 metadata, index, report, run record
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path.name


# -- item 7: the output folder is an input folder, or inside one ------------------------------

def test_output_folder_equal_to_an_input_folder_is_refused(tmp_path):
    pages = tmp_path / "pages"
    shutil.copytree(SEEDS, pages)
    before = {p.name: p.read_bytes() for p in pages.iterdir()}
    with pytest.raises(InputError, match=r"output folder .*pages is the input folder .*pages"):
        run([str(pages)], pages, FAST)
    with pytest.raises(InputError, match="is the input folder"):
        run([str(pages)], str(pages) + "/.", FAST)
    with pytest.raises(InputError, match="is inside the output folder"):
        run([str(pages / f"{SEED_IDS[0]}.txt")], pages, FAST)
    assert {p.name: p.read_bytes() for p in pages.iterdir()} == before


def test_an_output_folder_inside_the_input_folder_is_never_read_as_input(tmp_path):
    pages = tmp_path / "pages"
    shutil.copytree(SEEDS, pages)
    out = pages / "clean"
    counts = [run([str(pages)], out, FAST).documents for _ in range(3)]
    assert counts == [5, 5, 5]
    assert set(index_of(out)) == set(SEED_IDS)


# -- item 8: odd paths -------------------------------------------------------------------

def test_odd_paths_are_each_one_input_and_the_run_goes_on(tmp_path):
    inputs = tmp_path / "in"
    shutil.copytree(SEEDS, inputs)
    raw = os.fsencode(inputs)
    # A file name of bytes that are not UTF-8 (latin-1 "café"): cleaned like any page.
    with open(raw + b"/caf\xe9.txt", "wb") as handle:
        handle.write((SEEDS / f"{SEED_IDS[1]}.txt").read_bytes())
    # Two symlinks pointing at each other.
    os.symlink("loop_b.txt", inputs / "loop_a.txt")
    os.symlink("loop_a.txt", inputs / "loop_b.txt")
    # A path longer than PATH_MAX: folders made one at a time, relative to the last.
    deep = os.open(inputs, os.O_RDONLY)
    try:
        for _ in range(20):
            name = "d" * 250
            os.mkdir(name, dir_fd=deep)
            inner = os.open(name, os.O_RDONLY, dir_fd=deep)
            os.close(deep)
            deep = inner
        fd = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=deep)
        os.write(fd, b"A page at the bottom of a very deep folder.\n")
        os.close(fd)
    finally:
        os.close(deep)
    out = tmp_path / "out"
    summary = run([str(inputs)], out)  # default options: pages go to a worker process
    index = index_of(out)
    assert summary.documents == 5 + 1 + 2 + len([r for r in index.values() if r["id"].startswith("d")])
    [cafe] = [r for r in index.values() if "caf" in r["id"]]
    # A copy of a seed: a duplicate, which keeps its own body.
    assert cafe["status"] in ("cleaned", "duplicate") and cafe["source"].endswith("caf\\xe9.txt")
    assert (out / f"{cafe['id']}.txt").read_text("utf-8") == gold(SEED_IDS[1])
    for name in ("loop_a", "loop_b"):
        assert index[name]["status"] == "rejected"
        assert "symbolic links" in index[name]["reason"]
    deep_rows = [r for r in index.values() if r["source"].startswith(str(inputs / ("d" * 250)))]
    assert deep_rows and all(r["status"] == "rejected" and "too long" in r["reason"].lower() for r in deep_rows)
    # A second run skips them all as unchanged.
    assert run([str(inputs)], out).processed == 0


def test_followed_folder_loops_are_walked_once(tmp_path):
    top = tmp_path / "top"
    inputs = top / "in"
    inputs.mkdir(parents=True)
    shutil.copy(SEEDS / f"{SEED_IDS[0]}.txt", inputs / "a.txt")
    shutil.copy(SEEDS / f"{SEED_IDS[1]}.txt", inputs / "b.txt")
    os.symlink(".", inputs / "loop")
    os.symlink("..", inputs / "up")
    sources = discover([str(inputs)], follow_symlinks=True)
    assert sorted(Path(s.path).name for s in sources) == ["a.txt", "b.txt"]


# -- items 6 and 9: options -----------------------------------------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("batch_size", 0, "batch_size: must be at least 1, got 0"),
    ("batch_size", -1, "batch_size: must be at least 1, got -1"),
    ("workers", 0, "workers: must be at least 1, got 0"),
    ("workers", -1, "workers: must be at least 1, got -1"),
    ("doc_time_limit", -1, "doc_time_limit: must be a number of seconds, 0 or more"),
    ("max_input_bytes", 0, "max_input_bytes: must be a whole number of bytes, at least 1, got 0"),
    ("near_duplicate_threshold", 1.5, "near_duplicate_threshold: must be a number from 0 to 1, got 1.5"),
    ("site_min_share", -0.1, "site_min_share: must be a number from 0 to 1"),
    ("line_model", "some", "line_model: must be one of text, all, off, got 'some'"),
    ("follow_symlinks", "yes", "follow_symlinks: must be true or false"),
])
def test_every_option_is_checked_with_a_one_line_message(field, value, message):
    with pytest.raises(ValueError) as caught:
        Options(**{field: value})
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)
    with pytest.raises(ValueError):
        Options.from_dict({field: value})


def test_an_output_path_that_is_a_file_is_a_clear_error(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("not a folder\n")
    with pytest.raises(InputError, match="output folder .*out.txt is an existing file, not a folder"):
        run([str(SEEDS)], out, FAST)
    assert out.read_text() == "not a folder\n"


# -- item 10: ids ---------------------------------------------------------------------------

def test_ids_never_take_the_tools_own_names_or_each_others(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    page = (SEEDS / f"{SEED_IDS[0]}.txt").read_bytes()
    for number, name in enumerate(["run.txt", "index.txt", "report.txt", "documents.txt", "a.txt", "a.htm"]):
        (inputs / name).write_bytes(page + f"\nNote {number}.\n".encode())
    # A name built like the collision suffix a.htm would get.
    suffix = discover([str(inputs)])
    [other] = [s.id for s in suffix if s.id.startswith("a-")]
    (inputs / f"{other}.txt").write_bytes(page + b"\nThe look-alike.\n")
    out = tmp_path / "out"
    run([str(inputs)], out, FAST)
    index = index_of(out)
    assert len(index) == 7 and len({r["outputs"]["metadata"] for r in index.values()}) == 7
    assert not {"run", "index", "report", "documents"} & set(index)
    for row in index.values():  # each metadata file names its own input
        meta = json.loads((out / row["outputs"]["metadata"]).read_text("utf-8"))
        assert meta["id"] == row["id"] and meta["source"] == row["source"]
    assert json.loads((out / "run.json").read_text("utf-8"))["documents"] == 7


# -- item 13: corrupt state ------------------------------------------------------------------

def _break(out: Path, how: str) -> None:
    state = out / ".pipeline"
    if how == "sqlite cut in half":
        path = state / "state.sqlite"
        for extra in ("state.sqlite-wal", "state.sqlite-shm"):
            (state / extra).unlink(missing_ok=True)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif how == "sqlite garbled":
        for extra in ("state.sqlite-wal", "state.sqlite-shm"):
            (state / extra).unlink(missing_ok=True)
        path = state / "state.sqlite"
        data = bytearray(path.read_bytes())
        data[:100] = b"\x5a" * 100
        path.write_bytes(bytes(data))
    elif how == "site profile garbled":
        profiles = sorted((state / "sites").glob("*.json"))
        assert len(profiles) == 2  # day1's site and day2's
        for profile in profiles:
            profile.write_text('{"site": "x", "pages": [1, 2', "utf-8")
    elif how == ".pipeline a file":
        shutil.rmtree(state)
        state.write_text("not a folder\n")
    elif how == "lock a folder":
        (state / "lock").unlink()
        (state / "lock").mkdir()


@pytest.mark.parametrize("how", ["sqlite cut in half", "sqlite garbled", "site profile garbled",
                                 ".pipeline a file", "lock a folder"])
def test_broken_state_is_set_aside_and_rebuilt(tmp_path, how):
    day1, day2 = day_folders(tmp_path)
    out = tmp_path / "out"
    run([str(day1)], out, FAST)
    run([str(day2)], out, FAST)
    def files():
        return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()
                and p.name not in ("run.json", "index.jsonl", "report.html") and not p.name.startswith(".")}

    before, rows = files(), index_of(out)
    _break(out, how)
    # A new page too, so the run learns its site (reading the site's profile) and cleans.
    shutil.copy(PAGES / "text" / "sh-14cc2a0ca59c62a8.txt", day2 / "extra.txt")
    summary = run([str(day2)], out, FAST)
    assert any(w.startswith("broken state") for w in summary.warnings), summary.warnings
    assert list(out.glob(".pipeline.broken-*"))
    after = files()
    assert {name: after.get(name) for name in before} == before  # every earlier document kept as it was
    index = index_of(out)
    assert {i: index[i] for i in rows} == rows and index["extra"]["status"] in ("cleaned", "duplicate")
    # And the next run is an ordinary one.
    again = run([str(day2)], out, FAST)
    assert again.processed == 0 and not again.warnings


# -- item 14: rule files by content ------------------------------------------------------------

def test_editing_a_rules_file_cleans_again(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SEEDS / f"{SEED_IDS[1]}.txt", inputs / "a.txt")
    body = gold(SEED_IDS[1])
    line = next(l for l in body.splitlines() if len(l.split()) >= 8)
    rules = tmp_path / "rules.toml"
    rule = '[[rules]]\nid = "mine"\nreason = "a line I do not want"\nexact = [{}]\n'
    rules.write_text(rule.format(json.dumps("No such phrase anywhere in these pages")), "utf-8")
    out = tmp_path / "out"
    options = Options(doc_time_limit=0, rules=(str(rules),))
    run([str(inputs)], out, options)
    assert line in (out / "a.txt").read_text("utf-8")
    rules.write_text(rule.format(json.dumps(line)), "utf-8")
    summary = run([str(inputs)], out, options)
    assert summary.processed == 1
    assert line not in (out / "a.txt").read_text("utf-8")


# -- also: outputs edited by hand, one file given twice ---------------------------------------

def test_an_output_file_edited_or_emptied_by_hand_is_rewritten(tmp_path):
    out = tmp_path / "out"
    run([str(SEEDS)], out, FAST)
    wanted = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != "run.json"}
    (out / f"{SEED_IDS[0]}.txt").write_text("", "utf-8")
    meta = out / f"{SEED_IDS[1]}.json"
    stamp = meta.stat()
    meta.write_text(meta.read_text("utf-8").replace('"cleaned"', '"edited"'), "utf-8")
    os.utime(meta, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # same mtime: the hash still tells
    summary = run([str(SEEDS)], out, FAST)
    assert summary.processed == 2 and summary.reprocess_reasons == {"output edited": 2}
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != "run.json"} == wanted


def test_the_same_file_given_twice_is_one_document(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    one = f"seeds/{SEED_IDS[0]}.txt"
    out = tmp_path / "out"
    summary = run([one, str(ROOT / one), "seeds", str(SEEDS)], out, FAST)
    assert summary.documents == 5 and set(index_of(out)) == set(SEED_IDS)


# -- the CLI, as a user runs it ---------------------------------------------------------------

@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    env = {**os.environ, "PIPELINE_STATE_DIR": str(tmp_path_factory.mktemp("cli-state"))}
    env.pop("PREFECT_HOME", None)
    return env


def test_cli_refuses_out_equal_to_input_and_a_file(tmp_path, cli_env):
    pages = tmp_path / "pages"
    shutil.copytree(SEEDS, pages)
    done = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(pages), "--out", str(pages)],
                          cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert done.stderr.strip() == f"pipeline: output folder {pages} is the input folder {pages}: choose another output folder"
    assert sorted(p.name for p in pages.iterdir()) == sorted(p.name for p in SEEDS.iterdir())


def test_cli_flow_odd_names_day_by_day_and_prune(tmp_path, cli_env):
    day1, day2 = day_folders(tmp_path)
    with open(os.fsencode(day2) + b"/caf\xe9.txt", "wb") as handle:
        handle.write((SEEDS / f"{SEED_IDS[2]}.txt").read_bytes())
    out = tmp_path / "out"

    def cli(*args):
        done = subprocess.run([sys.executable, "-m", "flows.cli", "run", *args, "--out", str(out), "--json"],
                              cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)

    cli(str(day1))
    first = {p.name: p.read_bytes() for p in out.glob("*.txt")}
    second = cli(str(day2))
    assert second["withdrawn"] == 0 and second["documents"] == 8
    for name, body in first.items():
        assert (out / name).read_bytes() == body
    pruned = cli(str(day2), "--prune")
    assert pruned["withdrawn"] == 4
    assert {r["status"] for i, r in index_of(out).items() if i in {Path(n).stem for n in first}} == {"withdrawn"}
