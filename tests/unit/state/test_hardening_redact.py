"""Every credential header is masked in the journal by rule, and users can name more."""

from __future__ import annotations

import pytest
from pipecat_cloud_mock import Config

from tests.support.mocks import MockFactory

LEAKED_BEFORE = (
    "X-Auth-Token",
    "Api-Key",
    "X-Access-Token",
    "Authentication",
    "X-Amz-Security-Token",
    "X-Goog-Api-Key",
    "X-Csrf-Token",
    "Ocp-Apim-Subscription-Key",
    "Private-Token",
    "X-Client-Secret",
    "X-Password",
    "X-Session",
    "X-Hub-Signature-256",
    "Set-Cookie",
)
PATH = "/v1/agents/a/sessions/800d5d4a-0fe4-4a3f-b4c8-6a0b86d9b0b5"


def _journaled(make_mock: MockFactory, config: Config, headers: dict[str, str]) -> dict[str, str]:
    client = make_mock.client(config)
    assert client.get(PATH, headers={"Authorization": "Bearer k", **headers}).status_code == 200
    entry = client.get("/__admin/requests").get_json()["requests"][0]
    return {name.lower(): value for name, value in entry["headers"].items()}


@pytest.mark.parametrize("name", LEAKED_BEFORE)
def test_a_credential_header_is_masked_by_rule(make_mock: MockFactory, name: str) -> None:
    seen = _journaled(make_mock, Config(), {name: "s3cr3t-value"})
    assert seen[name.lower()] == "***"
    assert "s3cr3t-value" not in str(seen)


def test_ordinary_headers_stay_readable(make_mock: MockFactory) -> None:
    seen = _journaled(make_mock, Config(), {"X-Request-Id": "r-1", "Accept": "application/json"})
    assert seen["x-request-id"] == "r-1"
    assert seen["authorization"] == "Bearer ***"


def test_users_name_more_headers_to_mask(make_mock: MockFactory) -> None:
    config = Config.from_env({"PIPECAT_MOCK_REDACT_HEADERS": "X-Tenant, X-Customer-Email"})
    seen = _journaled(make_mock, config, {"X-Tenant": "acme", "x-customer-email": "a@b.c", "X-Other": "kept"})
    assert seen["x-tenant"] == "***"
    assert seen["x-customer-email"] == "***"
    assert seen["x-other"] == "kept"
