"""The session lifecycle in one world: start, list, details, stop, the clock, and every bad input refused."""

from __future__ import annotations

import asyncio
import base64
import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from pipecat_cloud_mock.spec.openapi import default_validator

from tests.support.mocks import MockFactory
from tests.support.servers import serve_in_thread

AUTH = {"Authorization": "Bearer t"}
AGENT = "world-bot"


@pytest.fixture
def client(make_mock: MockFactory) -> FlaskClient:
    return make_mock.client(seed=11)


def start(client: FlaskClient, agent: str = AGENT, **request: Any) -> str:
    response = client.post(f"/v1/public/{agent}/start", json=request, headers=AUTH)
    assert response.status_code == 200, response.json
    return str(response.json["sessionId"])


def details(client: FlaskClient, session_id: str, agent: str = AGENT) -> dict[str, Any]:
    response = client.get(f"/v1/agents/{agent}/sessions/{session_id}", headers=AUTH)
    assert response.status_code == 200
    return dict(response.json)


def listing(client: FlaskClient, agent: str = AGENT, **query: Any) -> dict[str, Any]:
    response = client.get(f"/v1/agents/{agent}/sessions", query_string=query, headers=AUTH)
    assert response.status_code == 200, response.json
    return dict(response.json)


def valid(client: FlaskClient, method: str, path: str, response: Any) -> None:
    violations = default_validator().violations(
        method, path, response.status_code, response.content_type, response.data
    )
    assert violations == []


def test_a_started_session_is_active_everywhere_and_a_stopped_one_ended(client: FlaskClient) -> None:
    before = client.get(f"/v1/agents/{AGENT}", headers=AUTH).json["activeSessionCount"]
    session_id = start(client)
    assert details(client, session_id)["endedAt"] is None
    assert details(client, session_id)["completionStatus"] is None
    assert session_id in [s["sessionId"] for s in listing(client, status="active", limit=100)["sessions"]]
    assert client.get(f"/v1/agents/{AGENT}", headers=AUTH).json["activeSessionCount"] == before + 1

    stop = client.delete(f"/v1/agents/{AGENT}/sessions/{session_id}", headers=AUTH)
    assert stop.json == {"status": "terminated", "session_id": session_id}
    valid(client, "DELETE", f"/v1/agents/{AGENT}/sessions/{session_id}", stop)
    ended = details(client, session_id)
    assert ended["endedAt"] is not None
    assert ended["completionStatus"] is not None
    assert session_id in [s["sessionId"] for s in listing(client, status="ended", limit=100)["sessions"]]
    assert client.get(f"/v1/agents/{AGENT}", headers=AUTH).json["activeSessionCount"] == before
    sdk = client.get(f"/v1/organizations/o/services/{AGENT}/sessions/{session_id}", headers=AUTH).json
    assert sdk["endState"] == "terminated"
    assert sdk["events"][-1]["eventTs"] == sdk["endedAt"]


def test_started_ids_are_deterministic_and_reset_forgets_them(client: FlaskClient, make_mock: MockFactory) -> None:
    first = start(client)
    other = make_mock.client(seed=11)
    assert start(other) == first  # same seed, same agent, same history of starts
    second = start(client)
    assert second != first
    client.post("/__admin/reset")
    assert start(client) == first
    assert second not in [s["sessionId"] for s in listing(client, limit=100)["sessions"]]


def test_stopping_twice_or_a_malformed_id_is_refused_clearly(client: FlaskClient) -> None:
    session_id = start(client)
    assert client.delete(f"/v1/agents/{AGENT}/sessions/{session_id}", headers=AUTH).status_code == 200
    again = client.delete(f"/v1/agents/{AGENT}/sessions/{session_id}", headers=AUTH)
    assert again.status_code == 404
    assert "cannot be stopped again" in again.json["error"]
    malformed = client.delete(f"/v1/agents/{AGENT}/sessions/not-a-uuid", headers=AUTH)
    assert malformed.status_code == 400
    assert "UUID" in malformed.json["error"]
    assert client.delete(f"/v1/agents/{AGENT}/sessions/{session_id}").status_code == 401


def test_an_ended_generated_session_cannot_be_stopped(client: FlaskClient) -> None:
    ended = next(s for s in listing(client, status="ended")["sessions"])
    refused = client.delete(f"/v1/agents/{AGENT}/sessions/{ended['sessionId']}", headers=AUTH)
    assert refused.status_code == 404
    assert "ended at" in refused.json["error"]
    assert details(client, ended["sessionId"])["endedAt"] == ended["endedAt"]  # unchanged


