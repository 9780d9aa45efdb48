"""Run the app on gunicorn (a production WSGI server), print where it listens, stop cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import logging
import sys
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from ._config import Config

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
        "graceful_timeout": 5,
        "timeout": 120,  # above the longest injected delay (60 s) plus a slow body
        "control_socket_disable": True,
    }
    _Gunicorn(app, options).run()
