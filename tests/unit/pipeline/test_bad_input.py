"""Odd input always gets a clear JSON answer: never a 500, never a traceback, never HTML."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.support.answers import AUTH, SESSION_ID, assert_keeps_contract, session_url

ODD_AGENTS = [
    " ",
    "a b",
    "ünïcødé",
    "日本語",
    "🤖🎙️",
    "a/b",
    "%2F",
    "%",
    "a;b=c",
    "a?b#c",
    "<script>",
    '"quoted"',
    "\\",
    "\x00",
    "\n",
    ".hidden",
    "x" * 10_000,
    "ü" * 3_000,
]


@pytest.mark.parametrize("agent", ODD_AGENTS, ids=lambda a: repr(a[:12]))
def test_odd_agent_names_are_served(client: FlaskClient, agent: str) -> None:
    path = session_url(agent, SESSION_ID)
    response = client.get(path, headers=AUTH)
    assert response.status_code == 200
    assert assert_keeps_contract(response, path)["sessionId"] == SESSION_ID


@pytest.mark.parametrize(
    "raw",
    ["%ZZ", "%", "%E2%82", "%ff%fe", "a%00b", "%C0%AF"],  # broken escapes and invalid UTF-8 stay inside the segment
)
def test_broken_percent_encoding_in_the_agent_name_is_not_an_error(client: FlaskClient, raw: str) -> None:
    path = f"/v1/agents/{raw}/sessions/{SESSION_ID}"
    response = client.get(path, headers=AUTH)
    assert response.status_code == 200
    assert_keeps_contract(response, path)


INVALID_IDS = [
    "nope",
    "800d444a-e67e-4686-afb3-b0de509cccb",  # one short
    "800d444a-e67e-4686-afb3-b0de509cccb3a",  # one long
    "800d444ae67e4686afb3b0de509cccb3",  # no hyphens
    "{800d444a-e67e-4686-afb3-b0de509cccb3}",
    "800d444a-e67e-4686-afb3-b0de509cccbz",
    "800d444a_e67e_4686_afb3_b0de509cccb3",
    " 800d444a-e67e-4686-afb3-b0de509cccb3",
    "0",
    "ü" * 36,
    "x" * 5_000,
    "%2F",
    "..%2F..%2Fetc%2Fpasswd",
]


@pytest.mark.parametrize("session", INVALID_IDS, ids=lambda s: repr(s[:12]))
def test_a_session_id_that_is_not_a_uuid_is_404(client: FlaskClient, session: str) -> None:
    path = session_url("my-agent", session)
    response = client.get(path, headers=AUTH)
    assert response.status_code == 404
    body = assert_keeps_contract(response, path)
    assert "not a valid uuid" in body["error"]
    assert len(body["error"]) < 200  # the id is quoted, cut short


# Each odd Prefer value and the status it must get: 422 when it cannot be honoured, else what it asks for.
ODD_PREFER = {
    "code=": 422,
    "code==404": 422,
    "code=404 500": 422,
    'example="': 422,
    "\u00e9=1": 422,
    "code=\u00e9": 422,
    "code=" + "4" * 10_000: 422,
    "seed=" + "9" * 100: 422,
    "a" + " " * 20_000 + "b": 422,  # quadratic in a backtracking parser
    ",,,": 200,  # nothing but separators is no preference
    "code=404,,seed=1": 404,
    "code=404; " + "x" * 10_000: 404,  # RFC 7240 parameters are ignored
    ", ".join(["dynamic=true"] * 2_000): 200,
}


@pytest.mark.parametrize("prefer", sorted(ODD_PREFER), ids=lambda p: repr(p[:16]))
def test_odd_prefer_values_get_a_clear_answer(client: FlaskClient, prefer: str) -> None:
    path = session_url("my-agent", SESSION_ID)
    response = client.get(path, headers={**AUTH, "Prefer": prefer})
    assert response.status_code == ODD_PREFER[prefer]
    body = assert_keeps_contract(response, path)
    if response.status_code == 422:
        assert "Valid values" in body["error"] or "Expected" in body["error"] or "quote" in body["error"]
        assert len(body["error"]) < 400  # the offending text is quoted, cut short


def test_huge_headers_are_answered_normally(client: FlaskClient) -> None:
    path = session_url("my-agent", SESSION_ID)
    big_token = "t" * 100_000
    assert client.get(path, headers={"Authorization": "Bearer " + big_token}).status_code == 200
    huge_bad = client.get(path, headers={"Authorization": "Bearer " + "é" * 100_000})
    assert huge_bad.status_code == 401
    assert big_token[:50] not in huge_bad.data.decode()
    many = {f"X-Filler-{i}": "v" * 1_000 for i in range(200)}
    assert client.get(path, headers={**AUTH, **many}).status_code == 200


def test_a_long_query_string_and_unknown_plain_parameters_are_ignored(client: FlaskClient) -> None:
    path = session_url("my-agent", SESSION_ID)
    assert client.get(path + "?q=" + "x" * 50_000 + "&other=1", headers=AUTH).status_code == 200


def test_a_request_body_on_get_is_ignored(client: FlaskClient) -> None:
    path = session_url("my-agent", SESSION_ID)
    response = client.get(path, headers={**AUTH, "Content-Type": "application/json"}, data=b"{not json")
    assert response.status_code == 200
