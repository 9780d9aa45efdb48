"""Run the app on gunicorn (a production WSGI server), print where it listens, stop cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import errno
import functools
import signal
import socket
import sys
from typing import Any

import gunicorn.util
from flask import Flask
from gunicorn.app.base import BaseApplication

from . import _access_log
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


def _init_worker(worker: Any) -> None:
    """Each worker, after the fork: Ctrl-C finishes the current request (like SIGTERM); gunicorn's own
    errors answer JSON."""
    signal.signal(signal.SIGINT, worker.handle_exit)
    mock = getattr(worker.wsgi, "extensions", {}).get("pipecat_mock")
    if mock is not None:
        # gunicorn answers a request it cannot parse (a malformed request line or header, a header over
        # 64 KiB, ...) before any app code runs, with an HTML page. It has no hook for that body, but looks
        # up util.write_error when the error happens, so replacing it here changes this worker only.
        gunicorn.util.write_error = functools.partial(_write_json_error, mock)


def _write_json_error(mock: Any, sock: socket.socket, status: int, reason: str, message: str) -> None:
    """gunicorn's error answer as the ErrorResponse JSON that this API's clients parse."""
    body = mock.error(status, f"{reason}: {message}" if message else reason).body
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    gunicorn.util.write_nonblock(sock, head.encode("latin-1") + body)


def gunicorn_options(config: Config) -> dict[str, Any]:
    """The server settings; bench/ serves its ceiling app with these same settings."""
    return {
        "bind": f"[{config.host}]:{config.port}" if ":" in config.host else f"{config.host}:{config.port}",
        "workers": config.workers,
        "worker_class": "sync" if config.threads == 1 else "gthread",
        "threads": config.threads,
        "preload_app": True,
        "accesslog": None,  # the app writes its own line, without headers
        "errorlog": "-",
        "loglevel": "warning",
        "post_worker_init": _init_worker,
        "graceful_timeout": 5,
        "timeout": 120,  # above the longest injected delay (60 s) plus a slow body
        "control_socket_disable": True,
        # gunicorn's defaults (4 KiB request line, 8 KiB header) answer long agent names and big tokens with
        # its own error; a mock should let them reach the pipeline. Beyond these, see _init_worker.
        "limit_request_line": 0,  # 0: up to 1 MiB in gunicorn
        "limit_request_field_size": 64 * 1024,
    }


def run_gunicorn(app: Flask, options: dict[str, Any]) -> None:
    _Gunicorn(app, options).run()


def serve(app: Flask, config: Config) -> None:
    """Blocks until SIGINT or SIGTERM; the app is built before forking so every worker shares it."""
    if config.access_log:
        sys.stderr.flush()
        _access_log.write_to(sys.stderr.fileno())  # one write per line, without the logging machinery
    base_path = app.extensions["pipecat_mock"].spec.base_path

    def when_ready(server: Any) -> None:
        # gunicorn treats SIGINT as a quick shutdown: workers exit mid-request and log a SystemExit traceback.
        # Ctrl-C should stop the mock as cleanly as SIGTERM does: finish what is in flight, then exit.
        server.handle_int = server.handle_term
        host, port = server.LISTENERS[0].sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(banner(f"http://{shown}:{port}", base_path), flush=True)

    options = gunicorn_options(config)
    options["when_ready"] = when_ready
    check_bindable(config.host, config.port)
    run_gunicorn(app, options)


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
