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
