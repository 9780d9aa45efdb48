"""Specs in the forms users have them: YAML or JSON, OpenAPI 3.0 or 3.1; what the mock cannot serve is one clear
line at start-up naming the operation and the feature, exit status 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pipecat_cloud_mock import SpecError, load_spec
from pipecat_cloud_mock.cli.main import main
from pipecat_cloud_mock.pipeline.mock import PipelineRequest
from pipecat_cloud_mock.spec.openapi import ResponseValidator

from tests.support.mocks import MockFactory
from tests.support.realism_checks import rule_violations
from tests.support.specs import OPENAPI_31, SPECS


def test_yaml_and_json_give_the_same_spec(tmp_path: Path) -> None:
    as_json = tmp_path / "petstore.json"
    as_json.write_text(json.dumps(yaml.safe_load((SPECS / "petstore-expanded.yaml").read_text())))
    from_yaml, from_json = load_spec(SPECS / "petstore-expanded.yaml"), load_spec(as_json)
    assert from_yaml.operations == from_json.operations
    assert len(from_yaml.operations) == 4


def test_an_openapi_31_document_is_served_valid_and_realistic(make_mock: MockFactory, tmp_path: Path) -> None:
    spec_file = tmp_path / "devices.yaml"
    spec_file.write_text(OPENAPI_31)
    spec = load_spec(spec_file)
    mock, validator = make_mock.pipeline(spec=spec), ResponseValidator(spec)
    device_id = "7c489df3-7d1d-482f-b1ed-51300f630645"
    for seed in range(25):
        path = f"/api/devices/{device_id}"
        response = mock.handle(PipelineRequest("GET", path, {"__seed": str(seed)}))
        assert response.status == 200, response.body
        assert validator.violations("GET", path, 200, response.media_type, response.body) == []
        body = json.loads(response.body)
        assert body["deviceId"] == device_id
        assert body["kind"] == "sensor"
        assert rule_violations(spec.schema("Device"), body, {"deviceId": device_id}) == []
        if "minTemp" in body and "maxTemp" in body:
            assert body["minTemp"] <= body["maxTemp"]
        assert len(body["readings"]) == body["readingsCount"]
        assert 0 < body["battery"] <= 100


def test_openapi_31_is_checked_by_its_own_validator(tmp_path: Path) -> None:
    spec_file = tmp_path / "bad31.yaml"
    spec_file.write_text(OPENAPI_31.replace('info: {title: devices, version: "1"}', "info: {title: devices}"))
    with pytest.raises(SpecError, match=r"invalid OpenAPI 3\.1 document"):
        load_spec(spec_file)


UNSERVABLE = {
    "external-ref": (
        '{$ref: "#/components/schemas/Device"}',
        '{$ref: "https://schemas.example.invalid/device.json"}',
        "operation getDevice (GET /devices/{deviceId}): the $ref 'https://schemas.example.invalid/device.json' "
        "points outside this document",
    ),
    "ref-cycle": (  # a recursive schema is served (tests/unit/spec/test_spec_refs.py); a bare $ref loop is not
        "        readingsCount: {type: integer}\n",
        "        readingsCount: {type: integer}\n        parent: {$ref: '#/components/schemas/Loop'}\n"
        "    Loop: {$ref: '#/components/schemas/Loop'}\n",
        "operation getDevice (GET /devices/{deviceId}): the $ref '#/components/schemas/Loop' leads back to itself",
    ),
    "bad-pattern": (
        "schema: {type: string, format: uuid}}\n      responses:",
        "schema: {type: string, pattern: '(?<name'}}\n      responses:",
        "operation getDevice (GET /devices/{deviceId}): the pattern '(?<name' is not a regular expression",
    ),
    "content-parameter": (
        "        - {name: deviceId, in: path, required: true, schema: {type: string, format: uuid}}\n",
        "        - {name: deviceId, in: path, required: true, schema: {type: string, format: uuid}}\n"
        "        - {name: filter, in: query, content: {application/json: {schema: {type: object}}}}\n",
        "operation getDevice (GET /devices/{deviceId}): parameter 'filter' is described with 'content'",
    ),
}


@pytest.mark.usefixtures("refuse_to_serve")
@pytest.mark.parametrize("case", sorted(UNSERVABLE))
def test_what_the_mock_cannot_serve_is_one_line_naming_the_operation_and_exit_2(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new, expected = UNSERVABLE[case]
    assert old in OPENAPI_31
    spec_file = tmp_path / f"{case}.yaml"
    spec_file.write_text(OPENAPI_31.replace(old, new))
    with pytest.raises(SpecError) as caught:
        load_spec(spec_file)
    assert expected in str(caught.value)
    assert main(["serve", "--spec", str(spec_file), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


def test_a_swagger_2_file_is_told_to_convert_first(tmp_path: Path) -> None:
    spec_file = tmp_path / "swagger.json"
    spec_file.write_text(json.dumps({"swagger": "2.0", "info": {"title": "x", "version": "1"}, "paths": {}}))
    with pytest.raises(SpecError, match=r"swagger: '2\.0'.*convert"):
        load_spec(spec_file)
