"""Shared checks for the mock's answers: spec validation through openapi-core, ErrorResponse shape."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from pipecat_cloud_mock import load_spec
from pipecat_cloud_mock.pipeline.routing import RouteMatch, Router
from pipecat_cloud_mock.spec.openapi import default_validator, schema_violations
from werkzeug.test import TestResponse

SESSION_ID = "800d444a-e67e-4686-afb3-b0de509cccb3"
AUTH = {"Authorization": "Bearer test-token"}
SESSION_PATH = "/v1/agents/{agent}/sessions/{session}"
DOCUMENTED = (200, 404, 500)
ERROR_SCHEMA = load_spec().schema("ErrorResponse")
_ROUTER = Router(load_spec())


def session_url(agent: str, session: str) -> str:
    """The raw path for an agent name and session id, each percent-encoded as one segment."""
    return SESSION_PATH.format(agent=quote(agent, safe=""), session=quote(session, safe=""))


def assert_keeps_contract(response: TestResponse, path: str, method: str = "GET") -> Any:
    """Documented statuses validate through openapi-core; the mock's own (401/405/422) as ErrorResponse.

    A path that names no operation (a 404 from routing) has no spec entry openapi-core could check it against.
    """
    assert response.content_type == "application/json"
    body = json.loads(response.data)
    routed = routes(path, method)
    if response.status_code in DOCUMENTED and routed:
        problems = default_validator().violations(
            method, path.split("?", 1)[0], response.status_code, response.content_type, response.data
        )
        assert problems == [], [str(p) for p in problems]
    else:
        assert_error_response(body, response.status_code)
    return body


def assert_error_response(body: Any, status: int) -> None:
    assert schema_violations(ERROR_SCHEMA, body) == []
    assert set(body) == {"error", "code"}
    assert body["code"] == str(status)
    assert isinstance(body["error"], str)
    assert body["error"].strip()
    assert "Traceback" not in body["error"]


def routes(path: str, method: str = "GET") -> bool:
    """Does the spec have an operation for this raw path and method?"""
    return isinstance(_ROUTER.match(method, path.split("?", 1)[0]), RouteMatch)
