"""Verification on the admin API: counting journaled requests, listing the unmatched ones, reset empties both.

Each test runs against both journals: the private server's ring in shared memory and a shared --state-db file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from pipecat_cloud_mock.state.verify import Call, check_called, path_matcher, summarize

from tests.support.mocks import MockFactory

SESSION_ID = "800d444a-e67e-4686-afb3-b0de509cccb3"
OTHER_ID = "6f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
AUTH = {"Authorization": "Bearer secret-token-123"}


@pytest.fixture(params=["ring", "state-db"])
def client(make_mock: MockFactory, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FlaskClient]:
    state_db = tmp_path / "state.sqlite3" if request.param == "state-db" else None
    app = make_mock(state_db=state_db)
    with app.test_client() as c:
        yield c


def session(agent: str = "a", session_id: str = SESSION_ID) -> str:
    return f"/v1/agents/{agent}/sessions/{session_id}"


def count(client: FlaskClient, query: str = "") -> int:
    response = client.get("/__admin/requests/count" + query)
    assert response.status_code == 200, response.json
    assert response.json is not None
    return int(response.json["count"])


def test_count_applies_every_journal_filter(client: FlaskClient) -> None:
    for _ in range(3):
        client.get(session("a"), headers=AUTH)
    client.get(session("b"), headers=AUTH)
    client.get(session("b"))  # 401
    client.patch(session("b"), headers=AUTH)  # 405
    assert count(client) == 6
    assert count(client, f"?path={session('a')}") == 3
    assert count(client, "?path_prefix=/v1/agents/b/") == 3
    assert count(client, "?status=401") == 1
    assert count(client, "?method=patch") == 1  # methods in any case, as the journal takes them
    assert count(client, "?path_prefix=/v1/agents/b/&status=200&method=GET") == 1
    assert count(client, "?path=/v1/nothing") == 0
    # The same filters give the same answer as the journal's list.
    assert len(client.get("/__admin/requests?path_prefix=/v1/agents/b/").json["requests"]) == 3  # type: ignore[index]


@pytest.mark.parametrize("query", ["?pth=/v1", "?limit=5", "?path=/x&agent=a"])
def test_an_unknown_count_filter_is_a_400_naming_the_valid_ones(client: FlaskClient, query: str) -> None:
    response = client.get("/__admin/requests/count" + query)
    assert response.status_code == 400
    body = response.json
    assert body is not None
    messages = " ".join(p["message"] for p in body["problems"])
    assert "Valid values: method, path, path_prefix, status." in messages
    assert "count" not in body


def test_a_bad_filter_value_says_what_is_accepted(client: FlaskClient) -> None:
    response = client.get("/__admin/requests/count?status=abc")
    assert response.status_code == 400
    assert "an HTTP status such as 404" in response.text


def test_unmatched_lists_routing_404s_and_405s_only(client: FlaskClient) -> None:
    client.get(session(), headers=AUTH)  # matched, 200
    client.get(session())  # matched, 401
    client.get("/v1/agents/a/sesions/" + SESSION_ID, headers=AUTH)  # typo'd path: 404 from routing
    client.post(session(), headers=AUTH)  # wrong method: 405
    client.get(session("a", "not-a-uuid"), headers=AUTH)  # matched, but a bad id: a 404 of the operation
    response = client.get("/__admin/requests/unmatched")
    assert response.status_code == 200
    found = response.json["requests"]  # type: ignore[index]
    assert [(u["method"], u["path"], u["status"]) for u in found] == [
        ("POST", session(), 405),
        ("GET", "/v1/agents/a/sesions/" + SESSION_ID, 404),
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", u["time"]) for u in found)
    assert found[0]["hint"] == "allowed here: DELETE, GET, HEAD"  # getSession and stopSession share the path
    assert found[1]["hint"] == "did you mean GET /v1/agents/{agentName}/sessions/{sessionId}?"


def test_unmatched_requests_are_redacted_like_the_journal(client: FlaskClient) -> None:
    client.get("/v1/typo", headers={**AUTH, "Proxy-Authorization": "Basic abc", "X-Api-Key": "k-123"})
    text = client.get("/__admin/requests/unmatched").text
    for secret in ("secret-token-123", "Basic abc", "k-123"):
        assert secret not in text
    headers = client.get("/__admin/requests/unmatched").json["requests"][0]["headers"]  # type: ignore[index]
    assert headers["authorization"] == "Bearer ***"
    assert headers["proxy-authorization"] == headers["x-api-key"] == "***"


def test_reset_empties_count_unmatched_and_coverage(client: FlaskClient) -> None:
    client.get(session(), headers=AUTH)
    client.get("/v1/typo", headers=AUTH)
    assert count(client) == 2
    assert client.post("/__admin/reset").status_code == 200
    assert count(client) == 0
    assert client.get("/__admin/requests/unmatched").json == {"requests": []}
    summary = client.get("/__admin/coverage").json["summary"]  # type: ignore[index]
    assert summary["documented_served"] == 0


def test_clearing_the_journal_keeps_coverage_until_reset(client: FlaskClient) -> None:
    client.get(session(), headers=AUTH)
    assert client.delete("/__admin/requests").status_code == 204
    assert count(client) == 0
    assert client.get("/__admin/coverage").json["summary"]["documented_served"] == 1  # type: ignore[index]
    assert client.delete("/__admin/coverage").status_code == 204
    assert client.get("/__admin/coverage").json["summary"]["documented_served"] == 0  # type: ignore[index]


# --- the matching and ranking the fixture's assertions use -------------------------------------------


def test_a_path_matches_exactly_as_a_template_or_as_a_regex() -> None:
    exact = path_matcher("/v1/agents/a/sessions/x", "/v1")
    assert exact("/v1/agents/a/sessions/x")
    assert not exact("/v1/agents/a/sessions/x/y")
    template = path_matcher("/agents/{agentName}/sessions/{sessionId}", "/v1")  # tried under the base path
    assert template("/v1/agents/a/sessions/x")
    assert not template("/v1/agents/a/b/sessions/x")  # a {name} is one segment
    assert not template("/v1/agents/a/sessions/")
    regex = path_matcher(re.compile(r"/v1/agents/a/.*"), "/v1")
    assert regex("/v1/agents/a/sessions/x")
    assert not regex("/x/v1/agents/a/")  # the whole path


def test_other_calls_are_listed_closest_first_with_counts_and_statuses() -> None:
    calls = [
        Call("GET", "/v1/health", 404),
        Call("GET", "/v1/agents/b/sessions/x", 200),
        Call("GET", "/v1/agents/b/sessions/x", 404),
        Call("POST", "/v1/agents/a/sessions/x", 405),
        Call("GET", "/v1/agents/a/sessions/y", 200),
    ]
    assert summarize(calls, "GET", "/v1/agents/a/sessions/x") == [
        "POST /v1/agents/a/sessions/x  (1 time, answered 405)",  # the same path with another method
        "GET /v1/agents/a/sessions/y  (1 time, answered 200)",  # one segment off
        "GET /v1/agents/b/sessions/x  (2 times, answered 200, 404)",
        "GET /v1/health  (1 time, answered 404)",
    ]
    # Against a template, every path that fits its shape is closer than one with another method.
    assert summarize(calls, "GET", "/v1/agents/{agentName}/sessions/{sessionId}")[2] == (
        "POST /v1/agents/a/sessions/x  (1 time, answered 405)"
    )


def test_a_full_journal_is_named_in_the_failure() -> None:
    entries = [Call("GET", "/v1/agents/a/sessions/x", 200), Call("GET", "/v1/other", 404)]
    hits, failure = check_called(entries, "GET", "/agents/{agentName}/sessions/{sessionId}", 2, "/v1", 2)
    assert hits == entries[:1]
    assert failure is not None
    assert failure.splitlines()[0] == (
        "expected GET /agents/{agentName}/sessions/{sessionId} to be called exactly 2 times, but it was called 1 time."
    )
    assert failure.splitlines()[-1] == "(The journal keeps the newest 2 requests: older ones are not counted.)"
    assert check_called(entries, "GET", "/agents/{agentName}/sessions/{sessionId}", 2, "/v1", 3)[1] is not None
    assert "journal keeps" not in (check_called(entries, "GET", "/x", 1, "/v1", 3)[1] or "")
