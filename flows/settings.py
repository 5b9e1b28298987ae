"""Prefect's environment, set before `import prefect` (Prefect reads it at import)."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def default_state_dir() -> Path:
    """Where the pipeline keeps state between runs, out of the user's way."""
    if os.environ.get("PIPELINE_STATE_DIR"):
        return Path(os.environ["PIPELINE_STATE_DIR"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "news-pipeline"


def configure_prefect(state_dir: Path | None = None) -> None:
    """Defaults only: a variable the user set wins, except that an explicit `state_dir`
    (the `--state` option) puts Prefect's home there whatever the environment says.
    Importing `flows` calls this with no folder; the CLI calls it again once it has read
    `--state`, which works because Prefect is not imported before then."""
    if state_dir is not None:
        if "prefect" in sys.modules:  # Prefect read PREFECT_HOME at import: too late to move it
            raise RuntimeError("configure_prefect(state_dir) must run before Prefect is imported")
        state_dir = Path(state_dir).resolve()
        os.environ["PIPELINE_STATE_DIR"] = str(state_dir)
        os.environ["PREFECT_HOME"] = str(state_dir / "prefect")
    home = default_state_dir() / "prefect"
    defaults = {
        "PREFECT_HOME": str(home),
        # No telemetry, no DNS look-ups: the run makes no network calls.
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
        # A cold ephemeral server has been seen to take 27 s here, and over 100 s on a
        # loaded machine; the default is 20 s. A server that exits is noticed at once.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300",
        # Prefect's per-task log lines would drown the user's view.
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_TO_API_ENABLED": "false",
        # Prefect's log lines go through flows.logs: the progress bar's console on a
        # terminal, JSON lines otherwise.
        "PREFECT_LOGGING_SETTINGS_PATH": str(Path(__file__).with_name("logging.yml")),
        "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "500",
        "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_BATCH_SIZE": "500",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
