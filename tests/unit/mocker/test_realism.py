"""SessionResponse bodies look like one real Pipecat Cloud session, consistently, over many ids."""

from __future__ import annotations

import itertools
import json
import math
import random
import re
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pipecat_cloud_mock import Config, create_app
from pipecat_cloud_mock.mocker.session import _cached_agent_ids, agent_ids, session_values

from tests.support.answers import AUTH, assert_keeps_contract, session_url

RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")
NAMED_STATUSES = {"HTTP_COMPLETED", "HTTP_ERROR", "WS_CONNECTION_CLOSED"}
MIB = 1024 * 1024
MANY = 3000


def session_ids(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]


@pytest.fixture(scope="module")
def sessions() -> list[dict[str, Any]]:
    agents = ["voice-bot", "support", "ünïcødé", "a/b"]
    return [session_values(0, agents[i % len(agents)], sid) for i, sid in enumerate(session_ids(MANY))]


def when(text: str) -> datetime:
    assert RFC3339_UTC.fullmatch(text), text
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def check_session(body: dict[str, Any], session_id: str) -> None:
    """Every realism rule of one SessionResponse."""
    assert body["sessionId"] == session_id
    for key in ("serviceId", "organizationId", "deploymentId"):
        assert uuid.UUID(body[key]).version == 4
    created, updated = when(body["createdAt"]), when(body["updatedAt"])
    assert created <= updated
    active = body["endedAt"] is None
    assert active == (body["completionStatus"] is None)
    if not active:
        ended = when(body["endedAt"])
        assert created <= ended
        assert updated == ended
        status = body["completionStatus"]
        assert status in NAMED_STATUSES or re.fullmatch(r"[1-5]\d\d", status), status
    # botStartSeconds and coldStart: both known or both unknown; cold starts take longer than any warm one.
    assert (body["botStartSeconds"] is None) == (body["coldStart"] is None)
    if body["coldStart"] is True:
        assert body["botStartSeconds"] >= 5
    elif body["coldStart"] is False:
        assert 0 <= body["botStartSeconds"] <= 3
    check_metrics(body, session_id, created, when(body["endedAt"]) if not active else updated)
    for meeting in body["meetingIds"]:
        uuid.UUID(meeting["meetingId"])
        uuid.UUID(meeting["participantId"])


def check_metrics(body: dict[str, Any], session_id: str, created: datetime, end: datetime) -> None:
    metrics = body["resourceMetrics"]
    if metrics is None:
        return
    uuid.UUID(metrics["id"])
    assert metrics["sessionId"] == session_id
    series = metrics["timeseries"]
    assert series
    assert metrics["sampleCount"] == len(series)
    times = [s["t"] for s in series]
    assert len({b - a for a, b in itertools.pairwise(times)}) <= 1, "samples at a fixed interval"
    assert times == sorted(times)
    assert created.timestamp() <= times[0]
    assert times[-1] <= end.timestamp()
    assert when(metrics["eventTs"]).timestamp() == times[-1]
    assert created <= when(metrics["createdAt"])
    for unit, key in (("cpuMillicores", "c"), ("memoryBytes", "m")):
        values = sorted(s[key] for s in series)
        percentiles = [metrics[f"{unit}P{q}"] for q in (50, 90, 95, 99)]
        assert percentiles == sorted(percentiles), f"{unit} percentiles out of order: {percentiles}"
        assert values[0] <= percentiles[0]
        assert percentiles[-1] <= values[-1]
        # Computed from the series (nearest rank), not invented beside it.
        assert percentiles == [values[max(0, math.ceil(q / 100 * len(values)) - 1)] for q in (50, 90, 95, 99)]
    # A voice agent: hundreds of millicores, hundreds of megabytes.
    assert all(5 <= s["c"] <= 2_000 for s in series)
    assert 50 <= metrics["cpuMillicoresP50"] <= 1_000
    assert all(64 * MIB <= s["m"] <= 2_048 * MIB for s in series)


