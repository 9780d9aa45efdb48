"""Routes come from the spec, under its server's base path; everything else is a JSON 404 or 405."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from pipecat_cloud_mock import load_spec
from pipecat_cloud_mock.mocker.session import session_values
from pipecat_cloud_mock.pipeline.routing import MethodNotAllowed, RouteMatch, RouteNotFound, Router

from tests.support.answers import AUTH, SESSION_ID, assert_error_response, assert_keeps_contract, session_url
from tests.support.mocks import MockFactory
from tests.support.specs import VALID_MINIMAL

GOOD = session_url("my-agent", SESSION_ID)


def test_the_spec_operation_is_served_under_the_server_base_path(client: FlaskClient) -> None:
    response = client.get(GOOD, headers=AUTH)
    assert response.status_code == 200
    assert assert_keeps_contract(response, GOOD)["sessionId"] == SESSION_ID


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/v1",
        "/v1/",
        "/agents/my-agent/sessions/" + SESSION_ID,  # without the base path
        "/v2/agents/my-agent/sessions/" + SESSION_ID,
        GOOD + "/",  # a trailing slash is another path
        GOOD + "/extra",
        "/v1//agents/my-agent/sessions/" + SESSION_ID,
        "/v1/agents//sessions/" + SESSION_ID,  # an empty agent name
        "/v1/agents/my-agent/sessions/",
        "/v1/agents/my-agent/sessions/" + SESSION_ID + "/more",
        "/V1/AGENTS/my-agent/SESSIONS/" + SESSION_ID,
    ],
)
def test_unknown_paths_are_a_json_404(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers=AUTH)
    assert response.status_code == 404
    assert response.content_type == "application/json"
    body = json.loads(response.data)
    assert_error_response(body, 404)
    assert body["error"] == "API endpoint not found"


def test_an_unknown_admin_path_is_a_json_404_too(client: FlaskClient) -> None:
    response = client.get("/__admin/nothing-here")
    assert response.status_code == 404
    assert_error_response(json.loads(response.data), 404)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "BREW"])
def test_other_methods_are_a_json_405_with_allow(client: FlaskClient, method: str) -> None:
    response = client.open(GOOD, method=method, headers=AUTH)
    assert response.status_code == 405
    assert response.headers["Allow"] == "DELETE, GET, HEAD"  # GET details, DELETE stops (stopSession)
    body = json.loads(response.data)
    assert_error_response(body, 405)
    assert method in body["error"]
    assert "DELETE, GET, HEAD" in body["error"]


def test_head_answers_like_get_without_a_body(client: FlaskClient) -> None:
    get = client.get(GOOD, headers=AUTH)
    head = client.head(GOOD, headers=AUTH)
    assert head.status_code == 200
    assert head.data == b""
    assert head.content_type == "application/json"
    assert int(head.headers["Content-Length"]) == len(get.data)


def test_an_encoded_slash_stays_inside_the_agent_name(client: FlaskClient) -> None:
    path = "/v1/agents/team%2Fbot/sessions/" + SESSION_ID
    body = assert_keeps_contract(client.get(path, headers=AUTH), path)
    assert body["serviceId"] == session_values(0, "team/bot", SESSION_ID)["serviceId"]
    assert body["serviceId"] != session_values(0, "team", SESSION_ID)["serviceId"]
    # The decoded form is two segments, so it names no operation.
    assert client.get("/v1/agents/team/bot/sessions/" + SESSION_ID, headers=AUTH).status_code == 404


def test_health_answers_ok_without_credentials(client: FlaskClient) -> None:
    response = client.get("/__admin/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_router_matches_raw_paths_and_reports_allowed_methods() -> None:
    router = Router(load_spec())
    match = router.match("get", "/v1/agents/a%2Fb%20c/sessions/" + SESSION_ID)
    assert isinstance(match, RouteMatch)
    assert match.operation.operation_id == "getSession"
    assert match.path_params == {"agentName": "a/b c", "sessionId": SESSION_ID}
    assert isinstance(router.match("HEAD", "/v1/agents/a/sessions/x"), RouteMatch)
    assert router.match("PUT", "/v1/agents/a/sessions/x") == MethodNotAllowed(
        "/v1/agents/a/sessions/x", ("DELETE", "GET", "HEAD")
    )
    assert router.match("GET", "/v1/agents/a/b/sessions/x") == RouteNotFound("/v1/agents/a/b/sessions/x")


def test_routes_follow_whatever_spec_is_served(make_mock: MockFactory, tmp_path: Path) -> None:
    spec = tmp_path / "things.yaml"
    spec.write_text(VALID_MINIMAL.replace("security:", "x-security:"))
    client = make_mock.client(spec=spec)
    ok = client.get("/api/things/42")
    assert ok.status_code == 200
    assert isinstance(ok.json, dict)
    assert isinstance(ok.json["name"], str)
    assert client.get("/v1/agents/a/sessions/" + SESSION_ID).status_code == 404
    assert client.post("/api/things/42").headers["Allow"] == "GET, HEAD"
    # The integer path parameter is checked against its schema, as sessionId is against format: uuid.
    assert client.get("/api/things/forty-two").status_code == 404


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/agents/./sessions/" + SESSION_ID, 404),  # what clients send for agent ".": the dot is removed
        ("/v1/agents/x/../my-agent/sessions/" + SESSION_ID, 200),
        ("/v1/agents/../agents/my-agent/./sessions/" + SESSION_ID, 200),
        ("/v1/agents/.bot/sessions/" + SESSION_ID, 200),  # only whole "." and ".." segments are dot segments
    ],
)
def test_dot_segments_are_resolved_as_clients_and_validators_resolve_them(
    client: FlaskClient, path: str, status: int
) -> None:
    response = client.get(path, headers=AUTH)
    assert response.status_code == status
    assert_keeps_contract(response, path)


def test_raw_request_path_keeps_percent_encoding_reads_absolute_form_and_falls_back_to_the_decoded_path() -> None:
    from pipecat_cloud_mock.pipeline.routing import raw_request_path

    assert (
        raw_request_path({"RAW_URI": "/v1/agents/a%2Fb/sessions/x?__code=404", "PATH_INFO": "ignored"})
        == "/v1/agents/a%2Fb/sessions/x"
    )
    assert (
        raw_request_path({"REQUEST_URI": "http://h:1/__admin/sessions/a/b?x=1", "PATH_INFO": "ignored"})
        == "/__admin/sessions/a/b"
    )
    assert raw_request_path({"RAW_URI": "http://h:1", "PATH_INFO": "ignored"}) == "/"
    # PEP 3333: PATH_INFO carries the path's UTF-8 bytes as latin-1 characters.
    assert raw_request_path({"PATH_INFO": "/v1/agents/zo\xc3\xab"}) == "/v1/agents/zo%C3%AB"
    assert raw_request_path({"PATH_INFO": "//v1"}) == "/v1"
    assert raw_request_path({"PATH_INFO": "/zō"}) == "/z%C5%8D"  # beyond latin-1, not PEP 3333: taken as text
