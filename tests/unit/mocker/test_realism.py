"""SessionResponse bodies look like one real Pipecat Cloud session, consistently, over many ids."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pipecat_cloud_mock.mocker.session import _cached_agent_ids, agent_ids, session_values

from tests.support.answers import AUTH, assert_keeps_contract, session_url
from tests.support.mocks import MockFactory
from tests.support.realism_checks import NAMED_STATUSES, check_session, session_ids, when

MANY = 3000


@pytest.fixture(scope="module")
def sessions() -> list[dict[str, Any]]:
    agents = ["voice-bot", "support", "ünïcødé", "a/b"]
    return [session_values(0, agents[i % len(agents)], sid) for i, sid in enumerate(session_ids(MANY))]


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


def test_a_field_a_future_spec_adds_is_generated_without_code_changes(make_mock: MockFactory, tmp_path: Path) -> None:
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
    client = make_mock.client(spec=spec)
    sid = session_ids(1)[0]
    body = json.loads(client.get(session_url("a", sid), headers=AUTH).data)
    assert body["region"] in ("us-west", "eu-central")
    assert all(isinstance(tag, str) for tag in body["tags"])
    check_session(body, sid)
