"""--mode example, Prefer (code/example/dynamic/seed) and the __ query parameters; 422 for what cannot be honoured."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from pipecat_cloud_mock import PreferenceError, load_spec
from pipecat_cloud_mock.mocker.negotiate import Preferences, parse_preferences
from werkzeug.test import TestResponse

from tests.support.answers import AUTH, assert_error_response, assert_keeps_contract, session_url
from tests.support.mocks import MockFactory
from tests.support.realism_checks import session_ids

SID = session_ids(1, seed=11)[0]
URL = session_url("voice-bot", SID)
SPEC_OPERATION = load_spec().document["paths"]["/agents/{agentName}/sessions/{sessionId}"]["get"]


def example(status: int) -> Any:
    return SPEC_OPERATION["responses"][str(status)]["content"]["application/json"]["example"]


def get(client: FlaskClient, prefer: str | None = None, query: str = "") -> tuple[int, Any, TestResponse]:
    headers = {**AUTH, **({"Prefer": prefer} if prefer is not None else {})}
    response = client.get(URL + query, headers=headers)
    return response.status_code, assert_keeps_contract(response, URL), response


def test_mode_example_serves_the_spec_example(make_mock: MockFactory) -> None:
    client = make_mock.client(mode="example")
    status, body, _ = get(client)
    assert (status, body) == (200, example(200))
    status, body, _ = get(client, "dynamic=true")
    assert status == 200
    assert body["sessionId"] == SID
    assert get(client, "code=404")[1] == example(404)


@pytest.mark.parametrize("prefer", ["example=default", "dynamic=false", 'example="default"', "Example=default"])
def test_prefer_serves_the_spec_example(client: FlaskClient, prefer: str) -> None:
    assert get(client, prefer)[:2] == (200, example(200))


@pytest.mark.parametrize("query", ["?__example=default", "?__dynamic=false"])
def test_query_serves_the_spec_example(client: FlaskClient, query: str) -> None:
    assert get(client, query=query)[:2] == (200, example(200))


def test_dynamic_true_generates(client: FlaskClient) -> None:
    status, body, _ = get(client, "dynamic=true")
    assert status == 200
    assert body["sessionId"] == SID
    assert body != example(200)


@pytest.mark.parametrize("how", ["prefer", "query"])
def test_code_404_and_500_are_error_responses_like_the_real_service(client: FlaskClient, how: str) -> None:
    for code, message in ((404, "API endpoint not found"), (500, "Internal server error")):
        prefer, query = (f"code={code}", "") if how == "prefer" else (None, f"?__code={code}")
        status, body, _ = get(client, prefer, query)
        assert status == code
        assert body["code"] == str(code)
        assert body["error"].startswith(message)
        assert " / " not in body["error"]


def test_code_401_is_accepted_because_the_spec_declares_security(client: FlaskClient) -> None:
    status, body, response = get(client, "code=401")
    assert status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error_response(body, 401)
    assert body["error"] != "HTTP 401"


def test_code_200_and_seed_in_query(client: FlaskClient) -> None:
    assert get(client, query="?__code=200")[0] == 200
    assert get(client, query="?__seed=5")[1] == get(client, "seed=5")[1]
    assert get(client, query="?__seed=5")[1] != get(client)[1]


def test_query_preferences_are_ignored_when_a_prefer_header_is_sent(client: FlaskClient) -> None:
    assert get(client, "seed=0", "?__code=500")[0] == 200
    assert get(client, "seed=0", "?__bogus=1")[0] == 200
    # An empty Prefer header is no Prefer header.
    assert get(client, "", "?__code=500")[0] == 500


@pytest.mark.parametrize(
    ("prefer", "status", "body"),
    [
        ('code=404, example="default"', 404, example(404)),
        ("code=500; foo=bar, return=minimal", 500, None),
        ("return=representation, code=404, handling=lenient", 404, None),
        ('code="404" , seed = "7"', 404, None),
    ],
)
def test_several_preferences_parameters_and_quoted_values(
    client: FlaskClient, prefer: str, status: int, body: Any
) -> None:
    answered, got, _ = get(client, prefer)
    assert answered == status
    if body is not None:
        assert got == body


def test_quoted_values_may_hold_commas_and_escapes() -> None:
    assert parse_preferences('example="a, b", code=404', {}) == Preferences(code=404, example="a, b")
    assert parse_preferences(r'example="say \"hi\""', {}) == Preferences(example='say "hi"')
    assert parse_preferences("DYNAMIC=TRUE, Seed=3", {}) == Preferences(dynamic=True, seed=3)
    assert parse_preferences(None, {"__code": "404", "other": "x"}) == Preferences(code=404)


REFUSED = {
    "code=418": "Valid values: 200, 401, 404, 500.",
    "code=201": "Valid values: 200, 401, 404, 500.",
    "code=abc": "whole number from 100 to 599",
    "code=99": "whole number from 100 to 599",
    "code": "whole number",
    "code=-1": "whole number",
    "code=4 04": "Expected comma-separated preferences",
    "dynamic=maybe": "Valid values: true, false.",
    "seed=-1": "whole number from 0",
    "seed=1.5": "whole number from 0",
    "seed=99999999999999999999": "whole number from 0",
    "example=nope": "Valid values: default.",
    "example=defualt": "Did you mean 'default'?",
    "cod=404": "Did you mean 'code'?",
    "code=500, example=nope": "Valid values: default.",
    'example="open': "unterminated quoted value",
    "=404": "Expected comma-separated preferences",
    "c@de=404": "Expected comma-separated preferences",
    'code=4"04': "unterminated quoted value",
    'code=4"0"4': "Expected comma-separated preferences",
    'example=""': "is empty. Valid values: an example's name",
}


@pytest.mark.parametrize("prefer", sorted(REFUSED))
def test_unusable_preferences_are_422_saying_what_is_accepted(client: FlaskClient, prefer: str) -> None:
    status, body, _ = get(client, prefer)
    assert status == 422
    assert_error_response(body, 422)
    assert REFUSED[prefer] in body["error"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?__code=418", "Valid values: 200, 401, 404, 500."),
        ("?__cod=404", "Did you mean '__code'?"),
        ("?__dynamic=yes", "Valid values: true, false."),
        ("?__seed=x", "whole number"),
        ("?__example=zzz", "Valid values: default."),
        ("?__example=", "is empty. Valid values: an example's name"),
    ],
)
def test_unusable_query_preferences_are_422(client: FlaskClient, query: str, expected: str) -> None:
    status, body, _ = get(client, query=query)
    assert status == 422
    assert expected in body["error"]


def test_preference_errors_are_mock_errors_with_the_accepted_values() -> None:
    with pytest.raises(PreferenceError, match="Valid values: true, false"):
        parse_preferences("dynamic=1", {})


def test_a_non_uuid_session_id_is_404_unless_a_code_is_preferred(client: FlaskClient) -> None:
    path = session_url("a", "not-a-uuid")
    response = client.get(path, headers=AUTH)
    body = assert_keeps_contract(response, path)
    assert response.status_code == 404
    assert "not-a-uuid" in body["error"]
    assert "uuid" in body["error"]
    assert json.loads(client.get(path, headers={**AUTH, "Prefer": "code=500"}).data)["code"] == "500"
