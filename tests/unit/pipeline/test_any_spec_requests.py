"""Requests are checked against the spec: a bad body or query parameter is the documented 400/422 naming the
field and what is accepted; a valid request passes; operations with nothing to check are not looked at."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pipecat_cloud_mock.pipeline.mock import MockPipeline, PipelineRequest
from pipecat_cloud_mock.spec.loader import load_spec
from pipecat_cloud_mock.spec.openapi import ResponseValidator

from tests.support.mocks import MockFactory
from tests.support.specs import SPECS

AUTH = {"authorization": "Bearer k", "content-type": "application/json"}
CREATE = {
    "serviceName": "voice-starter",
    "image": "your-dockername/voice-starter:0.1",
    "region": "us-west",
    "autoScaling": {"minAgents": 1, "maxAgents": 20},
}


@pytest.fixture(scope="module")
def official(make_module_mock: MockFactory) -> tuple[MockPipeline, ResponseValidator]:
    spec = load_spec(SPECS / "pipecat-cloud-official.json")
    return make_module_mock.pipeline(spec=spec), ResponseValidator(spec)


def _post(
    mock: MockPipeline, path: str, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = mock.handle(PipelineRequest("POST", path, {}, headers or AUTH, raw))
    return response.status, json.loads(response.body)


def test_a_valid_body_passes(official: tuple[MockPipeline, ResponseValidator]) -> None:
    status, body = _post(official[0], "/v1/agents", CREATE)
    assert status == 200, body


@pytest.mark.parametrize(
    ("body", "field", "accepted"),
    [
        ({**CREATE, "autoScaling": {"minAgents": "one"}}, "body.autoScaling.minAgents", "an integer"),
        ({k: v for k, v in CREATE.items() if k != "serviceName"}, "serviceName", "an object with"),
        ({**CREATE, "serviceName": "Not OK"}, "body.serviceName", "a string (matching ^[a-z0-9]"),
    ],
)
def test_an_invalid_body_is_the_documented_400_naming_the_field_and_what_is_accepted(
    official: tuple[MockPipeline, ResponseValidator], body: dict[str, Any], field: str, accepted: str
) -> None:
    mock, validator = official
    raw = json.dumps(body).encode()
    response = mock.handle(PipelineRequest("POST", "/v1/agents", {}, AUTH, raw))
    assert response.status == 400
    message = json.loads(response.body)["error"]
    assert field in message, message
    assert "Accepted: " + accepted in message, message
    assert validator.violations("POST", "/v1/agents", 400, response.media_type, response.body) == []


def test_a_missing_body_broken_json_and_a_wrong_media_type_each_get_one_clear_400(
    official: tuple[MockPipeline, ResponseValidator],
) -> None:
    mock = official[0]
    cases = {
        b"": "a request body is required. Accepted: application/json.",
        b"{not json": "not valid JSON",
    }
    for raw, expected in cases.items():
        status, body = _post(mock, "/v1/agents", raw)
        assert status == 400
        assert expected in body["error"], body
    status, body = _post(mock, "/v1/agents", b"a=b", {**AUTH, "content-type": "application/x-www-form-urlencoded"})
    assert status == 400
    assert "'application/x-www-form-urlencoded' is not accepted" in body["error"], body


def test_a_constrained_query_parameter_is_checked(official: tuple[MockPipeline, ResponseValidator]) -> None:
    mock = official[0]
    ok = mock.handle(PipelineRequest("GET", "/v1/builds", {"limit": "5", "status": "success"}, AUTH))
    assert ok.status == 200, ok.body
    bad = mock.handle(PipelineRequest("GET", "/v1/builds", {"limit": "500"}, AUTH))
    assert bad.status == 400
    assert "query.limit" in json.loads(bad.body)["error"]
    assert "from 1 to 100" in json.loads(bad.body)["error"]
    wrong = mock.handle(PipelineRequest("GET", "/v1/builds", {"status": "exploded"}, AUTH))
    assert wrong.status == 400
    assert "one of pending, building" in json.loads(wrong.body)["error"]


def test_an_explicit_prefer_code_still_answers_that_status(official: tuple[MockPipeline, ResponseValidator]) -> None:
    response = official[0].handle(PipelineRequest("POST", "/v1/agents", {}, {**AUTH, "prefer": "code=200"}, b""))
    assert response.status == 200


def test_a_documented_422_is_used_when_there_is_no_400(make_mock: MockFactory, tmp_path: Path) -> None:
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(
        """
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /things:
    post:
      operationId: addThing
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [size], properties: {size: {type: integer, exclusiveMinimum: 0}}}
      responses:
        "201": {description: made}
        "422":
          description: bad
          content:
            application/json:
              schema: {type: object, properties: {detail: {type: string}}, required: [detail]}
"""
    )
    mock = make_mock.pipeline(spec=load_spec(spec_file))
    response = mock.handle(PipelineRequest("POST", "/things", {}, AUTH, b'{"size": 0}'))
    assert response.status == 422
    assert "body.size" in json.loads(response.body)["detail"]
    assert mock.handle(PipelineRequest("POST", "/things", {}, AUTH, b'{"size": 2}')).status == 201


def test_the_bundled_session_reads_have_nothing_to_check(make_mock: MockFactory) -> None:
    """Kept off the hot path: session details and stops have no query, header or body to check, so they are
    not in the checked set; the bundled operations with a body or a bounded query parameter are."""
    checked = make_mock.pipeline().request_check.checked
    session_paths = {"getSession", "getOrganizationServiceSession", "stopSession", "stopOrganizationServiceSession"}
    assert session_paths.isdisjoint(checked)
    assert "startService" in checked  # a required JSON body
    assert "getSessions" in checked  # limit 1..100, offset >= 0, status and startType enums
    spec = load_spec(SPECS / "pipecat-cloud-official.json")
    checked = make_mock.pipeline(spec=spec).request_check.checked
    assert "createService" in checked
    assert "listBuilds" in checked
    assert "getSession" not in checked
    assert "deleteService" not in checked


def test_a_bad_path_value_is_the_documented_400_when_the_operation_documents_no_404(
    official: tuple[MockPipeline, ResponseValidator],
) -> None:
    mock, validator = official
    body = json.dumps({"secrets": [{"secretKey": "K", "secretValue": "v"}], "region": "us-west"}).encode()
    response = mock.handle(PipelineRequest("PUT", "/v1/secrets/Not_Valid", {}, AUTH, body))
    assert response.status == 400
    message = json.loads(response.body)["error"]
    assert "path.setName" in message
    assert "3 to 63 characters" in message
    assert validator.violations("PUT", "/v1/secrets/Not_Valid", 400, response.media_type, response.body) == []
    # getSecretSet documents a 404: a bad name there names nothing, as on the real service.
    assert mock.handle(PipelineRequest("GET", "/v1/secrets/Not_Valid", {}, AUTH)).status == 404
