"""A test server for the contract kit's own tests: pipecat-mock behind a WSGI wrapper with switchable faults.

`app` plants the fault named by the CONTRACT_PLANTED_FAULT environment variable (default: none), read per
request, so one in-process run of the contract suite (`--contract-target wsgi:tests.contract_faults:app`)
checks one fault.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from mockserver import Config, create_app
from mockserver._secret import Secret

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
FAULTS = ("none", "auth_ignored", *EDITS)


class FaultyApp:
    def __init__(self) -> None:
        self.inner = create_app(Config(access_log=False, api_keys=(Secret(SELFTEST_KEY),)))

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        fault = os.environ.get("CONTRACT_PLANTED_FAULT", "none")
        if fault not in FAULTS:
            raise ValueError(f"CONTRACT_PLANTED_FAULT={fault!r}. Valid values: {', '.join(FAULTS)}")
        if not environ.get("PATH_INFO", "").startswith("/v1/"):
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
        if edit is not None:
            status, headers, body = edit(status, headers, json.loads(raw))
            raw = json.dumps(body).encode()
            headers["Content-Length"] = str(len(raw))
        start_response(f"{status} {HTTPStatus(status).phrase}", list(headers.items()))
        return [raw]


app = FaultyApp()
