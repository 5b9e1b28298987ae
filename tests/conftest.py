from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEEDS = ROOT / "seeds"
SEED_GOLD = DATA / "gold" / "seeds"
PAGES = DATA / "pages"
SHARED_EVAL = ROOT.parent / "shared" / "eval"


def seed_ids() -> list[str]:
    return sorted(p.stem for p in SEEDS.glob("*.txt"))


def gold_meta(seed_id: str) -> dict:
    return json.loads((SEED_GOLD / f"{seed_id}.json").read_text("utf-8"))


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


@pytest.fixture(scope="session", autouse=True)
def shared_prefect_server(tmp_path_factory):
    """One Prefect server for the session's `pipeline run` subprocesses.

    A run without PREFECT_API_URL starts its own server (flows/server.py), which costs
    10-20 s; a run given PREFECT_API_URL uses that server, as a user's run does against
    their own. Subprocesses inherit os.environ, so every CLI test uses this one server,
    except the tests about the run's own server (start-up events, --state, concurrent
    runs, signals, the README as pasted), which remove PREFECT_API_URL from their
    environment."""
    from prefect.settings import PREFECT_HOME, temporary_settings

    from flows.server import TemporaryServer

    server = TemporaryServer()
    with temporary_settings(updates={PREFECT_HOME: str(tmp_path_factory.mktemp("shared-prefect"))}):
        server.start(timeout=300)
    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = server.api_url
    yield server.api_url
    server.stop()
    if before is None:
        os.environ.pop("PREFECT_API_URL", None)
    else:
        os.environ["PREFECT_API_URL"] = before
