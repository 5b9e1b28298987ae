from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import sysconfig
import tempfile
import time
from contextlib import closing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEEDS = ROOT / "seeds"
SEED_GOLD = DATA / "gold" / "seeds"
PAGES = DATA / "pages"
SHARED_EVAL = ROOT.parent / "shared" / "eval"
_SHARED_SERVER: dict = {}
_MIGRATED_DB = "NEWS_PIPELINE_TEST_MIGRATED_PREFECT_DB"


def run_seeds_and_pages(tmp: Path) -> Path:
    """A real library run over the seeds and tests/data's text pages (one folder each, so
    each is a site to learn), into tmp/out; the output folder."""
    from pipeline import run

    inputs = tmp / "in"
    shutil.copytree(SEEDS, inputs / "seeds")
    shutil.copytree(PAGES / "text", inputs / "pages")
    run([str(inputs)], tmp / "out")
    return tmp / "out"


def seed_ids() -> list[str]:
    return sorted(p.stem for p in SEEDS.glob("*.txt"))


def gold_meta(seed_id: str) -> dict:
    return json.loads((SEED_GOLD / f"{seed_id}.json").read_text("utf-8"))


def skip_without_c_build(runs_instead: str) -> None:
    """Skip a test that a C extension was built unless this machine could build one (a C
    compiler and Python's headers): setup.py's extensions are optional, so without them
    `runs_instead` runs and a failed build would otherwise go unseen."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not (shutil.which(compiler) and headers.exists()):
        pytest.skip(f"no C compiler or no Python headers here: {runs_instead} runs")


def plain_normalise(text: str) -> str:
    """pipeline.normalise as it was before its speed gates: every substitution run on
    every text (the reference the gated normalise must equal)."""
    import unicodedata

    from pipeline import normalise as n

    text = n._LINE_BREAKS.sub("\n", text)
    text = n._fix_text(text)
    text = unicodedata.normalize("NFC", text)
    text = n._INVISIBLE.sub("", text)
    text = n._CONTROL.sub("", text)
    text = n._ODD_SPACE.sub(" ", text)
    return "\n".join([line.strip() for line in n._SPACES.sub(" ", text).split("\n")])


def page_with_gold(folder: str, page: str) -> tuple[str, str]:
    """A real page's text dump and its gold body, from tests/data/<folder>/{text,gold}."""
    return ((DATA / folder / "text" / f"{page}.txt").read_text("utf-8"),
            (DATA / folder / "gold" / f"{page}.txt").read_text("utf-8"))


def gold_line_set(gold: str) -> set[str]:
    """A gold body's lines as the scorer compares them (pipeline.evaluate.norm_line)."""
    from pipeline.evaluate import norm_line

    return {norm_line(line) for line in gold.split("\n") if line.strip()}


def text_pages() -> list[list[str]]:
    """Every seed and tests/data text page as its lines (undecodable bytes replaced): the
    real lines the speed tests compare a kernel with its Python on."""
    paths = sorted(SEEDS.glob("*.txt")) + sorted(DATA.rglob("*.txt"))
    return [p.read_text("utf-8", errors="replace").split("\n") for p in paths]


def distinct_lines(pages: list[list[str]]) -> list[str]:
    """The pages' distinct lines, each also stripped, sorted."""
    found = {line for page in pages for line in page}
    return sorted(found | {line.strip() for line in found})


def random_strings(alphabet: list[str], count: int, seed: int, longest: int = 24) -> list[str]:
    """`count` strings of 0 to `longest` pieces drawn from `alphabet`, the same for a seed."""
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest))) for _ in range(count)]


def decided_by(result, rule: str) -> list:
    """The decisions of a cleaned page that carry this rule id."""
    return [d for d in result.decisions if d.rule == rule]


def engine_with(**changes):
    """An engine with the shipped options but these, pages cleaned in this process."""
    import dataclasses

    from pipeline.options import Options
    from pipeline.process import Engine

    return Engine.load(dataclasses.replace(Options(doc_time_limit=0), **changes))


