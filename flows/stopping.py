"""Ctrl-C (SIGINT) and SIGTERM during `pipeline run`: a clean stop within seconds.

The signal is turned into an exception in the main thread (where the flow runs), after
the cleaning workers are killed, so the flow's task threads, which wait on those
workers, end at once and record nothing for the pages they had in flight. Batches
already recorded in the output's state stay recorded: the next run skips them and
cleans the rest. Prefect's temporary server lives in a session of its own (a Ctrl-C at
the terminal does not reach it), so Prefect can still mark the flow run crashed before
the CLI stops the server. Prefect's own log lines about the crash are silenced: the
CLI prints one line saying what was kept.
"""
from __future__ import annotations

import logging
import signal
import threading


class Stop(KeyboardInterrupt):
    """Raised in the main thread when SIGINT or SIGTERM arrives."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StopOnSignals:
    """While active, SIGINT and SIGTERM stop the run: `signum` records the first one."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> "StopOnSignals":
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> bool:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        return False

    def _handle(self, signum: int, _frame) -> None:
        if self.signum is not None:
            return  # already stopping: a second Ctrl-C changes nothing
        self.signum = signum
        logging.disable(logging.CRITICAL)  # Prefect's "Crash detected!" and the like
        from pipeline.guard import stop_all_workers

        stop_all_workers()
        raise Stop(signum)

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or 0)


class OverTime(BaseException):
    """The time limit of `time_limit` ran out. A BaseException, as KeyboardInterrupt is:
    the cleaner turns any Exception on a page into a rejection and goes on."""


class time_limit:
    """Raise OverTime in the main thread after `seconds` (0 or None: no limit). SIGALRM,
    so it stops Python code and regex searches (`re` checks for signals as it matches),
    not a long C call of another kind. The message names the rule whose regex was being
    matched, if any: a rule file's pattern that backtracks is not the page's fault."""

    def __init__(self, seconds: float | None, what: str):
        self.seconds, self.what = seconds, what

    def __enter__(self):
        if self.seconds:
            self._previous = signal.signal(signal.SIGALRM, self._expired)
            # Then again every second: code that catches every exception (langdetect's
            # profile loader has a bare except) must not be able to swallow the stop.
            signal.setitimer(signal.ITIMER_REAL, self.seconds, 1.0)
        return self

    def __exit__(self, *exc) -> bool:
        if self.seconds:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)
        return False

    def _expired(self, _signum, frame) -> None:
        from pipeline.lexicon import rule_running

        rule = rule_running(frame)
        if rule is not None:
            raise OverTime(f"{self.what} took longer than the time limit of {self.seconds:g} s while rule {rule.rule} "
                           f"(from {rule.source}) was matching one of its lines: that rule's regex runs too long on "
                           "this text (catastrophic backtracking?); fix the rule")
        raise OverTime(f"{self.what} took longer than the time limit of {self.seconds:g} s "
                       "(stopped; the page may be pathological, or raise --doc-time-limit)")