def test_a_not_ready_agent_refuses_starts(client: FlaskClient) -> None:
    before = listing(client, limit=100)
    assert client.put(f"/__admin/agents/{AGENT}", json={"ready": False}).status_code == 200
    assert client.get(f"/v1/agents/{AGENT}", headers=AUTH).json["ready"] is False
    refused = client.post(f"/v1/public/{AGENT}/start", json={}, headers=AUTH)
    assert refused.status_code == 400
    assert "not in ready state" in refused.json["error"]
    assert listing(client, limit=100) == before
    assert client.put(f"/__admin/agents/{AGENT}", json={"ready": True}).status_code == 200
    start(client)


def test_start_answers_per_transport(client: FlaskClient) -> None:
    daily = client.post(f"/v1/public/{AGENT}/start", json={"createDailyRoom": True}, headers=AUTH).json
    assert set(daily) == {"sessionId", "dailyRoom", "dailyToken"}
    ws = client.post(f"/v1/public/{AGENT}/start", json={"transport": "websocket", "body": {"a": 1}}, headers=AUTH)
    assert set(ws.json) == {"sessionId", "wsUrl", "token", "body"}
    assert json.loads(base64.b64decode(ws.json["body"])) == {"a": 1}
    valid(client, "POST", f"/v1/public/{AGENT}/start", ws)
    plain = client.post(f"/v1/public/{AGENT}/start", json={}, headers=AUTH).json
    assert set(plain) == {"sessionId"}


BAD_STARTS = [
    ({"createDailyRoom": "yes"}, "createDailyRoom"),
    ({"transport": "carrier-pigeon"}, "transport"),
    ({"body": "not an object"}, "body"),
    ({"transport": "websocket", "body": {"x": "y" * 5000}}, "body"),
    ({"body": {"x": "y" * (1024 * 1024)}}, "body"),
    ([1, 2], "an object"),
]


@pytest.mark.parametrize(("request_body", "named"), BAD_STARTS)
def test_a_bad_start_is_a_400_naming_the_field_and_starts_nothing(
    client: FlaskClient, request_body: Any, named: str
) -> None:
    before = listing(client, limit=100)
    refused = client.post(f"/v1/public/{AGENT}/start", json=request_body, headers=AUTH)
    assert refused.status_code == 400
    assert named in refused.json["error"]
    assert refused.json["code"] == "400"
    assert listing(client, limit=100) == before


def test_a_start_body_that_is_not_json_is_a_400(client: FlaskClient) -> None:
    refused = client.post(f"/v1/public/{AGENT}/start", data=b"{nope", headers=AUTH)
    assert refused.status_code == 400
    assert "not valid JSON" in refused.json["error"]


@pytest.mark.parametrize(
    ("query", "named", "accepted"),
    [
        ({"limit": "0"}, "limit", "from 1 to 100"),
        ({"limit": "101"}, "limit", "from 1 to 100"),
        ({"limit": "ten"}, "limit", "an integer"),
        ({"offset": "-1"}, "offset", "at least 0"),
        ({"status": "running"}, "status", "active, ended, all"),
        ({"startType": "lukewarm"}, "startType", "cold, warm, all"),
    ],
)
def test_a_bad_list_query_is_a_400_naming_it(
    client: FlaskClient, query: dict[str, str], named: str, accepted: str
) -> None:
    refused = client.get(f"/v1/agents/{AGENT}/sessions", query_string=query, headers=AUTH)
    assert refused.status_code == 400
    assert named in refused.json["error"]
    assert accepted in refused.json["error"]


def test_a_list_query_takes_an_integer_of_any_size_the_schema_allows(client: FlaskClient) -> None:
    # The spec sets no maximum on startTimeMax: a 19-digit value (past a 64-bit integer's 18 safe digits) is valid.
    answered = client.get(f"/v1/agents/{AGENT}/sessions", query_string={"startTimeMax": 10**18}, headers=AUTH)
    assert answered.status_code == 200, answered.json
    assert answered.json["total_count"] >= len(answered.json["sessions"])


def test_a_running_session_grows_with_the_clock_and_ends_by_itself(client: FlaskClient) -> None:
    client.put("/__admin/clock", json={"freeze": "2026-03-01T12:00:00Z"})
    session_id = start(client)
    created = details(client, session_id)
    assert created["createdAt"] == "2026-03-01T12:00:00.000Z"
    counts = []
    for _ in range(3):
        client.put("/__admin/clock", json={"advance": 20})
        body = details(client, session_id)
        assert body["endedAt"] is None
        counts.append((body["resourceMetrics"] or {}).get("sampleCount", 0))
        samples = (body["resourceMetrics"] or {}).get("timeseries", [])
        assert all(s["t"] <= 1772366400 + 20 * (len(counts)) for s in samples)
    assert counts == sorted(counts)
    assert counts[-1] > counts[0]
    client.put("/__admin/clock", json={"advance": 4 * 3600})  # past any drawn lifetime (at most an hour)
    ended = details(client, session_id)
    assert ended["endedAt"] is not None
    assert ended["completionStatus"] == "HTTP_COMPLETED"
    assert ended["createdAt"] < ended["endedAt"] <= "2026-03-01T16:01:00.000Z"
    assert ended["resourceMetrics"]["timeseries"][-1]["t"] * 1000 <= _ms(ended["endedAt"])
    assert details(client, session_id) == ended  # ended: no longer changes with the clock
    client.put("/__admin/clock", json={"advance": 600})
    assert details(client, session_id) == ended


