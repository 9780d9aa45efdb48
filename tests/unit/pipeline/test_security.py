"""Bearer security as the spec declares it: 401 + WWW-Authenticate + ErrorResponse; --api-key allow-list."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from pipecat_cloud_mock.cli.main import build_parser, config_from_args
from pipecat_cloud_mock.secret import Secret

from tests.support.answers import SESSION_ID, assert_error_response, session_url
from tests.support.mocks import MockFactory

URL = session_url("my-agent", SESSION_ID)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "   ",
        "Bearer",
        "Bearer ",
        "Bearer    ",
        "Basic dXNlcjpwYXNz",
        "Token abc",
        "abc",
        "Bearer two words",
        "Bearer tok\u00e9n",
        'Bearer "quoted"',
        "Bearer a,b",
    ],
)
def test_missing_empty_or_malformed_bearer_is_401(client: FlaskClient, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get(URL, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert_error_response(json.loads(response.data), 401)
    assert "Bearer" in json.loads(response.data)["error"]


@pytest.mark.parametrize(
    "authorization", ["Bearer any-token", "bearer lower.case_ok~", "BEARER  spaced", "Bearer a+b/c="]
)
def test_any_well_formed_bearer_token_is_accepted_by_default(client: FlaskClient, authorization: str) -> None:
    assert client.get(URL, headers={"Authorization": authorization}).status_code == 200


def test_security_is_checked_before_the_session_id_and_preferences(client: FlaskClient) -> None:
    assert client.get(session_url("a", "not-a-uuid")).status_code == 401
    assert client.get(URL, headers={"Prefer": "code=nonsense"}).status_code == 401


def test_api_keys_limit_the_accepted_tokens(make_mock: MockFactory) -> None:
    client = make_mock.client(api_keys=(Secret("key-one"), Secret("key-two")))
    assert client.get(URL, headers={"Authorization": "Bearer key-one"}).status_code == 200
    assert client.get(URL, headers={"Authorization": "Bearer key-two"}).status_code == 200
    rejected = client.get(URL, headers={"Authorization": "Bearer key-three"})
    assert rejected.status_code == 401
    assert 'error="invalid_token"' in rejected.headers["WWW-Authenticate"]
    assert_error_response(json.loads(rejected.data), 401)
    assert b"key-one" not in rejected.data
    assert client.get(URL, headers={"Authorization": "Bearer key-on"}).status_code == 401


def test_api_key_flag_is_repeatable_and_the_env_var_takes_a_list(
    make_mock: MockFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PIPECAT_MOCK_API_KEYS", raising=False)
    args = build_parser().parse_args(["serve", "--api-key", "k1", "--api-key", "k2"])
    assert [k.reveal() for k in config_from_args(args).api_keys] == ["k1", "k2"]
    monkeypatch.setenv("PIPECAT_MOCK_API_KEYS", "e1, e2,e3")
    from_env = config_from_args(build_parser().parse_args(["serve"]))
    assert [k.reveal() for k in from_env.api_keys] == ["e1", "e2", "e3"]
    assert "e1" not in repr(from_env)
    client = make_mock.client(from_env, access_log=False)
    assert client.get(URL, headers={"Authorization": "Bearer e2"}).status_code == 200
    assert client.get(URL, headers={"Authorization": "Bearer k1"}).status_code == 401


def test_admin_health_needs_no_credentials_even_with_api_keys(make_mock: MockFactory) -> None:
    client = make_mock.client(api_keys=(Secret("k"),))
    assert client.get("/__admin/health").status_code == 200
