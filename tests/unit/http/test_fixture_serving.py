"""Fixture sessions and stubs as the pipeline serves them (MockPipeline.handle: no Flask, no server)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pipecat_cloud_mock import ConfigError, MockPipeline, PipelineRequest
from pipecat_cloud_mock.faults import FixedLatency, LognormalLatency, UniformLatency, parse_latency
from pipecat_cloud_mock.spec.openapi import default_validator
from pipecat_cloud_mock.state.model import Stub

from tests.support import REPO
from tests.support.mocks import MockFactory

EXAMPLES = REPO / "fixtures"
FULL = "800d444a-e67e-4686-afb3-b0de509cccb3"  # written out in full in fixtures/sessions.yaml
RUNNING = "5f0c1a7e-3b2d-4c8e-9a61-2d7f4e8b9c10"  # partial: endedAt and completionStatus null
FLAKY = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"  # the flaky-session stub: 500, 500, then 200
OTHER = "6f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
AUTH = {"authorization": "Bearer t"}


@pytest.fixture(scope="module")
def mock(make_module_mock: MockFactory) -> MockPipeline:
    return make_module_mock.pipeline(fixtures=EXAMPLES)


@pytest.fixture(scope="module")
def strict_mock(make_module_mock: MockFactory) -> MockPipeline:
    return make_module_mock.pipeline(fixtures=EXAMPLES, only_fixtures=True)


@pytest.fixture(autouse=True)
def _fresh(mock: MockPipeline) -> None:
    mock.control.reset()


def get(mock: MockPipeline, agent: str, session_id: str, **headers: str) -> tuple[int, Any]:
    path = f"/v1/agents/{agent}/sessions/{session_id}"
    response = mock.handle(PipelineRequest("GET", path, headers={**AUTH, **headers}))
    violations = default_validator().violations("GET", path, response.status, response.media_type, response.body)
    if response.status != 401:  # the one status the spec does not document, by design
        assert violations == [], violations
    return response.status, json.loads(response.body)


def sessions_yaml() -> dict[str, Any]:
    import yaml
    from pipecat_cloud_mock.state.files import _FixtureLoader

    data: dict[str, Any] = yaml.load((EXAMPLES / "sessions.yaml").read_text(), Loader=_FixtureLoader)  # noqa: S506
    return data


def test_a_full_fixture_session_is_served_exactly_as_written(mock: MockPipeline) -> None:
    status, body = get(mock, "support-bot", FULL)
    assert status == 200
    assert body == {"sessionId": FULL, **sessions_yaml()["sessions"]["support-bot"][FULL]}


def test_a_partial_session_keeps_the_given_fields_and_generates_the_rest(mock: MockPipeline) -> None:
    status, body = get(mock, "support-bot", RUNNING)
    assert status == 200
    assert body["endedAt"] is None
    assert body["completionStatus"] is None
    assert body["sessionId"] == RUNNING
    generated = get(mock, "support-bot", OTHER)[1]
    assert body["organizationId"] == generated["organizationId"]  # the realism layer filled it, consistently


def test_given_nested_fields_merge_into_generated_ones(mock: MockPipeline) -> None:
    mock.control.store.put_session("a", OTHER, {"resourceMetrics": {"cpuMillicoresP99": 4321}})
    body = get(mock, "a", OTHER)[1]
    assert body["resourceMetrics"]["cpuMillicoresP99"] == 4321
    # The rest comes from the realism layer, not bare schema filling: ids tie up with the session and agent.
    assert body["resourceMetrics"]["sessionId"] == OTHER
    assert body["resourceMetrics"]["sampleCount"] == len(body["resourceMetrics"]["timeseries"])
    assert body["organizationId"] == get(mock, "a", RUNNING)[1]["organizationId"]


def test_prefer_still_chooses_other_statuses_for_a_fixture_session(mock: MockPipeline) -> None:
    for code in (500, 404):
        status, body = get(mock, "support-bot", FULL, prefer=f"code={code}")
        assert status == code
        assert set(body) == {"error", "code"}


def test_undefined_sessions_are_generated_unless_only_fixtures(mock: MockPipeline, strict_mock: MockPipeline) -> None:
    assert get(mock, "nobody", OTHER)[0] == 200
    assert get(strict_mock, "nobody", OTHER) == (404, {"error": "Session not found", "code": "404"})
    assert get(strict_mock, "support-bot", OTHER)[0] == 404
    assert get(strict_mock, "support-bot", RUNNING)[0] == 200
    assert get(strict_mock, "sales-bot", "2c4e6a8b-0d1f-4a3b-9c5d-7e9f1a3b5c7d")[0] == 200


def test_a_sequence_answers_in_turn_and_repeats_the_last(mock: MockPipeline) -> None:
    statuses = [get(mock, "support-bot", FLAKY)[0] for _ in range(5)]
    assert statuses == [500, 500, 200, 200, 200]
    assert get(mock, "other-agent", FLAKY)[0] == 200  # the stub matches support-bot only
    mock.control.reset()
    assert get(mock, "support-bot", FLAKY)[0] == 500  # reset starts the sequence over


def test_a_stub_body_is_served_exactly(mock: MockPipeline) -> None:
    status, body = get(mock, "any-agent", "11111111-2222-4333-8444-555555555555")
    assert (status, body) == (404, {"error": "agent deployment not found", "code": "404"})


def test_stubs_match_headers_and_answer_401_with_a_challenge(mock: MockPipeline) -> None:
    response = mock.handle(
        PipelineRequest("GET", f"/v1/agents/a/sessions/{OTHER}", headers={**AUTH, "x-test-scenario": "revoked-key"})
    )
    assert response.status == 401
    assert ("WWW-Authenticate", 'Bearer realm="api"') in response.headers
    assert get(mock, "a", OTHER, **{"x-test-scenario": "other"})[0] == 200


def test_a_regex_matches_the_whole_value_and_the_answer_carries_its_latency(mock: MockPipeline) -> None:
    hit = mock.handle(PipelineRequest("GET", f"/v1/agents/slow-bot/sessions/{OTHER}", headers=AUTH))
    assert hit.stub is not None
    assert hit.stub.id == "slow-agents"
    assert hit.stub_response is not None
    assert hit.stub_response.latency == LognormalLatency(120.0, 900.0)
    miss = mock.handle(PipelineRequest("GET", f"/v1/agents/very-slow-bot/sessions/{OTHER}", headers=AUTH))
    assert miss.stub is None


def test_security_comes_before_stubs(mock: MockPipeline) -> None:
    response = mock.handle(PipelineRequest("GET", f"/v1/agents/support-bot/sessions/{FLAKY}"))
    assert response.status == 401
    assert get(mock, "support-bot", FLAKY)[0] == 500  # the unauthorized request did not use up the sequence


def test_the_first_matching_stub_answers_and_added_stubs_go_first(mock: MockPipeline) -> None:
    parser = mock.control.parser
    from pipecat_cloud_mock.state.parse import Report

    rule = {"id": "override", "match": {"agentName": "support-bot"}, "respond": {"status": 404}}
    stub = parser.stub(rule, Report("admin"), (), default_id="")
    assert isinstance(stub, Stub)
    assert mock.control.store.add_stub(stub)
    assert get(mock, "support-bot", FLAKY)[0] == 404


def test_stub_fault_and_error_rate_reach_the_response_as_data(mock: MockPipeline) -> None:
    from pipecat_cloud_mock.state.parse import Report

    rule = {"id": "f", "match": {"agentName": "f"}, "respond": {"status": 200, "fault": "truncate"}, "errorRate": 0.25}
    stub = mock.control.parser.stub(rule, Report("admin"), (), default_id="")
    assert stub is not None
    mock.control.store.add_stub(stub)
    response = mock.handle(PipelineRequest("GET", f"/v1/agents/f/sessions/{OTHER}", headers=AUTH))
    assert response.stub is not None
    assert response.stub.error_rate == 0.25
    assert response.stub_response is not None
    assert response.stub_response.fault == "truncate"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("250ms", FixedLatency(250.0)),
        ("1.5ms", FixedLatency(1.5)),
        (250, FixedLatency(250.0)),
        ({"fixed": 250}, FixedLatency(250.0)),
        ({"uniform": [100, 300]}, UniformLatency(100.0, 300.0)),
        ({"lognormal": {"median": 120, "p99": 900}}, LognormalLatency(120.0, 900.0)),
    ],
)
def test_latency_forms(value: Any, expected: Any) -> None:
    assert parse_latency(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        *("fast", "1.5s", 60_001, -1, 10**9, True, None),
        *({"fixed": "x"}, {"uniform": [1]}, {"lognormal": {"median": 0, "p99": 5}}, {"a": 1}),
    ],
)
def test_latency_errors_say_what_is_accepted(value: Any) -> None:
    with pytest.raises(ConfigError, match=r"Valid values"):
        parse_latency(value)


@pytest.mark.parametrize(
    ("given", "generated_null", "generated_set"),
    [
        ({"endedAt": None}, ["completionStatus"], ["botStartSeconds", "resourceMetrics"]),
        ({"completionStatus": None}, ["endedAt"], []),
        ({"completionStatus": "HTTP_COMPLETED", "coldStart": True}, [], ["endedAt", "botStartSeconds"]),
        ({"resourceMetrics": None, "endedAt": "2025-10-22T08:39:26.000Z"}, [], ["completionStatus"]),
    ],
)
def test_generated_fields_fit_the_kind_of_session_the_fixture_describes(
    mock: MockPipeline, given: dict[str, Any], generated_null: list[str], generated_set: list[str]
) -> None:
    for n in range(20):
        session_id = f"6f1e2d3c-4b5a-4c6d-8e7f-{n:012d}"
        mock.control.store.put_session("shape", session_id, given)
        body = get(mock, "shape", session_id)[1]
        assert body == get(mock, "shape", session_id)[1]  # deterministic
        assert {k: body[k] for k in given} == given
        assert [k for k in generated_null if body[k] is not None] == [], body
        assert [k for k in generated_set if body[k] is None] == [], body


def test_an_explicit_example_preference_still_serves_the_spec_example(mock: MockPipeline) -> None:
    status, body = get(mock, "support-bot", RUNNING, prefer="example=default")
    assert status == 200
    assert body["sessionId"] == FULL  # the spec's example, not the fixture


def test_fixture_sessions_win_over_example_mode(make_mock: MockFactory) -> None:
    example_mode = make_mock.pipeline(fixtures=EXAMPLES, mode="example")
    assert get(example_mode, "support-bot", RUNNING)[1]["sessionId"] == RUNNING
    assert get(example_mode, "nobody", RUNNING)[1]["sessionId"] == FULL  # no fixture: the spec's example


def test_every_example_fixture_answer_keeps_the_contract_strictly(mock: MockPipeline) -> None:
    """Until the contract suite exists: each fixture session and stub answer, against the strict validator."""
    strict = default_validator(strict=True)
    requests = [(agent, sid, {}) for agent, sid in mock.control.initial.sessions]
    requests += [
        ("support-bot", FLAKY, {}),
        ("support-bot", FLAKY, {}),
        ("support-bot", FLAKY, {}),
        ("any", "11111111-2222-4333-8444-555555555555", {}),
        ("slow-bot", OTHER, {}),
    ]
    for agent, sid, headers in requests:
        path = f"/v1/agents/{agent}/sessions/{sid}"
        response = mock.handle(PipelineRequest("GET", path, headers={**AUTH, **headers}))
        assert strict.violations("GET", path, response.status, response.media_type, response.body) == [], path
