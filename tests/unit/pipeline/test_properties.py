"""Every body the mock can produce keeps the contract: Hypothesis over agents, session ids, seeds, preferences.

Documented statuses (200/404/500) validate through openapi-core (pipecat_cloud_mock.spec.openapi.default_validator);
the mock's own 401/405/422 are not in the spec, so their ErrorResponse shape is checked against the schema.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st
from pipecat_cloud_mock.mocker.session import session_values

from tests.support.answers import AUTH, assert_keeps_contract, routes, session_url
from tests.support.realism_checks import check_session

# Any text a client can put in a path segment (lone surrogates cannot be UTF-8 encoded, so no client can send them).
agent_names = st.one_of(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=40),
    st.text(st.sampled_from("/%?#;.~ +&=\\\"'<>{}"), min_size=1, max_size=10),
    st.text("ab/", min_size=500, max_size=2_000),
    st.sampled_from(["my-agent", "..", ".", "a/b", "日本語のエージェント", "🤖", "\x00", "%2F"]),
)
valid_ids = st.uuids().map(str)
session_ids = st.one_of(
    valid_ids,
    valid_ids.map(str.upper),
    st.uuids().map(lambda u: u.hex),
    st.text(max_size=60),
    valid_ids.map(lambda s: s[:-1]),
    valid_ids.map(lambda s: "{" + s + "}"),
)
seeds = st.integers(min_value=0, max_value=2**63 - 1)
codes = st.sampled_from([None, 200, 401, 404, 500])
preferences = st.fixed_dictionaries(
    {},
    optional={
        "code": codes,
        "example": st.sampled_from(["default", "nope"]),
        "dynamic": st.booleans(),
        "seed": seeds,
    },
)
# Header text a client can send: printable Latin-1, as HTTP allows.
header_text = st.text(st.sampled_from([chr(c) for c in range(0x20, 0x100) if not 0x7F <= c <= 0x9F]))


def prefer_header(prefs: dict[str, Any]) -> str:
    parts = [f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in prefs.items() if v is not None]
    return ", ".join(parts)


# Both session paths the mock serves: the spec's, and the official SDK's (declared by the overlay).
sdk_prefix = st.one_of(st.just(""), agent_names.map(lambda org: f"/organizations/{quote(org, safe='')}"))


@given(agent=agent_names, session=session_ids, prefs=preferences, as_query=st.booleans(), sdk=sdk_prefix)
def test_every_answer_keeps_the_contract(
    app: Flask, agent: str, session: str, prefs: dict[str, Any], as_query: bool, sdk: str
) -> None:
    client = app.test_client()  # the app is session-scoped; a client per example is cheap
    path = session_url(agent, session)
    if sdk:
        path = "/v1" + sdk + path[len("/v1") :].replace("/agents/", "/services/", 1)
    headers = dict(AUTH)
    query = ""
    if prefs and as_query:
        query = "?" + "&".join(f"__{part.replace(' ', '')}" for part in prefer_header(prefs).split(", ") if part)
    elif prefs:
        headers["Prefer"] = prefer_header(prefs)
    response = client.get(path + query, headers=headers)
    body = assert_keeps_contract(response, path)
    asked = prefs.get("code")
    # Never a 5xx unless asked for one.
    assert response.status_code < 500 or asked == 500
    if response.status_code == 200 and body != _spec_example(client):
        check_session(body, session)


@given(agent=agent_names, session=valid_ids, seed=seeds)
def test_generated_sessions_keep_every_realism_rule(agent: str, session: str, seed: int) -> None:
    check_session(session_values(seed, agent, session), session)


# Independent of the mock's parser on purpose: a `code` preference whose value is 500, however spelled.
ASKS_FOR_500 = re.compile(r'(?:^|,)\s*code\s*=\s*"?\s*\+?0*500\s*"?\s*(?:[;,]|$)', re.IGNORECASE)


def asks_for_500(prefer: str) -> bool:
    return ASKS_FOR_500.search(prefer) is not None


@given(prefer=header_text)
@example(prefer="seed=500")  # mentions 500 without asking for it
@example(prefer="example=x500, code=404")
@example(prefer='code="500"')
def test_any_prefer_header_is_answered_and_never_a_surprise_5xx(app: Flask, prefer: str) -> None:
    client = app.test_client()  # the app is session-scoped; a client per example is cheap
    path = session_url("a", "800d444a-e67e-4686-afb3-b0de509cccb3")
    response = client.get(path, headers={**AUTH, "Prefer": prefer})
    assert_keeps_contract(response, path)
    assert response.status_code < 500 or asks_for_500(prefer)


@given(authorization=header_text)
def test_any_authorization_header_is_200_or_401(app: Flask, authorization: str) -> None:
    client = app.test_client()  # the app is session-scoped; a client per example is cheap
    path = session_url("a", "800d444a-e67e-4686-afb3-b0de509cccb3")
    response = client.get(path, headers={"Authorization": authorization})
    assert response.status_code in (200, 401)
    assert_keeps_contract(response, path)


@given(method=st.sampled_from(["POST", "PUT", "PATCH", "OPTIONS"]), agent=agent_names, session=session_ids)
def test_wrong_methods_are_405_error_responses(app: Flask, method: str, agent: str, session: str) -> None:
    client = app.test_client()  # the app is session-scoped; a client per example is cheap
    path = session_url(agent, session)
    response = client.open(path, method=method, headers=AUTH)
    if not routes(path):  # an empty segment, or a dot segment ("." / ".."): the path names nothing
        assert response.status_code == 404
    else:
        assert response.status_code == 405
        assert response.headers["Allow"] == "DELETE, GET, HEAD"  # DELETE: stopSession
    assert_keeps_contract(response, path, method)


_EXAMPLE: list[Any] = []


def _spec_example(client: FlaskClient) -> Any:
    if not _EXAMPLE:
        path = session_url("a", "800d444a-e67e-4686-afb3-b0de509cccb3")
        _EXAMPLE.append(json.loads(client.get(path, headers={**AUTH, "Prefer": "example=default"}).data))
    return _EXAMPLE[0]