def assert_fixed_point(first, label: str = "") -> None:
    """Cleaning a cleaned body again with the shipped options removes nothing and gives
    the same body: a rule that took lines back must not make output the next pass cuts."""
    from pipeline.process import clean_text

    second = clean_text(first.body, engine_with())
    assert second.metadata["removed"] == [], label
    assert second.body == first.body, label


@pytest.fixture(scope="session")
def engine():
    from pipeline.process import Engine

    return Engine.load()


@pytest.fixture(scope="session")
def prefect_state(tmp_path_factory):
    """One Prefect home for the whole session, so the temporary server starts once."""
    state = tmp_path_factory.mktemp("pipeline-state")
    os.environ["PIPELINE_STATE_DIR"] = str(state)
    os.environ["PREFECT_HOME"] = str(state / "prefect")
    return state


def pytest_sessionstart(session):
    """One Prefect server for the session's `pipeline run` subprocesses.

    A run without PREFECT_API_URL starts its own server (flows/server.py), which costs
    10-20 s; a run given PREFECT_API_URL uses that server, as a user's run does against
    their own. Subprocesses inherit os.environ, so every CLI test uses this one server,
    except the tests about the run's own server (start-up events, --state, concurrent
    runs, signals, the README as pasted), which remove PREFECT_API_URL from their
    environment.

    Started by the process that runs the session before any test, and before
    pytest-xdist starts its workers (its own session start comes last): the workers
    inherit PREFECT_API_URL, so `-n 2` still starts one server, not one a worker."""
    if hasattr(session.config, "workerinput"):  # a pytest-xdist worker: the controller's server
        return
    from prefect.settings import PREFECT_HOME, temporary_settings

    from flows.server import TemporaryServer

    home = Path(tempfile.mkdtemp(prefix="shared-prefect-"))
    server = TemporaryServer()
    with temporary_settings(updates={PREFECT_HOME: str(home)}):
        server.start(timeout=300)
    _SHARED_SERVER.update(server=server, home=home, before=os.environ.get("PREFECT_API_URL"))
    os.environ["PREFECT_API_URL"] = server.api_url
    # Its database, now migrated, copied for the tests whose runs start a server of their
    # own on a database that already exists (`with_migrated_prefect_db`).
    with closing(sqlite3.connect(home / "prefect.db")) as live, closing(sqlite3.connect(home / "migrated.db")) as copy:
        live.backup(copy)
    os.environ[_MIGRATED_DB] = str(home / "migrated.db")  # xdist's workers inherit it


def with_migrated_prefect_db(prefect_home: Path) -> Path:
    """Give a Prefect home a database that is already migrated (a copy of the session's
    shared server's, taken once it had started), as a second run on the same state folder
    finds it. A server's first start on a new database runs Prefect's 100-odd migrations
    (about 7 of its 13 CPU s here); the tests of a new database's first start (runs
    started together, the README as pasted) do not use this."""
    prefect_home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(os.environ[_MIGRATED_DB], prefect_home / "prefect.db")
    return prefect_home


def pytest_sessionfinish(session):
    if not _SHARED_SERVER:
        return
    _SHARED_SERVER["server"].stop()
    shutil.rmtree(_SHARED_SERVER["home"], ignore_errors=True)
    os.environ.pop(_MIGRATED_DB, None)
    before = _SHARED_SERVER["before"]
    if before is None:
        os.environ.pop("PREFECT_API_URL", None)
    else:
        os.environ["PREFECT_API_URL"] = before
    _SHARED_SERVER.clear()


def settled_task_runs(api: str, flow_run_id: str, expected: list[str], seconds: float = 120.0) -> list[dict]:
    """The flow run's task runs from the Prefect API at `api`, read again until their
    state types are `expected` or `seconds` pass: the server's recorder writes task runs
    in batches, a few seconds late."""
    import httpx

    deadline = time.monotonic() + seconds
    while True:
        tasks = httpx.post(f"{api}/task_runs/filter", json={"flow_runs": {"id": {"any_": [flow_run_id]}}},
                           timeout=30).json()
        if [t["state_type"] for t in tasks] == expected or time.monotonic() > deadline:
            return tasks
        time.sleep(0.5)
