"""The run's own temporary Prefect server, on a port no other process can share.

Prefect's ephemeral server (`SubprocessASGIServer`) picks a random port in 8000-8999,
checks it with a bind that it releases, then starts uvicorn, which binds the port a few
seconds later. Two runs started together can pick the same port in that gap: one
server gets it, the other's uvicorn fails, and both runs talk to the one server (a
`ConnectError` when its run ends and stops it; a `409 Conflict` when their state
folders differ). Here the port is never released: this process binds a socket on
port 0 (the kernel gives a port no other socket holds) and hands that very socket to
uvicorn (`fd=`), so the port is held from the moment it is chosen.

The server runs in a session of its own, so a Ctrl-C at the terminal reaches only the
run, which then reports its end to the server before stopping it. The server's stdin is
a pipe from the run: when the run's process is gone, however it ended (SIGKILL
included), the server sees end of file and stops itself, so none is left behind.
Hand-written rather than Prefect's class because that class takes a port number, not a
socket, and its process would share the run's process group.
"""
from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path


# Prefect's settings for the run's own server, defaults a variable the user set overrides.
# Automations (Prefect's triggers and actions) live in a server's database; a run's
# temporary server has none, yet its services read every event and re-evaluate
# proactive triggers every 5 s: off, they take a sixth of the idle server's wake-ups
# (docs/speed.md, seventeenth round). Prefect's ephemeral server runs no other service
# that can be turned off without losing what a run records (its task runs, their states
# and events).
QUIET_SERVER = {"PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false"}

# How often the server's docket worker (Prefect's background tasks) looks for work when
# there is none, and moves tasks that fall due: 250 ms in docket, a cost per second of
# the run's wall time. A task added for now still starts at once (the worker's blocking
# read returns when one arrives); one scheduled for later starts up to this much late.
# The run's temporary server schedules only the hourly event vacuum.
DOCKET_IDLE_SECONDS = 2.0

# The server's scheduling policy (Linux): SCHED_BATCH. A batch task never preempts a
# running task when it wakes, so the server's ~120 timer wake-ups a second (uvicorn's
# tick, docket's cancellation listener; no setting reaches them) wait for the end of the
# cleaning worker's time slice (a few ms) instead of cutting it, and several are served
# in one go. A preemption costs the worker about 0.2 ms of refilled caches, more than
# the server's own work a wake-up (docs/speed.md, twenty-third round). It keeps a normal
# share of the CPU (SCHED_IDLE could starve it behind any other busy program), and on a
# core with nothing else to run it runs at once.
SERVER_POLICY = "SCHED_BATCH"


class TemporaryServer:
    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(128)
        self.port: int = self._socket.getsockname()[1]
        self.process: subprocess.Popen | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self, timeout: float | None = None) -> None:
        """Start the server and wait until it answers its health check."""
        from prefect.settings import PREFECT_HOME

        # One server starting at a time per state folder: servers started together on a
        # fresh database would all run its migrations at once, each slowed by the others.
        home = Path(PREFECT_HOME.value())
        home.mkdir(parents=True, exist_ok=True)
        with open(home / "server-start.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._start(timeout)

    def _start(self, timeout: float | None) -> None:
        import httpx
        from prefect.settings import PREFECT_HOME, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

        fd = self._socket.fileno()
        env = self.environment()
        # The server's own logs go to a file in Prefect's home, not to the run's stderr:
        # its services log tracebacks when a stopped run takes the server down with it.
        self.log_path = Path(PREFECT_HOME.value()) / "server.log"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "flows.server", str(fd)], stdin=subprocess.PIPE,
                                            stdout=log, stderr=log, pass_fds=(fd,), env=env, start_new_session=True)
        self._socket.close()  # the server holds it now; the port stays bound while it lives
        limit = timeout or PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
        deadline = time.monotonic() + limit
        with httpx.Client() as client:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"Prefect's temporary server exited on start (exit code {self.process.returncode}); "
                                       f"its log: {self.log_path}\n{self._log_tail()}")
                try:
                    if client.get(f"{self.api_url}/health", timeout=5).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"Prefect's temporary server did not answer within {limit:g} s; "
                                       f"its log: {self.log_path}\n{self._log_tail()}")
                time.sleep(0.1)

    @staticmethod
    def environment() -> dict[str, str]:
        """The server process's environment: this one's, Prefect's settings in force, and
        what Prefect sets for its own ephemeral server (no UI; this is not a full server);
        QUIET_SERVER's settings where the user set none."""
        from prefect.settings import get_current_settings

        env = {**QUIET_SERVER, **os.environ, **get_current_settings().to_environment_variables(exclude_unset=True),
               "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)
        return env

    def _log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_bytes()[-chars:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server and everything it started (its whole process group)."""
        process, self.process = self.process, None
        if process is None:
            self._socket.close()
            return
        from pipeline.guard import end_process  # here: the server process itself never needs the pipeline

        end_process(process, ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)), group=True)
        if process.stdin is not None:
            try:
                process.stdin.close()
            except OSError:
                pass


def _serve(fd: int) -> None:
    """The server process: uvicorn on the socket handed over, until the run goes."""
    def exit_when_the_run_goes() -> None:
        sys.stdin.buffer.read()  # end of file: the run's process has ended
        os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's own graceful shutdown

    _yield_to_the_run(SERVER_POLICY)  # first: the threads started below inherit it
    threading.Thread(target=exit_when_the_run_goes, daemon=True).start()
    _poll_docket_less_often(DOCKET_IDLE_SECONDS)
    import uvicorn

    uvicorn.run("prefect.server.api.server:create_app", factory=True, fd=fd, log_level="error", lifespan="on")


def _yield_to_the_run(policy: str) -> bool:
    """Put this process (its calling thread, and every thread it starts from now on) under
    the scheduling policy `policy` (an `os.SCHED_*` name) at its static priority 0.
    False, and nothing changed, where the system has no such policy (not Linux)."""
    number = getattr(os, policy, None)
    if number is None or not hasattr(os, "sched_setscheduler"):
        return False
    try:
        os.sched_setscheduler(0, number, os.sched_param(0))
    except OSError:  # refused (a sandbox's seccomp filter): the server runs as before
        return False
    return True


def _poll_docket_less_often(seconds: float) -> bool:
    """In the server's own process only: docket's Worker, which Prefect's server makes
    with docket's defaults (no setting reaches them), polls every `seconds` when idle
    instead of every 250 ms. Left alone (False) when docket's Worker no longer takes
    these two arguments with a default."""
    import inspect
    from datetime import timedelta

    from docket import Worker

    function = Worker.__init__
    parameters = [p for p in inspect.signature(function).parameters.values()
                  if p.default is not inspect.Parameter.empty and p.kind == p.POSITIONAL_OR_KEYWORD]
    names = [p.name for p in parameters]
    if (function.__defaults__ is None or len(function.__defaults__) != len(parameters)
            or not {"minimum_check_interval", "scheduling_resolution"} <= set(names)):
        return False
    defaults = list(function.__defaults__)
    for name in ("minimum_check_interval", "scheduling_resolution"):
        defaults[names.index(name)] = timedelta(seconds=seconds)
    function.__defaults__ = tuple(defaults)
    return True


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
