"""Live servers for tests: a WSGI app on a werkzeug thread, or `pipecat-mock` as a real process.

Both bind 127.0.0.1 on a free port and are always stopped when the `with` block ends.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

CLI = str(Path(sys.executable).parent / "pipecat-mock")


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


@dataclass
class Running:
    url: str
    proc: subprocess.Popen[str]
    stdout: str = ""  # the rest of its output, filled in once it has stopped
    stderr: str = ""


@contextmanager
def run_cli(args: Sequence[str], env: dict[str, str] | None = None) -> Iterator[Running]:
    """`pipecat-mock ARGS` (give --port 0): yields the URL it prints on its first line; stopped on exit."""
    proc = subprocess.Popen([CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"http://[^\s)]+", line)
        if not found:
            proc.kill()
            _, err = proc.communicate(timeout=10)
            raise AssertionError(f"no URL in the first line {line!r}; stderr: {err}")
        running = Running(found.group(0).rstrip("/"), proc)
        yield running
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        if "running" in locals():
            running.stdout, running.stderr = out, err
