"""Live servers for tests, the one place tests start them: a WSGI app on a werkzeug thread (`serve_in_thread`),
or `pipecat-mock` as a real process (`run_cli`).

Both bind 127.0.0.1 on a free port, wait until they accept connections, and are always stopped when the
`with` block ends; a process that does not stop in time is killed with its whole process group (its workers).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import make_server

CLI = str(Path(sys.executable).parent / "pipecat-mock")
_LISTENING = re.compile(r"listening on (http://\S+)")


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """The base URL (http://127.0.0.1:PORT) of `app` served by werkzeug's threaded server."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class Running:
    """A `pipecat-mock` process: its URL, the process, and its output so far (all of it once stopped)."""

    def __init__(self, proc: subprocess.Popen[bytes], out: Path, err: Path) -> None:
        self.url = ""
        self.proc = proc
        self._out, self._err = out, err
        self._kept: tuple[str, str] | None = None

    @property
    def stdout(self) -> str:
        return self._kept[0] if self._kept else self._out.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return self._kept[1] if self._kept else self._err.read_text(errors="replace")

    def stop(self, sig: signal.Signals = signal.SIGTERM, whole_group: bool = False, timeout: float = 15) -> int:
        """Send `sig` (to master and workers at once with `whole_group`, as Ctrl-C in a terminal does) and wait;
        SIGKILL the whole group if it has not stopped within `timeout` seconds. Returns the exit status."""
        if self.proc.poll() is None:
            if whole_group:
                os.killpg(self.proc.pid, sig)
            else:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                # Still unreaped, so the group id cannot belong to anyone else; the master alone would orphan
                # its workers.
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        return self.proc.returncode

    def _keep_output(self) -> None:
        self._kept = (self.stdout, self.stderr)


@contextmanager
def run_cli(
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    cwd: str | Path | None = None,
    healthy: bool = False,
    ready_within: float = 60,
) -> Iterator[Running]:
    """`pipecat-mock ARGS` (give --port 0) as a process of its own group: yields once the URL it prints as
    `listening on URL` accepts connections (and, with `healthy`, answers /__admin/health); stopped on exit."""
    logs = Path(tempfile.mkdtemp(prefix="test-server-"))
    out, err = logs / "stdout.txt", logs / "stderr.txt"
    with out.open("wb") as out_file, err.open("wb") as err_file:
        proc = subprocess.Popen(
            [CLI, *args], stdout=out_file, stderr=err_file, env=env, cwd=cwd, start_new_session=True
        )
    running = Running(proc, out, err)
    try:
        running.url = _ready(running, time.monotonic() + ready_within, healthy)
        yield running
    finally:
        running.stop()
        running._keep_output()
        shutil.rmtree(logs, ignore_errors=True)


def _ready(running: Running, deadline: float, healthy: bool) -> str:
    url = ""
    while not url:
        if running.proc.poll() is not None:
            raise AssertionError(f"exited with {running.proc.returncode}: {running.stdout!r} {running.stderr!r}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no 'listening on URL' line: {running.stdout!r} {running.stderr!r}")
        found = _LISTENING.search(running.stdout)
        url = found.group(1).rstrip("/") if found else ""
        if not url:
            time.sleep(0.05)
    host, port = url.removeprefix("http://").rsplit(":", 1)
    while True:
        try:
            if healthy:
                if requests.get(url + "/__admin/health", timeout=2).json() == {"status": "ok"}:
                    return url
            else:
                socket.create_connection((host.strip("[]"), int(port)), timeout=2).close()
                return url
        except (OSError, requests.RequestException):
            pass
        if time.monotonic() > deadline or running.proc.poll() is not None:
            raise AssertionError(f"{url} never became ready: {running.stderr!r}")
        time.sleep(0.05)
