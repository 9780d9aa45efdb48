"""The official pipecatcloud SDK and CLI, pointed at a live mock, read the mock's sessions.

The SDK reads PIPECAT_API_HOST, PIPECAT_TOKEN and PIPECAT_ORG from the environment and, for the CLI, a
config file under HOME: HOME and PIPECAT_CONFIG_PATH point into a temporary directory, so no user file
is read or written and no request can leave 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pipecat_cloud_mock.spec.openapi import default_validator

from tests.support.answers import AUTH, SESSION_ID
from tests.support.mocks import MockFactory
from tests.support.servers import serve_in_thread

SDK_FIELDS = ("endState", "events")  # what the overlay adds on the SDK's path (observed behaviour)
TOKEN = "sdk-test-token"
ORG = "acme-org"
AGENT = "voice-bot"


FIXTURE_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
FIXTURE = {  # a session written out in full, with values the generator would not choose
    "sessionId": FIXTURE_ID,
    "serviceId": "b900ae4a-f710-4ef1-95d8-c5f5b2789da9",
    "organizationId": "cc71b52d-4271-46c9-87be-cac600fd821a",
    "deploymentId": "81f4da55-106d-401f-b069-a1f1992f871a",
    "endedAt": None,
    "botStartSeconds": 17,
    "coldStart": True,
    "completionStatus": None,
    "createdAt": "2025-10-22T08:39:20.000Z",
    "updatedAt": "2025-10-22T08:40:00.000Z",
    "resourceMetrics": None,
    "meetingIds": [],
}


@pytest.fixture(scope="module")
def mock_url(make_module_mock: MockFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    fixtures = tmp_path_factory.mktemp("fixtures")
    (fixtures / "sdk.json").write_text(json.dumps({"sessions": {AGENT: {FIXTURE_ID: FIXTURE}}}))
    with serve_in_thread(make_module_mock(seed=3, fixtures=fixtures)) as base:
        yield base


@pytest.fixture
def sdk_env(mock_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "HOME": str(tmp_path),
        "PIPECAT_CONFIG_PATH": str(tmp_path / "pipecatcloud.toml"),
        "PIPECAT_API_HOST": mock_url,
        "PIPECAT_TOKEN": TOKEN,
        "PIPECAT_ORG": ORG,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def _sdk_session(agent: str, session_id: str) -> tuple[Any, Any]:
    """The call the SDK's CLI makes (pipecatcloud/api.py, _API._agent_session), with its not-found handling."""
    from pipecatcloud.api import _API

    api = _API(os.environ["PIPECAT_TOKEN"], is_cli=True)
    with warnings.catch_warnings():
        # pipecatcloud 1.4.0 returns on a 404 without releasing the aiohttp response; its connection warns
        # (ResourceWarning) when collected. Collect it here, where that SDK-internal warning is ignored.
        warnings.simplefilter("ignore", ResourceWarning)
        result: tuple[Any, Any] = asyncio.run(api.agent_session(agent_name=agent, session_id=session_id, org=ORG))
        gc.collect()
    return result


def test_sdk_session_call_returns_the_mocks_session(sdk_env: dict[str, str], mock_url: str) -> None:
    expected = requests.get(f"{mock_url}/v1/agents/{AGENT}/sessions/{SESSION_ID}", headers=AUTH, timeout=5).json()
    data, error = _sdk_session(AGENT, SESSION_ID)
    assert error is None
    assert _without_sdk_fields(data) == expected
    assert data["sessionId"] == SESSION_ID
    assert (data["endState"] is None) == (data["endedAt"] is None)
    assert data["events"][0] == {"eventCode": "SESSION_START_INITIATED", "eventTs": data["createdAt"]}


def _without_sdk_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in SDK_FIELDS}


def test_sdk_path_is_in_the_spec_and_its_answers_keep_it(mock_url: str) -> None:
    path = f"/v1/organizations/{ORG}/services/{AGENT}/sessions/{SESSION_ID}"
    response = requests.get(mock_url + path, headers=AUTH, timeout=5)
    assert response.status_code == 200
    content_type = response.headers["Content-Type"]
    assert default_validator().violations("GET", path, 200, content_type, response.content) == []
    # An undocumented field on this path is caught too: the overlay's operation is validated strictly.
    body = json.dumps({**response.json(), "notInTheSpec": "completed"}).encode()
    assert default_validator(strict=True).violations("GET", path, 200, content_type, body)
    assert requests.get(mock_url + path, timeout=5).status_code == 401  # same security as getSession


def test_fixture_session_shows_exactly_as_written(sdk_env: dict[str, str]) -> None:
    data, error = _sdk_session(AGENT, FIXTURE_ID)
    assert error is None
    assert _without_sdk_fields(data) == FIXTURE
    assert data["endState"] is None  # the fixture is running: endedAt null


def test_missing_session_is_the_sdks_not_found(sdk_env: dict[str, str]) -> None:
    # Without fixtures every well-formed id exists; a malformed one is missing, as on the real service (404).
    data, error = _sdk_session(AGENT, "no-such-session")
    assert (data, error) == (None, None)  # the SDK's CLI mode turns a 404 into "nothing, no error"


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    code = "from pipecatcloud.cli.entry_point import entrypoint_cli_typer as cli; cli()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**os.environ, **env, "PIPECAT_OUTPUT": "json"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_official_cli_shows_the_mocks_session(sdk_env: dict[str, str], mock_url: str) -> None:
    expected = requests.get(f"{mock_url}/v1/agents/{AGENT}/sessions/{SESSION_ID}", headers=AUTH, timeout=5).json()
    found = _cli(sdk_env, "agent", "sessions", AGENT, "--id", SESSION_ID)
    assert found.returncode == 0, found.stderr
    assert _without_sdk_fields(json.loads(found.stdout)) == expected
    missing = _cli(sdk_env, "agent", "sessions", AGENT, "--id", "no-such-session")
    assert missing.returncode == 1
    assert "not found" in missing.stderr
    assert not (Path(sdk_env["HOME"]) / ".config").exists()  # hermetic: nothing written under HOME
