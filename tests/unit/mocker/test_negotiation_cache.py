"""The pipeline caches negotiations; a cached one must never leak into a request that differs."""

from __future__ import annotations

import json

from pipecat_cloud_mock.pipeline.mock import PipelineRequest

from tests.support.answers import SESSION_ID
from tests.support.mocks import MockFactory

AUTH = {"authorization": "Bearer t"}
PATH = f"/v1/agents/a/sessions/{SESSION_ID}"


def test_cached_negotiation_does_not_override_later_preferences(make_mock: MockFactory) -> None:
    mock = make_mock().extensions["pipecat_mock"]
    first = mock.handle(PipelineRequest("GET", PATH, {}, AUTH))
    assert first.status == 200
    assert mock.handle(PipelineRequest("GET", PATH, {"__code": "404"}, AUTH)).status == 404
    assert mock.handle(PipelineRequest("GET", PATH, {}, {**AUTH, "prefer": "code=500"})).status == 500
    seeded = mock.handle(PipelineRequest("GET", PATH, {"__seed": "9"}, AUTH))
    assert seeded.body != first.body
    assert mock.handle(PipelineRequest("GET", PATH, {}, AUTH)).body == first.body
    bad = mock.handle(PipelineRequest("GET", "/v1/agents/a/sessions/not-a-uuid", {}, AUTH))
    assert bad.status == 404
    assert "not-a-uuid" in json.loads(bad.body)["error"]
    assert mock.handle(PipelineRequest("GET", PATH, {}, AUTH)).status == 200
