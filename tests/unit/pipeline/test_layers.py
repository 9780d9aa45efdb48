"""The pipeline answers plain requests without HTTP (tests/test_architecture.py keeps Flask out of the stages),
and a bug in the mock is still a JSON ErrorResponse."""

from __future__ import annotations

import json

import pytest
from pipecat_cloud_mock import PipelineRequest

from tests.support.answers import AUTH, SESSION_ID, assert_error_response, session_url
from tests.support.mocks import MockFactory


def test_the_pipeline_answers_without_any_http_layer(make_mock: MockFactory) -> None:
    mock = make_mock().extensions["pipecat_mock"]
    response = mock.handle(
        PipelineRequest("GET", session_url("a", SESSION_ID), headers={"authorization": AUTH["Authorization"]})
    )
    assert response.status == 200
    assert json.loads(response.body)["sessionId"] == SESSION_ID


def test_an_unexpected_error_in_the_mock_is_still_a_json_error_response(
    make_mock: MockFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_mock()
    mock = app.extensions["pipecat_mock"]

    def broken(request: PipelineRequest) -> None:
        raise RuntimeError("planted")

    monkeypatch.setattr(mock, "handle", broken)
    response = app.test_client().get(session_url("a", SESSION_ID), headers=AUTH)
    assert response.status_code == 500
    assert response.content_type == "application/json"
    assert_error_response(json.loads(response.data), 500)
    assert b"planted" not in response.data
    assert b"Traceback" not in response.data
