"""Targets: where the kit sends its requests. The in-process mock, a WSGI app, a live URL, or a spawned mock.

Every target answers `send(Request) -> Response`. The API key lives only in the target, as a Secret; it is
revealed in one place, where the Authorization header is built, and never appears in a Request, a Response,
a curl line or a report.
"""

from __future__ import annotations

import http.client
import importlib
import json
import os
import re
import shlex
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from pipecat_cloud_mock.secret import Secret

KIT_KEY = Secret("contract-kit-key")  # the key the kit configures on mocks it builds or starts itself
VALID = "valid key"
_PLAIN_NAME = re.compile(r"[A-Za-z0-9._~-]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass(frozen=True)
class Credentials:
    """How a request authenticates. `header` is None for the valid key: the target fills it in at send time."""

    label: str
    header: str | None

    @property
    def valid(self) -> bool:
        return self.label == VALID


VALID_CREDENTIALS = Credentials(VALID, None)
BAD_CREDENTIALS = (
    Credentials("no Authorization header", None),
    Credentials("empty Authorization header", ""),
    Credentials("Basic scheme instead of Bearer", "Basic dXNlcjpwYXNz"),
    Credentials("Bearer without a token", "Bearer "),
    Credentials("malformed bearer token", "Bearer not a token!"),
    Credentials("unknown bearer token", "Bearer contract-kit-unknown-token-0000"),
)


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # percent-encoded, relative to the target's base (e.g. /agents/a/sessions/<uuid>)
    credentials: Credentials = VALID_CREDENTIALS
    headers: tuple[tuple[str, str], ...] = ()
    agent: str | None = None  # the decoded path parameters, for the invariants
    session_id: str | None = None

    @property
    def plain(self) -> bool:
        """A URL-safe agent name and a valid UUID: no server or proxy can route this path elsewhere."""
        return bool(
            self.agent and _PLAIN_NAME.fullmatch(self.agent) and self.session_id and _UUID.fullmatch(self.session_id)
        )


def session_request(
    agent: str, session_id: str, credentials: Credentials = VALID_CREDENTIALS, headers: Iterable[tuple[str, str]] = ()
) -> Request:
    path = f"/agents/{quote(agent, safe='')}/sessions/{quote(session_id, safe='')}"
    return Request("GET", path, credentials, tuple(headers), agent, session_id)


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    elapsed_ms: float = 0.0

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The decoded body; raises ValueError when it is not JSON."""
        return json.loads(self.body)


class BudgetExhausted(Exception):
    """The run has sent as many requests to a live target as --contract-max-requests allows."""


@dataclass
class Budget:
    """At most `limit` requests (None: unlimited), at most `rate` per second (None: as fast as it answers)."""

    limit: int | None = None
    rate: float | None = None
    sent: int = 0
    _last: float = field(default=0.0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def spend(self) -> None:
        with self._lock:
            if self.limit is not None and self.sent >= self.limit:
                raise BudgetExhausted(
                    f"the run has sent its {self.limit} requests (--contract-max-requests / "
                    "PIPECAT_CONTRACT_MAX_REQUESTS); raise it to check more"
                )
            if self.rate:
                wait = self._last + 1.0 / self.rate - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            self._last = time.monotonic()
            self.sent += 1


class Target:
    """Base class: subclasses implement `_send` with the final header list."""

    kind = "target"

    def __init__(self, base_url: str, api_key: Secret | None, budget: Budget | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.budget = budget or Budget()

    @property
    def is_mock(self) -> bool:
        """True when the target is pipecat-mock, so the mock-only checks apply."""
        return False

    @property
    def has_key(self) -> bool:
        return bool(self.api_key)

    def describe(self) -> str:
        return f"{self.kind} {self.base_url}"

    def send(self, request: Request) -> Response:
        self.budget.spend()
        headers = [("Accept", "application/json"), *request.headers]
        if request.credentials.valid:
            if not self.api_key:
                raise RuntimeError("a request with the valid key needs an API key (--contract-api-key)")
            headers.append(("Authorization", "Bearer " + self.api_key.reveal()))
        elif request.credentials.header is not None:
            headers.append(("Authorization", request.credentials.header))
        started = time.perf_counter()
        status, response_headers, body = self._send(request.method, request.path, headers)
        return Response(status, response_headers, body, (time.perf_counter() - started) * 1000)

    def _send(self, method: str, path: str, headers: list[tuple[str, str]]) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError

    def curl(self, request: Request) -> str:
        """The request as a curl line; the valid key is shown as ***."""
        parts = ["curl", "-sS", "-i"]
        if request.method != "GET":
            parts += ["-X", request.method]
        if request.credentials.valid:
            parts += ["-H", "Authorization: Bearer ***"]
        elif request.credentials.header is not None:
            parts += ["-H", f"Authorization: {request.credentials.header}"]
        for name, value in request.headers:
            parts += ["-H", f"{name}: {value}"]
        parts.append(self.base_url + request.path)
        line = shlex.join(parts)
        return self.api_key.redact(line) if self.api_key else line

    def looks_like_pipecat_mock(self) -> bool:
        return False

    def close(self) -> None:
        """Release what the target holds (a spawned server); safe to call twice."""


class WSGITarget(Target):
    """Any WSGI app, called in-process through werkzeug's test client: no sockets, no ports."""

    kind = "in-process"

    def __init__(
        self, app: Any, api_key: Secret | None, base_path: str = "/v1", mock: bool = False, budget: Budget | None = None
    ) -> None:
        super().__init__("http://localhost" + base_path, api_key, budget)
        from werkzeug.test import Client

        self._client = Client(app)
        self._base_path = base_path
        self._mock = mock

    @property
    def is_mock(self) -> bool:
        return self._mock

    def describe(self) -> str:
        return "in-process " + ("pipecat-mock (Flask test client)" if self._mock else "WSGI app")

    def looks_like_pipecat_mock(self) -> bool:
        result = self._client.open("/__admin/health", headers=[("Accept", "application/json")])
        try:
            return result.status_code == 200 and json.loads(result.get_data()) == {"status": "ok"}
        except ValueError:
            return False

    def _send(self, method: str, path: str, headers: list[tuple[str, str]]) -> tuple[int, dict[str, str], bytes]:
        raw = self._base_path + path
        result = self._client.open(
            raw, method=method, headers=headers, environ_overrides={"RAW_URI": raw, "REQUEST_URI": raw}
        )
        return result.status_code, {k.lower(): v for k, v in result.headers.items()}, result.get_data()


class HTTPTarget(Target):
    """A server over real HTTP(S); each request on its own connection, as a plain client would."""

    kind = "live"

    def __init__(self, base_url: str, api_key: Secret | None, budget: Budget | None = None, mock: bool = False):
        super().__init__(base_url, api_key, budget)
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"--contract-target {base_url!r} is not a URL. Valid values: http(s)://host[:port]/prefix, "
                "'mock', or 'wsgi:module:attribute'."
            )
        self._https = parts.scheme == "https"
        self._netloc = parts.netloc
        self._prefix = parts.path.rstrip("/")
        self._mock = mock
        self.timeout = 30.0

    @property
    def is_mock(self) -> bool:
        return self._mock

    def _connection(self) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(self._netloc, timeout=self.timeout, context=ssl.create_default_context())
        return http.client.HTTPConnection(self._netloc, timeout=self.timeout)

    def _send(self, method: str, path: str, headers: list[tuple[str, str]]) -> tuple[int, dict[str, str], bytes]:
        return self.raw(method, self._prefix + path, headers)

    def raw(self, method: str, full_path: str, headers: list[tuple[str, str]]) -> tuple[int, dict[str, str], bytes]:
        connection = self._connection()
        try:
            connection.putrequest(method, full_path, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            body = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            connection.close()

    def looks_like_pipecat_mock(self) -> bool:
        """One GET of /__admin/health: does the server say it is pipecat-mock's admin API?
        Raises OSError when the server cannot be reached at all."""
        self.budget.spend()
        try:
            status, _, body = self.raw("GET", "/__admin/health", [("Accept", "application/json")])
            return status == 200 and json.loads(body) == {"status": "ok"}
        except (ValueError, http.client.HTTPException):
            return False


class SpawnedMockTarget(HTTPTarget):
    """`pipecat-mock serve --port 0` started for the run, checked over real HTTP, stopped by `close()`.

    Its output is drained for the whole run (stdout by a thread, stderr into a temporary file): a pipe
    nobody reads fills up after a few hundred access-log lines and then blocks the server.
    """

    kind = "mock"

    def __init__(self, startup_timeout: float = 30.0) -> None:
        command = [*_pipecat_mock_command(), "serve", "--host", "127.0.0.1", "--port", "0", "--workers", "2"]
        env = {**os.environ, "PIPECAT_MOCK_API_KEYS": KIT_KEY.reveal()}
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  (open for the run, closed by close())
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._stderr, text=True, env=env, start_new_session=True
        )
        self._address: list[str] = []
        self._ready = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()
        try:
            url = self._await_banner(startup_timeout)
        except BaseException:
            self.close()
            raise
        super().__init__(url + "/v1", KIT_KEY, mock=True)

    def describe(self) -> str:
        return f"pipecat-mock serve (pid {self._process.pid}) at {self.base_url}"

    def _drain(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if not self._address and "listening on " in line:
                self._address.append(line.split("listening on ", 1)[1].split()[0])
                self._ready.set()
        self._ready.set()  # the process ended

    def _await_banner(self, timeout: float) -> str:
        self._ready.wait(timeout)
        if self._address:
            return self._address[0]
        self._process.kill()
        self._process.wait(timeout=5)
        self._stderr.seek(0)
        err = self._stderr.read()
        raise RuntimeError(
            f"`pipecat-mock serve` did not print its address within {timeout:.0f}s "
            f"(exit code {self._process.returncode}): {err.strip()[-500:]}"
        )

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._stderr.close()


def _pipecat_mock_command() -> list[str]:
    script = Path(sys.executable).with_name("pipecat-mock")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "pipecat_cloud_mock"]


def in_process_mock(budget: Budget | None = None) -> WSGITarget:
    from pipecat_cloud_mock.config import Config
    from pipecat_cloud_mock.http.app import create_app

    return WSGITarget(create_app(Config(access_log=False, api_keys=(KIT_KEY,))), KIT_KEY, mock=True, budget=budget)


def load_wsgi(reference: str) -> Any:
    """'package.module:attribute' -> the WSGI app there."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"wsgi:{reference!r} must name module:attribute, e.g. wsgi:myapp.server:app")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"wsgi:{reference}: cannot load it ({exc})") from None
