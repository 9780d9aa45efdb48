"""Stub.from_plain reads back exactly what to_plain wrote (the store keeps that form and no longer re-parses it)."""

from __future__ import annotations

from typing import Any

import pytest
from pipecat_cloud_mock.spec.loader import load_spec
from pipecat_cloud_mock.state.files import load_fixtures
from pipecat_cloud_mock.state.model import Stub
from pipecat_cloud_mock.state.parse import FixtureParser, Report

from tests.support import REPO

PARSER = FixtureParser(load_spec(None))

RULES: list[dict[str, Any]] = [
    {"id": "plain", "match": {}, "respond": {"status": 404}},
    {
        "id": "everything",
        "description": "every field there is",
        "match": {
            "agentName": {"regex": "agent-[0-9]+"},
            "sessionId": "800d444a-e67e-4686-afb3-b0de509cccb3",
            "headers": {"x-test": {"regex": "a|b"}, "x-exact": "yes"},
        },
        "sequence": [
            {"status": 500, "latency": 250, "fault": "truncate"},
            {"status": 200, "body": {"sessionId": "x", "nested": [1, None, "two"]}, "latency": "uniform:10-20"},
            {"status": 404, "latency": "lognormal:100-900"},
        ],
        "errorRate": 0.25,
    },
]


@pytest.mark.parametrize("rule", RULES, ids=[r["id"] for r in RULES])
def test_a_parsed_stub_comes_back_from_its_plain_form(rule: dict[str, Any]) -> None:
    report = Report("test")
    stub = PARSER.stub(rule, report, (), default_id="")
    assert stub is not None, report.problems
    again = Stub.from_plain(stub.to_plain(), "test")
    assert again == stub
    assert again.to_plain() == stub.to_plain()
    assert again.source == "test"


def test_every_example_fixture_stub_comes_back_from_its_plain_form() -> None:
    stubs = load_fixtures(REPO / "fixtures", parser=PARSER).stubs
    assert stubs, "the example fixtures define no stub: nothing was checked"
    for stub in stubs:
        assert Stub.from_plain(stub.to_plain(), stub.source) == stub
