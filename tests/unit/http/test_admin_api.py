"""The /__admin/ API through Flask's test client: sessions, stubs, journal, reset, token, --no-admin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import REPO
from tests.support.mocks import MockFactory

EXAMPLES = REPO / "fixtures"
SID = "6f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
AUTH = {"Authorization": "Bearer t"}


@pytest.fixture(scope="module")
def app(make_module_mock: MockFactory) -> Flask:
    return make_module_mock(fixtures=EXAMPLES, only_fixtures=True)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert client.post("/__admin/reset").status_code == 200
    return client


def api(client: FlaskClient, agent: str, session_id: str) -> Any:
    return client.get(f"/v1/agents/{agent}/sessions/{session_id}", headers=AUTH)


def test_put_get_list_and_delete_a_session(client: FlaskClient) -> None:
    assert api(client, "a", SID).status_code == 404  # --only-fixtures
    created = client.put(f"/__admin/sessions/a/{SID}", json={"completionStatus": "HTTP_ERROR"})
    assert created.status_code == 201
    assert api(client, "a", SID).json["completionStatus"] == "HTTP_ERROR"
    replaced = client.put(f"/__admin/sessions/a/{SID}", json={"completionStatus": "504"})
    assert replaced.status_code == 200
    assert api(client, "a", SID).json["completionStatus"] == "504"
    assert client.get(f"/__admin/sessions/a/{SID}").json["session"] == {"completionStatus": "504"}
    listed = client.get("/__admin/sessions").json["sessions"]
    assert {"agentName": "a", "sessionId": SID, "session": {"completionStatus": "504"}} in listed
    assert client.delete(f"/__admin/sessions/a/{SID}").status_code == 204
    assert client.delete(f"/__admin/sessions/a/{SID}").status_code == 404
    assert api(client, "a", SID).status_code == 404
    assert client.delete("/__admin/sessions").status_code == 204
    assert client.get("/__admin/sessions").json == {"sessions": []}


def test_names_with_an_encoded_slash_work_as_in_the_api(client: FlaskClient) -> None:
    assert client.put(f"/__admin/sessions/team%2Fbot/{SID}", json={"botStartSeconds": 7}).status_code == 201
    assert client.get(f"/v1/agents/team%2Fbot/sessions/{SID}", headers=AUTH).json["botStartSeconds"] == 7
    assert client.get(f"/__admin/sessions/team%2Fbot/{SID}").json["agentName"] == "team/bot"
    assert client.get(f"/__admin/sessions/team/bot/{SID}").status_code == 404  # three segments: not a session
    assert client.delete(f"/__admin/sessions/team%2Fbot/{SID}").status_code == 204


def test_a_bad_session_body_lists_every_problem_and_changes_nothing(client: FlaskClient) -> None:
    before = client.get("/__admin/sessions").json
    response = client.put(
        "/__admin/sessions/a/not-a-uuid", json={"coldStart": "yes", "sesionId": SID, "meetingIds": [{"meetingId": 1}]}
    )
    assert response.status_code == 400
    problems = {p["where"]: p["message"] for p in response.json["problems"]}
    assert "is not a 'uuid'" in problems[""]
    assert "is not of type 'boolean'" in problems["coldStart"]
    assert "Did you mean 'sessionId'?" in problems["sesionId"]
    assert "is not of type 'string'" in problems["meetingIds[0].meetingId"]
    assert len(problems) == 4
    assert client.get("/__admin/sessions").json == before


@pytest.mark.parametrize("data", [b"{not json", b"\xff", b""])
def test_a_body_that_is_not_json_is_a_400(client: FlaskClient, data: bytes) -> None:
    response = client.put(f"/__admin/sessions/a/{SID}", data=data, content_type="application/json")
    assert response.status_code == 400
    assert "not valid JSON" in response.json["problems"][0]["message"]


def test_add_list_hit_and_delete_stubs(client: FlaskClient) -> None:
    rule = {"id": "down", "match": {"agentName": "sales-bot"}, "sequence": [{"status": 500}, {"status": 200}]}
    added = client.post("/__admin/stubs", json=rule)
    assert added.status_code == 201
    assert added.json["id"] == "down"
    assert client.post("/__admin/stubs", json=rule).status_code == 409
    assert api(client, "sales-bot", SID).status_code == 500
    assert api(client, "sales-bot", SID).status_code == 200
    stubs = client.get("/__admin/stubs").json["stubs"]
    assert stubs[0]["id"] == "down"  # added stubs go first
    assert stubs[0]["hits"] == 2
    assert client.get("/__admin/stubs/down").json["sequence"] == [{"status": 500}, {"status": 200}]
    assert [e["stub"] for e in client.get("/__admin/requests").json["requests"]] == ["down", "down"]
    api(client, "x", "11111111-2222-4333-8444-555555555555")  # the example `gone-session` stub: one answer
    assert next(s for s in client.get("/__admin/stubs").json["stubs"] if s["id"] == "gone-session")["hits"] == 1
    assert client.delete("/__admin/stubs/down").status_code == 204
    assert client.delete("/__admin/stubs/down").status_code == 404
    assert api(client, "sales-bot", SID).status_code == 404  # --only-fixtures again
    generated = client.post("/__admin/stubs", json={"respond": {"status": 500}}).json["id"]
    assert generated.startswith("stub-")
    assert client.delete("/__admin/stubs").status_code == 204
    assert client.get("/__admin/stubs").json == {"stubs": []}


def test_a_bad_stub_lists_every_problem(client: FlaskClient) -> None:
    response = client.post(
        "/__admin/stubs", json={"match": {"agent": "x"}, "respond": {"status": 418, "latency": {"uniform": [3, 1]}}}
    )
    assert response.status_code == 400
    wheres = sorted(p["where"] for p in response.json["problems"])
    assert wheres == ["match.agent", "respond.latency", "respond.status"]
    assert len(client.get("/__admin/stubs").json["stubs"]) == 4


def test_the_journal_lists_api_requests_only_newest_first_with_filters(client: FlaskClient) -> None:
    api(client, "support-bot", "5f0c1a7e-3b2d-4c8e-9a61-2d7f4e8b9c10")
    client.get("/v1/agents/x/sessions/" + SID + "?__code=500", headers={**AUTH, "Prefer": "code=500"})
    client.get("/__admin/stubs")
    client.get("/__admin/no-such-thing")
    entries = client.get("/__admin/requests").json["requests"]
    assert [(e["path"], e["status"]) for e in entries] == [
        ("/v1/agents/x/sessions/" + SID, 500),
        ("/v1/agents/support-bot/sessions/5f0c1a7e-3b2d-4c8e-9a61-2d7f4e8b9c10", 200),
    ]
    newest = entries[0]
    assert newest["method"] == "GET"
    assert newest["query"] == {"__code": "500"}
    assert newest["headers"]["authorization"] == "Bearer ***"
    assert newest["headers"]["prefer"] == "code=500"
    assert newest["time"].endswith("Z")
    assert newest["stub"] is None
    only_500 = client.get("/__admin/requests?status=500").json["requests"]
    assert [e["status"] for e in only_500] == [500]
    by_path = client.get("/__admin/requests", query_string={"path": "/v1/agents/x/sessions/" + SID}).json
    assert len(by_path["requests"]) == 1
    assert client.get("/__admin/requests?limit=1").json["requests"] == [newest]
    support_bot = client.get("/__admin/requests?path_prefix=/v1/agents/support-bot/").json["requests"]
    assert [e["path"] for e in support_bot] == ["/v1/agents/support-bot/sessions/5f0c1a7e-3b2d-4c8e-9a61-2d7f4e8b9c10"]
    assert client.get("/__admin/requests?path_prefix=/v1/agents/nobody/").json["requests"] == []
    bad = client.get("/__admin/requests?status=abc&limit=0&paht=/v1")
    assert bad.status_code == 400
    assert sorted(p["where"] for p in bad.json["problems"]) == ["limit", "paht", "status"]
    (typo,) = [p["message"] for p in bad.json["problems"] if p["where"] == "paht"]
    assert "Did you mean 'path'?" in typo
    assert "path_prefix" in typo
    assert client.delete("/__admin/requests").status_code == 204
    assert client.get("/__admin/requests").json == {"requests": []}


def test_reset_returns_to_the_fixtures_loaded_at_start_up(client: FlaskClient) -> None:
    client.delete("/__admin/sessions")
    client.delete("/__admin/stubs")
    client.put(f"/__admin/sessions/extra/{SID}", json={})
    api(client, "extra", SID)
    assert client.post("/__admin/reset").json == {"status": "reset", "sessions": 5, "stubs": 4}
    assert len(client.get("/__admin/sessions").json["sessions"]) == 5
    assert len(client.get("/__admin/stubs").json["stubs"]) == 4
    assert client.get("/__admin/requests").json == {"requests": []}
    assert api(client, "extra", SID).status_code == 404


def test_unknown_admin_paths_are_admin_404s_and_api_paths_never_reach_admin(client: FlaskClient) -> None:
    response = client.get("/__admin/nope")
    assert response.status_code == 404
    assert "Endpoints:" in response.json["error"]
    assert client.get("/v1/__admin/health", headers=AUTH).json["error"] == "API endpoint not found"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("post", "/__admin/health", "GET, HEAD"),
        ("patch", "/__admin/reset", "POST"),
        ("post", f"/__admin/sessions/my-agent/{SID}", "DELETE, GET, HEAD, PUT"),
    ],
)
def test_a_known_admin_path_with_another_method_is_405_with_allow(
    client: FlaskClient, method: str, path: str, allowed: str
) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert sorted(response.headers["Allow"].split(", ")) == allowed.split(", ")
    assert response.json["code"] == "405"
    assert f"Allowed: {response.headers['Allow']}." in response.json["error"]


def test_admin_token_guards_every_admin_route(make_mock: MockFactory) -> None:
    app = make_mock(admin_token="s3cret")
    client = app.test_client()
    denied = client.get("/__admin/sessions")
    assert denied.status_code == 401
    assert "WWW-Authenticate" in denied.headers
    assert client.get("/__admin/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.post("/__admin/reset").status_code == 401
    assert client.get("/__admin/sessions", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.get(f"/v1/agents/a/sessions/{SID}", headers=AUTH).status_code == 200  # the API is not guarded


def test_no_admin_turns_the_admin_api_off(make_mock: MockFactory) -> None:
    app = make_mock(admin=False)
    client = app.test_client()
    response = client.get("/__admin/health")
    assert response.status_code == 404
    assert response.json["error"] == "API endpoint not found"
    assert client.put(f"/__admin/sessions/a/{SID}", json={}).status_code == 404


def test_a_spec_served_under_the_admin_prefix_is_refused(make_mock: MockFactory, tmp_path: Path) -> None:
    import yaml
    from pipecat_cloud_mock import ConfigError, bundled_spec_path

    document = yaml.safe_load(bundled_spec_path().read_text(encoding="utf-8"))
    document["servers"] = [{"url": "https://example.invalid/__admin/v1"}]
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(ConfigError, match="under /__admin/"):
        make_mock(spec=spec)
