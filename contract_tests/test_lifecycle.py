"""6. The session lifecycle: list, agent, agents (reads), and start then stop (writes).

Reads go through the kit's target like every other check. Writes (start, stop) are sent to pipecat-mock
always, and to any other server only with --contract-allow-writes (PIPECAT_CONTRACT_ALLOW_WRITES=1), with a
public key in PIPECAT_PUBLIC_API_KEY for the start; every session a test started is stopped again, even when
a check fails.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from pipecat_cloud_mock.contract.checks import Finding
from pipecat_cloud_mock.contract.options import OPTIONS
from pipecat_cloud_mock.contract.plugin import Contract
from pipecat_cloud_mock.contract.target import Request
from pipecat_cloud_mock.spec.openapi import ResponseValidator

AGENT = "contract-lifecycle"
_MOVING_WHILE_ACTIVE = ("updatedAt", "resourceMetrics")
_ALLOW_WRITES = next(o for o in OPTIONS if o.flag == "--contract-allow-writes")


@pytest.fixture(scope="module")
def validator() -> ResponseValidator:
    return ResponseValidator()


def _violations(
    contract: Contract,
    validator: ResponseValidator,
    method: str,
    path: str,
    status: int,
    body: bytes,
    content_type: str,
) -> None:
    """Checks one answer against its operation in the spec (whatever operation the path names)."""
    base = validator.spec.base_path
    found = [
        Finding("lifecycle", "fail", str(v), f"a {status} answer valid for {method} {base}{path}")
        for v in validator.violations(method, base + path.split("?")[0], status, content_type, body)
    ]
    contract.tally.record("lifecycle", found, key=f"{method} {path} {status}")
    if found:
        raise AssertionError("; ".join(f.message for f in found))


def _get(contract: Contract, validator: ResponseValidator, path: str) -> Any:
    ex = contract.send(Request("GET", path))
    assert ex.response.status == 200, ex.response.body[:300]
    _violations(contract, validator, "GET", path, 200, ex.response.body, ex.response.content_type)
    return json.loads(ex.response.body)


@pytest.mark.contract_requests(3)
def test_the_session_list_is_a_page_of_the_details(contract: Contract, validator: ResponseValidator) -> None:
    page = _get(contract, validator, f"/agents/{AGENT}/sessions?limit=3")
    assert isinstance(page["total_count"], int)
    assert len(page["sessions"]) <= 3
    created = [s["createdAt"] for s in page["sessions"]]
    assert created == sorted(created, reverse=True), "sessions are listed newest first"
    for item in page["sessions"][:2]:
        details = _get(contract, validator, f"/agents/{AGENT}/sessions/{item['sessionId']}")
        # A running session moves between the two reads; what it started with does not.
        moving = set(_MOVING_WHILE_ACTIVE) if item.get("endedAt") is None else set()
        keep = [k for k in item if k not in moving]
        assert {k: details.get(k) for k in keep} == {k: item[k] for k in keep}, "a listed session reads the same by id"


@pytest.mark.contract_requests(3)
def test_the_agent_and_the_agents_keep_the_contract(contract: Contract, validator: ResponseValidator) -> None:
    agent = _get(contract, validator, f"/agents/{AGENT}")
    assert isinstance(agent.get("ready"), bool)
    active = _get(contract, validator, f"/agents/{AGENT}/sessions?status=active&limit=1")
    if contract.target.is_mock:  # a live agent's count moves between the two calls
        assert agent["activeSessionCount"] == active["total_count"]
    _get(contract, validator, "/agents")


def test_a_bad_list_query_is_a_400(contract: Contract, validator: ResponseValidator) -> None:
    ex = contract.send(Request("GET", f"/agents/{AGENT}/sessions?status=not-a-status"))
    assert ex.response.status == 400
    body = ex.response.body
    _violations(contract, validator, "GET", f"/agents/{AGENT}/sessions", 400, body, ex.response.content_type)


# --- writes ----------------------------------------------------------------------------------------


def _send(contract: Contract, method: str, path: str, key: str, body: Any = None) -> tuple[int, str, bytes]:
    """A call with a body, which the kit's requests do not carry: over HTTP, or to the in-process app."""
    target = contract.target
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    client = getattr(target, "_client", None)
    if client is not None:  # the in-process mock: its werkzeug test client
        result = client.open(
            target.base_url.removeprefix("http://localhost") + path, method=method, data=data, headers=headers
        )
        return result.status_code, result.headers.get("Content-Type", ""), result.get_data()
    request = urllib.request.Request(target.base_url + path, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers.get("Content-Type", ""), exc.read()


@pytest.fixture
def writer(contract: Contract, pytestconfig: pytest.Config) -> Iterator[list[str]]:
    """The ids of sessions this test started; each is stopped when it ends, pass or fail."""
    contract.require_key()
    allowed = pytestconfig.getoption(_ALLOW_WRITES.field) or os.environ.get(_ALLOW_WRITES.env, "") in ("1", "true")
    if not contract.target.is_mock and not allowed:
        pytest.skip("writes (start, stop) go to a real API only with --contract-allow-writes")
    started: list[str] = []
    yield started
    key = _private_key(contract)
    for session_id in started:
        _send(contract, "DELETE", f"/agents/{AGENT}/sessions/{session_id}", key)


def _private_key(contract: Contract) -> str:
    return contract.target.api_key.reveal() if contract.target.api_key else "contract-kit"


def _public_key(contract: Contract) -> str:
    key = os.environ.get("PIPECAT_PUBLIC_API_KEY")
    if key:
        return key
    if contract.target.is_mock:
        return _private_key(contract)  # the mock takes any key it is configured to accept
    pytest.skip("a start needs a public key: set PIPECAT_PUBLIC_API_KEY")


@pytest.mark.contract_needs("key")
@pytest.mark.contract_requests(5)  # two reads, start, stop, the clean-up stop
def test_start_then_stop(contract: Contract, validator: ResponseValidator, writer: list[str]) -> None:
    status, content_type, body = _send(contract, "POST", f"/public/{AGENT}/start", _public_key(contract), {})
    assert status == 200, body[:300]
    _violations(contract, validator, "POST", f"/public/{AGENT}/start", 200, body, content_type)
    session_id = json.loads(body)["sessionId"]
    writer.append(session_id)
    details = _get(contract, validator, f"/agents/{AGENT}/sessions/{session_id}")
    assert details["endedAt"] is None, "a session just started is active"
    status, content_type, body = _send(
        contract, "DELETE", f"/agents/{AGENT}/sessions/{session_id}", _private_key(contract)
    )
    assert status == 200, body[:300]
    _violations(contract, validator, "DELETE", f"/agents/{AGENT}/sessions/{session_id}", 200, body, content_type)
    assert json.loads(body)["session_id"] == session_id
    if contract.target.is_mock:  # the real service ends a stopped session a moment later
        assert _get(contract, validator, f"/agents/{AGENT}/sessions/{session_id}")["endedAt"] is not None


@pytest.mark.contract_needs("key")
@pytest.mark.contract_requests(3)
@pytest.mark.parametrize("bad", [{"transport": "carrier-pigeon"}, {"createDailyRoom": "yes"}, [1]])
def test_a_bad_start_is_a_400_and_starts_nothing(
    contract: Contract, validator: ResponseValidator, writer: list[str], bad: Any
) -> None:
    before = _get(contract, validator, f"/agents/{AGENT}/sessions?status=active&limit=1")["total_count"]
    status, content_type, body = _send(contract, "POST", f"/public/{AGENT}/start", _public_key(contract), bad)
    if status == 200:
        writer.append(json.loads(body)["sessionId"])
    assert status == 400, body[:300]
    _violations(contract, validator, "POST", f"/public/{AGENT}/start", 400, body, content_type)
    if contract.target.is_mock:
        assert _get(contract, validator, f"/agents/{AGENT}/sessions?status=active&limit=1")["total_count"] == before