def _ms(text: str) -> int:
    from pipecat_cloud_mock.mocker.session import parse_iso_ms

    value = parse_iso_ms(text)
    assert value is not None
    return value


def test_bad_clock_requests_change_nothing(client: FlaskClient) -> None:
    client.put("/__admin/clock", json={"freeze": 1_780_000_000})
    before = client.get("/__admin/clock").json
    for body in ({"advance": -5}, {"freeze": "yesterday"}, {"when": 1}, {}, {"advance": "10"}, [1]):
        refused = client.put("/__admin/clock", json=body)
        assert refused.status_code == 400
        assert "nothing was changed" in refused.json["error"]
    assert client.get("/__admin/clock").json == before
    assert client.put("/__admin/clock", json={"real": True}).json["frozen"] is False


@pytest.fixture
def live_url(make_mock: MockFactory) -> Iterator[str]:
    with serve_in_thread(make_mock(seed=2)) as base:
        yield base


def test_the_sdks_session_start_works(live_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import requests
    from pipecatcloud.session import Session, SessionParams

    monkeypatch.setenv("PIPECAT_API_HOST", live_url)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # pipecatcloud's aiohttp sessions, as in test_sdk
        result = asyncio.run(Session(AGENT, "pk_test", SessionParams(data={"hello": 1}, use_daily=True)).start())
    assert set(result) == {"sessionId", "dailyRoom", "dailyToken"}
    body = requests.get(f"{live_url}/v1/agents/{AGENT}/sessions/{result['sessionId']}", headers=AUTH, timeout=5)
    assert body.json()["endedAt"] is None


def test_a_stop_under_a_clock_set_back_never_ends_a_session_before_it_began(client: FlaskClient) -> None:
    running = listing(client, status="active")["sessions"][0]  # a generated session, running at its own time
    started = start(client)
    client.put("/__admin/clock", json={"freeze": "2020-01-01T00:00:00Z"})
    for session_id in (running["sessionId"], started):
        assert client.delete(f"/v1/agents/{AGENT}/sessions/{session_id}", headers=AUTH).status_code == 200
        body = details(client, session_id)
        assert body["createdAt"] <= body["updatedAt"] <= body["endedAt"]


def test_lifecycle_answers_are_journaled_with_their_operation_and_counted_in_coverage(client: FlaskClient) -> None:
    session_id = start(client)
    listing(client)
    assert client.delete(f"/v1/agents/{AGENT}/sessions/{session_id}", headers=AUTH).status_code == 200
    assert client.delete(f"/v1/agents/{AGENT}/sessions/{session_id}", headers=AUTH).status_code == 404
    operations = [e["operation"] for e in client.get("/__admin/requests").json["requests"]]
    assert operations == ["stopSession", "stopSession", "getSessions", "startService"]
    served = {
        (op["operationId"], status): row["served"]
        for op in client.get("/__admin/coverage").json["operations"]
        for status, row in op["statuses"].items()
    }
    assert served[("startService", "200")] == 1
    assert served[("getSessions", "200")] == 1
    assert served[("stopSession", "200")] == 1
    assert served[("stopSession", "404")] == 1


def test_an_unfiltered_page_is_the_filtered_path_s_page_built_only_for_what_it_shows(client: FlaskClient) -> None:
    client.put("/__admin/sessions/" + AGENT + "/800d444a-e67e-4686-afb3-b0de509cccb3", json={"endedAt": None})
    started = [start(client) for _ in range(6)]
    client.delete(f"/v1/agents/{AGENT}/sessions/{started[2]}", headers=AUTH)
    generated = listing(client, limit=100)["sessions"][-1]["sessionId"]  # one of the agent's own history
    client.delete(f"/v1/agents/{AGENT}/sessions/{generated}", headers=AUTH)
    for advance in (0, 30, 4 * 3600):  # running, some ended by themselves, all ended
        client.put("/__admin/clock", json={"advance": advance})
        everything = listing(client, limit=100)["sessions"]
        keys = [(s["createdAt"], s["sessionId"]) for s in everything]
        assert keys == sorted(keys, reverse=True)  # newest first, by the bodies' own createdAt
        for limit, offset in ((100, 0), (3, 0), (4, 5), (10, 30)):
            # startTime=0 keeps every session but takes the path that builds and filters them all
            assert listing(client, limit=limit, offset=offset) == listing(
                client, limit=limit, offset=offset, startTime=0
            )