def test_every_generated_session_keeps_the_realism_rules(sessions: list[dict[str, Any]]) -> None:
    for body, sid in zip(sessions, session_ids(MANY), strict=True):
        check_session(body, sid)


def test_a_realistic_share_of_sessions_is_still_active(sessions: list[dict[str, Any]]) -> None:
    share = sum(s["endedAt"] is None for s in sessions) / len(sessions)
    assert 0.05 <= share <= 0.30, share


def test_completion_statuses_use_the_documented_vocabulary_mostly_success(sessions: list[dict[str, Any]]) -> None:
    counts = Counter(s["completionStatus"] for s in sessions if s["completionStatus"] is not None)
    assert set(counts) & NAMED_STATUSES == NAMED_STATUSES
    assert counts.most_common(1)[0][0] == "HTTP_COMPLETED"
    assert any(re.fullmatch(r"\d{3}", s) for s in counts)


def test_cold_and_warm_starts_both_occur_and_cold_is_slower(sessions: list[dict[str, Any]]) -> None:
    cold = [s["botStartSeconds"] for s in sessions if s["coldStart"] is True]
    warm = [s["botStartSeconds"] for s in sessions if s["coldStart"] is False]
    assert 0.1 <= len(cold) / (len(cold) + len(warm)) <= 0.5
    assert min(cold) > max(warm)


def test_sessions_with_metrics_are_most_of_them(sessions: list[dict[str, Any]]) -> None:
    with_metrics = [s for s in sessions if s["resourceMetrics"] is not None]
    assert len(with_metrics) / len(sessions) > 0.7
    assert max(s["resourceMetrics"]["sampleCount"] for s in with_metrics) > 10


def test_service_and_organization_are_stable_per_agent() -> None:
    ids = session_ids(20)

    def fresh(agent: str, sid: str) -> dict[str, Any]:
        _cached_agent_ids.cache_clear()  # stable by derivation, not because a cache remembers the first answer
        return session_values(0, agent, sid)

    one = [fresh("agent-one", sid) for sid in ids]
    two = [fresh("agent-two", sid) for sid in ids]
    assert len({s["serviceId"] for s in one}) == 1
    assert len({s["deploymentId"] for s in one}) == 1
    assert one[0]["serviceId"] != two[0]["serviceId"]
    assert len({s["organizationId"] for s in one + two}) == 1
    assert len({s["sessionId"] for s in one}) == len(ids)
    long_name = "agent-" * 100  # not cached: derived the same way
    assert agent_ids(0, long_name) == agent_ids(0, long_name) != agent_ids(0, long_name[:-1])


def test_served_bodies_keep_the_rules_and_validate(client: FlaskClient) -> None:
    for sid in session_ids(30, seed=7):
        path = session_url("voice-bot", sid)
        body = assert_keeps_contract(client.get(path, headers=AUTH), path)
        check_session(body, sid)


def test_the_spec_example_is_not_copied_into_generated_data(client: FlaskClient) -> None:
    sid = session_ids(1)[0]
    body = json.loads(client.get(session_url("a", sid), headers=AUTH).data)
    assert body["serviceId"] != "b900ae4a-f710-4ef1-95d8-c5f5b2789da9"
    assert when(body["createdAt"]).year >= 2026


def test_a_field_a_future_spec_adds_is_generated_without_code_changes(tmp_path: Path) -> None:
    from pipecat_cloud_mock import bundled_spec_path

    text = bundled_spec_path().read_text()
    text = text.replace(
        "\n        meetingIds:\n          type: array",
        "\n        region:\n          type: string\n          enum: [us-west, eu-central]\n"
        "        tags:\n          type: array\n          items: {type: string}\n"
        "        meetingIds:\n          type: array",
        1,
    )
    spec = tmp_path / "future.yaml"
    spec.write_text(text)
    client = create_app(Config(spec=spec, access_log=False)).test_client()
    sid = session_ids(1)[0]
    body = json.loads(client.get(session_url("a", sid), headers=AUTH).data)
    assert body["region"] in ("us-west", "eu-central")
    assert all(isinstance(tag, str) for tag in body["tags"])
    check_session(body, sid)
