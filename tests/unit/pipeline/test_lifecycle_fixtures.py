"""A fixture or admin session that gives some fields gets the rest consistent with them; contradictions refused."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pipecat_cloud_mock.mocker.session import parse_iso_ms

from tests.support.mocks import MockFactory
from tests.support.servers import CLI

AUTH = {"Authorization": "Bearer t"}
SESSION = "800d444a-e67e-4686-afb3-b0de509cccb3"


def ms(text: str) -> int:
    value = parse_iso_ms(text)
    assert value is not None
    return value


def assert_lifetime_consistent(body: dict[str, object]) -> None:
    created, updated = ms(str(body["createdAt"])), ms(str(body["updatedAt"]))
    assert created <= updated
    if body["endedAt"] is not None:
        assert created <= ms(str(body["endedAt"]))
        assert updated <= ms(str(body["endedAt"]))
    metrics = body.get("resourceMetrics")
    if isinstance(metrics, dict):
        times = [s["t"] * 1000 for s in metrics["timeseries"]]
        assert created <= min(times)
        assert max(times) <= updated
        assert metrics["sampleCount"] == len(times)


def test_the_readmes_example_gets_a_creation_before_its_end(make_mock: MockFactory) -> None:
    client = make_mock.client(seed=0)
    put = client.put(f"/__admin/sessions/support-bot/{SESSION}", json={"endedAt": "2025-10-22T08:39:26.000Z"})
    assert put.status_code == 201
    body = client.get(f"/v1/agents/support-bot/sessions/{SESSION}", headers=AUTH).json
    assert body["endedAt"] == "2025-10-22T08:39:26.000Z"
    assert body["createdAt"] < body["endedAt"]
    assert ms(body["endedAt"]) - ms(body["createdAt"]) <= 3_700_000  # a plausible lifetime, not a year
    assert_lifetime_consistent(body)
    listed = client.get("/v1/agents/support-bot/sessions", query_string={"limit": 100}, headers=AUTH).json
    item = next(s for s in listed["sessions"] if s["sessionId"] == SESSION)
    assert item["createdAt"] == body["createdAt"]  # part of the agent's history, with the same values


moments = st.integers(1_600_000_000_000, 1_800_000_000_000)


@given(
    seed=st.integers(0, 50),
    created=moments,
    length=st.integers(0, 7_200_000),
    which=st.sampled_from(["both", "created", "ended", "running"]),
)
def test_any_given_times_are_kept_and_the_rest_fits_around_them(
    seed: int, created: int, length: int, which: str
) -> None:
    from pipecat_cloud_mock.mocker.walker import iso_ms

    fields: dict[str, object] = {}
    if which in ("both", "created", "running"):
        fields["createdAt"] = iso_ms(created)
    if which in ("both", "ended"):
        fields["endedAt"] = iso_ms(created + length)
    if which == "running":
        fields["endedAt"] = None
    with MockFactory() as make_mock:
        client = make_mock.client(seed=seed)
        assert client.put(f"/__admin/sessions/a/{SESSION}", json=fields).status_code == 201
        body = client.get(f"/v1/agents/a/sessions/{SESSION}", headers=AUTH).json
        for name, value in fields.items():
            assert body[name] == value
        assert_lifetime_consistent(body)


def test_contradicting_times_are_refused_by_the_admin_api_naming_both(make_mock: MockFactory) -> None:
    client = make_mock.client()
    bad = {"createdAt": "2025-10-22T08:39:26.000Z", "endedAt": "2025-10-22T08:00:00.000Z"}
    refused = client.put(f"/__admin/sessions/a/{SESSION}", json=bad)
    assert refused.status_code == 400
    message = refused.json["problems"][0]["message"]
    assert "endedAt" in message
    assert "createdAt" in message
    assert client.get("/__admin/sessions").json["sessions"] == []  # nothing half-applied


def test_contradicting_times_are_refused_by_check_fixtures(tmp_path: Path) -> None:
    bad = {"createdAt": "2025-10-22T08:39:26.000Z", "updatedAt": "2025-10-21T00:00:00.000Z"}
    (tmp_path / "s.json").write_text(json.dumps({"sessions": {"a": {SESSION: bad}}}))
    result = subprocess.run(
        [CLI, "check-fixtures", str(tmp_path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "updatedAt" in result.stderr + result.stdout
    assert "createdAt" in result.stderr + result.stdout


@pytest.mark.parametrize("ended", ["2025-10-22T08:39:26.000Z", None])
def test_a_given_kind_is_kept(make_mock: MockFactory, ended: str | None) -> None:
    client = make_mock.client(seed=4)
    client.put(f"/__admin/sessions/a/{SESSION}", json={"createdAt": "2025-10-22T08:00:00.000Z", "endedAt": ended})
    body = client.get(f"/v1/agents/a/sessions/{SESSION}", headers=AUTH).json
    assert (body["completionStatus"] is None) == (ended is None)
    assert_lifetime_consistent(body)
