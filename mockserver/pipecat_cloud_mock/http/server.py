"""Run the app on gunicorn (a production WSGI server), print where it listens, stop cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import bisect
import contextlib
import errno
import functools
import re
import selectors
import signal
import socket
import sys
import time
from typing import Any

import gunicorn.util
from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.http.message import MAX_REQUEST_LINE
from gunicorn.workers.gthread import ThreadWorker

from pipecat_cloud_mock.config import Config
from pipecat_cloud_mock.errors import ConfigError
from pipecat_cloud_mock.http import access_log as _access_log
from pipecat_cloud_mock.http.body_deadline import with_body_deadline
from pipecat_cloud_mock.state.limits import MAX_ADMIN_BODY

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
        global _write_timeout_answer
        late = f"the request did not arrive in full within {_client_timeout:g} s"
        _write_timeout_answer = functools.partial(
            _write_json_error, mock, status=408, reason="Request Timeout", message=late
        )


def _write_json_error(mock: Any, sock: socket.socket, status: int, reason: str, message: str = "") -> None:
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
        "worker_class": "sync" if config.threads == 1 else "pipecat_cloud_mock.http.server.HeadGatedThreadWorker",
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
        # its own error; a mock should let them reach the pipeline. Beyond these, see _init_worker. The
        # request line stays bounded: 0 ("unlimited") lets gunicorn's Python parser (the one installed)
        # rescan a growing line, quadratic in its length.
        "limit_request_line": MAX_REQUEST_LINE,
        "limit_request_field_size": 64 * 1024,
        "keepalive": 2,  # seconds an idle kept-alive connection stays open
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
    global _client_timeout
    _client_timeout = config.client_timeout  # before the fork: every worker's head deadline
    mock = app.extensions["pipecat_mock"]
    app.wsgi_app = with_body_deadline(  # type: ignore[method-assign,assignment]
        app.wsgi_app, config.client_timeout, MAX_ADMIN_BODY, lambda status, message: mock.error(status, message).body
    )
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


# --- slow clients --------------------------------------------------------------------------------------------
# gthread hands a connection to a thread as soon as it is readable, and the thread then blocks reading the
# request line and headers: a client that sends them a byte at a time holds a thread as long as it likes,
# and a few dozen such clients hold every thread of every worker. HeadGatedThreadWorker keeps such a
# connection in the worker's poller (a MSG_PEEK, no thread) until the head, and a body that fits in the peek,
# are in the socket's buffer, and closes it with a 408 ErrorResponse when they have not come within the
# client timeout. A larger body goes to a thread, which body_deadline bounds in time.

PEEK_BYTES = 128 * 1024  # past the request-line and header limits: the parser refuses such a head itself
_CONTENT_LENGTH = re.compile(rb"\ncontent-length[ \t]*:[ \t]*(\d{1,12})[ \t]*\r?\n", re.IGNORECASE)
# A body the client sends only after a 100 Continue (which the thread's parser sends), or whose size the head
# does not give: a thread reads it.
_THREAD_READS_BODY = re.compile(rb"\n(expect[ \t]*:[ \t]*100-continue|transfer-encoding[ \t]*:)", re.IGNORECASE)
_client_timeout = Config.client_timeout  # the default; serve() sets the configured one before the fork

# Set in each worker after the fork (_init_worker): writes the 408 as an ErrorResponse.
_write_timeout_answer: Any = None


def head_arrived(sock: socket.socket, line_limit: int) -> bool:
    """True when a thread would not wait on this socket: the head is complete (with a body that fits in the
    peek, when it has one), too long, or the peer left."""
    try:
        data = sock.recv(PEEK_BYTES, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return False
    except OSError:
        return True  # reset or closed: the thread reads the error and closes the connection
    if not data or len(data) >= PEEK_BYTES:
        return True
    crlf, lf = data.find(b"\r\n\r\n"), data.find(b"\n\n")
    if crlf < 0 and lf < 0:
        return 0 < line_limit < len(data) and b"\n" not in data  # the parser refuses the request line at once
    head_end = crlf + 4 if crlf >= 0 and (lf < 0 or crlf < lf) else lf + 2
    head = data[:head_end]
    length = _CONTENT_LENGTH.search(head)
    if length is None or _THREAD_READS_BODY.search(head):
        return True
    return head_end + int(length.group(1)) <= len(data) or head_end + int(length.group(1)) >= PEEK_BYTES


class HeadGatedThreadWorker(ThreadWorker):  # type: ignore[misc]
    def enqueue_req(self, conn: Any) -> None:
        buffered = conn.initialized and conn.parser is not None and conn.parser.unreader.buf.getvalue()
        if self.cfg.is_ssl or buffered or head_arrived(conn.sock, self.cfg.limit_request_line):
            conn.head_deadline = None  # the next request on this connection gets its own
            super().enqueue_req(conn)
            return
        now = time.monotonic()
        deadline = getattr(conn, "head_deadline", None) or now + _client_timeout
        conn.head_deadline = deadline
        conn.timeout = deadline
        conn.sock.setblocking(False)
        bisect.insort(self.pending_conns, conn, key=lambda c: c.timeout)  # murder_pending wants them in order
        self.poller.register(conn.sock, selectors.EVENT_READ, functools.partial(self.on_pending_socket_readable, conn))

    def murder_pending(self) -> None:
        stopping = not self.alive  # a request not yet sent in full is not in flight: it does not delay the stop
        now = time.monotonic()
        while self.pending_conns and (stopping or self.pending_conns[0].timeout <= now):
            conn = self.pending_conns.popleft()
            with contextlib.suppress(OSError, KeyError, ValueError):
                self.poller.unregister(conn.sock)
            self.nr_conns -= 1
            late = getattr(conn, "head_deadline", None) is not None
            if late and not stopping and _write_timeout_answer is not None:
                with contextlib.suppress(OSError):
                    _drain(conn.sock)  # unread bytes would turn the close into a reset that loses the answer
                    _write_timeout_answer(conn.sock)
            conn.close()


def _drain(sock: socket.socket) -> None:
    with contextlib.suppress(BlockingIOError):
        while sock.recv(PEEK_BYTES, socket.MSG_DONTWAIT):
            pass
