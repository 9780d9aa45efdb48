"""Run the app on gunicorn (a production WSGI server), print where it listens, stop cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import errno
import logging
import signal
import socket
import sys
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from ._config import Config
from .errors import ConfigError

EXAMPLE_SESSION_ID = "800d444a-e67e-4686-afb3-b0de509cccb3"


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def banner(base_url: str, spec_base_path: str) -> str:
    api = base_url + spec_base_path
    return (
        f"pipecat-mock listening on {base_url}  (API under {api}, admin under {base_url}/__admin/)\n"
        f"Try: curl -H 'Authorization: Bearer any-token' {api}/agents/my-agent/sessions/{EXAMPLE_SESSION_ID}"
    )


def _graceful_sigint(worker: Any) -> None:
    """Ctrl-C in a terminal signals the workers too: let them finish the current request, like SIGTERM."""
    signal.signal(signal.SIGINT, worker.handle_exit)


def serve(app: Flask, config: Config) -> None:
    """Blocks until SIGINT or SIGTERM; the app is built before forking so every worker shares it."""
    if config.access_log:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access = logging.getLogger("mockserver.access")
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False
    base_path = app.extensions["pipecat_mock"].spec.base_path

    def when_ready(server: Any) -> None:
        # gunicorn treats SIGINT as a quick shutdown: workers exit mid-request and log a SystemExit traceback.
        # Ctrl-C should stop the mock as cleanly as SIGTERM does: finish what is in flight, then exit.
        server.handle_int = server.handle_term
        host, port = server.LISTENERS[0].sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(banner(f"http://{shown}:{port}", base_path), flush=True)

    options: dict[str, Any] = {
        "bind": f"[{config.host}]:{config.port}" if ":" in config.host else f"{config.host}:{config.port}",
        "workers": config.workers,
        "worker_class": "sync",
        "preload_app": True,
        "accesslog": None,  # the app writes its own line, without headers
        "errorlog": "-",
        "loglevel": "warning",
        "when_ready": when_ready,
        "post_worker_init": _graceful_sigint,
        "graceful_timeout": 5,
        "timeout": 120,  # above the longest injected delay (60 s) plus a slow body
        "control_socket_disable": True,
        # gunicorn's defaults (4 KiB request line, 8 KiB header) answer long agent names and big tokens with
        # its own text/html error; a mock should let them reach the pipeline, which answers JSON.
        "limit_request_line": 0,  # 0: up to 1 MiB in gunicorn
        "limit_request_field_size": 64 * 1024,
    }
    check_bindable(config.host, config.port)
    _Gunicorn(app, options).run()


def check_bindable(host: str, port: int) -> None:
    """One clear line (exit 2) instead of gunicorn's five retries and a dozen log lines on a taken port."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ConfigError(
            f"--host {host!r}: cannot listen there ({exc.strerror}). "
            "Valid values: an address of this machine, e.g. 127.0.0.1, 0.0.0.0 or ::1."
        ) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(
                    f"--port {port}: {host}:{port} is already in use. "
                    "Choose another port, or --port 0 for any free one."
                ) from None
            raise ConfigError(f"--host {host!r} --port {port}: cannot listen there ({exc.strerror}).") from None
