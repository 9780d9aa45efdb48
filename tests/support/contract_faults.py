"""A test server for the contract kit's own tests: pipecat-mock behind a WSGI wrapper with switchable faults.

`app` plants the fault named by the CONTRACT_PLANTED_FAULT environment variable (default: none), read per
request, so one in-process run of the contract suite (`--contract-target wsgi:tests.support.contract_faults:app`)
checks one fault.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

from pipecat_cloud_mock import Config, create_app
from pipecat_cloud_mock.secret import Secret

SELFTEST_KEY = "selftest-key-4b1d"
OTHER_SESSION_ID = "00000000-0000-4000-8000-000000000000"
StartResponse = Callable[..., Any]
Edit = Callable[[int, dict[str, str], Any], tuple[int, dict[str, str], Any]]


def _wrong_type(status: int, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
    if status == 200:
        body["botStartSeconds"] = "3"
    return status, headers, body


def _bad_date_time(status: int, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
    if status == 200:
        body["createdAt"] = "22/10/2025 08:39:20"
    return status, headers, body


def _wrong_content_type(status: int, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
    return status, {**headers, "Content-Type": "text/html; charset=utf-8"}, body


def _error_shape(status: int, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
    if status >= 400:
        body = {"message": body.get("error"), "status": status}
    return status, headers, body


def _session_mismatch(status: int, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
    if status == 200:
        body["sessionId"] = OTHER_SESSION_ID
    return status, headers, body


def _percentiles(status: int, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
    if status == 200:
        metrics = body.get("resourceMetrics") or {"sessionId": body.get("sessionId")}
        metrics.update(cpuMillicoresP50=450, cpuMillicoresP90=280, cpuMillicoresP95=320, cpuMillicoresP99=150)
        body["resourceMetrics"] = metrics
    return status, headers, body


def _server_error(status: int, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
    if status == 200:
        return 500, headers, {"error": "Internal server error", "code": "500"}
    return status, headers, body


def _drift(status: int, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
    if status == 200:
        body["endState"] = "completed"
        body.pop("meetingIds", None)
    return status, headers, body


def _charset(status: int, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
    """Faithful: a parameter on the media type is still application/json."""
    return status, {**headers, "Content-Type": "application/json; charset=utf-8"}, body


_IDENTITY = ("REQUEST_METHOD", "PATH_INFO", "HTTP_AUTHORIZATION", "HTTP_PREFER")


class Answers:
    """How many times each request (method, path, credentials, Prefer) has been answered, across threads."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, ...]] = Counter()
        self._lock = threading.Lock()

    def next(self, environ: dict[str, Any]) -> int:
        key = tuple(str(environ.get(name, "")) for name in _IDENTITY)
        with self._lock:
            self._counts[key] += 1
            return self._counts[key]


def _intermittent(status: int, headers: dict[str, str], body: Any, answer: int) -> tuple[int, dict[str, str], Any]:
    """One answer in three breaks: the 2nd, 5th, 8th ... answer to the same request. The first answer to any
    request is always right, so a kit that asks each thing once never sees the break."""
    if status == 200 and answer % 3 == 2:
        body["botStartSeconds"] = str(body.get("botStartSeconds", 3))
    return status, headers, body


def _newer(body: Any, answer: int) -> None:
    created = datetime.fromisoformat(str(body.get("createdAt") or "2025-10-22T08:39:20+00:00").replace("Z", "+00:00"))
    created = created if created.tzinfo else created.replace(tzinfo=UTC)
    body["updatedAt"] = (created + timedelta(seconds=answer)).isoformat().replace("+00:00", "Z")


def _running(status: int, headers: dict[str, str], body: Any, answer: int) -> tuple[int, dict[str, str], Any]:
    """Faithful: the session is still running, so each answer is newer than the last (and none has an end)."""
    if status == 200:
        body.update(endedAt=None, completionStatus=None)
        _newer(body, answer)
    return status, headers, body


def _unstable(status: int, headers: dict[str, str], body: Any, answer: int) -> tuple[int, dict[str, str], Any]:
    """A session that has ended and still changes from one answer to the next."""
    if status == 200 and body.get("endedAt"):
        _newer(body, answer)
    return status, headers, body


# Faults that rewrite the response; "auth_ignored" rewrites the request instead.
EDITS: dict[str, Edit] = {
    "wrong_type": _wrong_type,
    "bad_date_time": _bad_date_time,
    "wrong_content_type": _wrong_content_type,
    "error_shape": _error_shape,
    "session_mismatch": _session_mismatch,
    "percentiles": _percentiles,
    "server_error": _server_error,
    "drift": _drift,
}
# Rewrites that depend on how many times the same request has been answered.
COUNTED: dict[str, Callable[[int, dict[str, str], Any, int], tuple[int, dict[str, str], Any]]] = {
    "intermittent": _intermittent,
    "running": _running,
    "unstable": _unstable,
}
# Faithful variants of a server: the kit must pass them in every mode.
FAITHFUL = ("none", "charset", "running")
# Variants without pipecat-mock's admin API, as the real API: the mock-only tests do not run against them.
NOT_A_MOCK = ("intermittent", "running", "unstable")
FAULTS = ("none", "auth_ignored", *EDITS)  # each fails the suite for its own reason (tests/test_contract_kit.py)
VARIANTS = (*FAULTS, *COUNTED, "charset")


def _sessions_in(body: Any) -> list[Any]:
    if isinstance(body, dict) and "sessionId" in body:
        return [body]
    items = body.get("sessions") if isinstance(body, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


class FaultyApp:
    def __init__(self) -> None:
        self.inner = create_app(Config(access_log=False, api_keys=(Secret(SELFTEST_KEY),)))
        self.answers = Answers()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        fault = os.environ.get("CONTRACT_PLANTED_FAULT", "none")
        if fault not in VARIANTS:
            raise ValueError(f"CONTRACT_PLANTED_FAULT={fault!r}. Valid values: {', '.join(VARIANTS)}")
        if not environ.get("PATH_INFO", "").startswith("/v1/"):
            if fault in NOT_A_MOCK:
                start_response("404 Not Found", [("Content-Type", "application/json")])
                return [b'{"error": "Not found"}']
            return self.inner(environ, start_response)  # the admin API is left alone
        if fault == "auth_ignored":
            environ["HTTP_AUTHORIZATION"] = "Bearer " + SELFTEST_KEY
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured.update(status=int(status.split()[0]), headers=dict(headers))
            return lambda data: None

        raw = b"".join(self.inner(environ, capture))
        status, headers = captured["status"], captured["headers"]
        edit = EDITS.get(fault)
        counted = COUNTED.get(fault)
        if fault == "charset":
            edit = _charset
        if edit is not None or counted is not None:
            body = json.loads(raw)
            if edit is not None:
                status, headers, body = edit(status, headers, body)
            if counted is not None:
                answer = self.answers.next(environ)
                for session in _sessions_in(body):  # the session's details, or each item of a list of them
                    status, headers, _ = counted(status, headers, session, answer)
            raw = json.dumps(body).encode()
            headers["Content-Length"] = str(len(raw))
        start_response(f"{status} {HTTPStatus(status).phrase}", list(headers.items()))
        return [raw]


app = FaultyApp()
