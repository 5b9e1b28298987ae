"""What a run shows on stderr.

On a terminal: a spinner, a progress bar and Prefect's warnings, all printed through
one rich console (separate consoles garble each other). Not on a terminal: quiet
structured logs, one JSON object per line (the run's start, each batch done, the end,
and Prefect's own warnings), for log collectors and CI."""
from __future__ import annotations

import json
import logging
import sys
import time

from rich.console import Console

# One console for the whole process: the spinner, the progress bar and log lines.
CONSOLE = Console(stderr=True)

# The flow reports its progress as INFO records on this logger; the CLI decides how
# (or whether) to show them. With no handler attached they fall under the root level.
EVENTS = logging.getLogger("pipeline.run")


def interactive() -> bool:
    return sys.stderr.isatty()


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, event or message, and fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry["event"] = record.getMessage()
            entry.update(fields)
        else:
            entry["message"] = record.getMessage()
            if record.exc_info:
                entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, sort_keys=True, default=str)


class ConsoleHandler(logging.Handler):
    """Prefect's console handler replaced (see flows/logging.yml): rich on the shared
    console on a terminal, JSON lines otherwise. Options meant for Prefect's handler
    (stream, styles) are accepted and ignored."""

    def __init__(self, level: int = logging.NOTSET, **_prefect_options):
        super().__init__(level)
        if interactive():
            from rich.logging import RichHandler

            self._inner: logging.Handler = RichHandler(console=CONSOLE, show_path=False, markup=False,
                                                       rich_tracebacks=False)
        else:
            self._inner = logging.StreamHandler(sys.stderr)
            self._inner.setFormatter(JsonLineFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self._inner.emit(record)


def show_events() -> None:
    """Off a terminal, write the run's events to stderr as JSON lines (once per process)."""
    if interactive() or any(isinstance(h, ConsoleHandler) for h in EVENTS.handlers):
        return
    EVENTS.addHandler(ConsoleHandler())
    EVENTS.setLevel(logging.INFO)
    EVENTS.propagate = False


def event(name: str, **fields) -> None:
    EVENTS.info(name, extra={"fields": fields})
