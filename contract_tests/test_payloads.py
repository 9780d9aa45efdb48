"""2. Payload properties: strategies derived from the spec; openapi-core accepts every valid payload and
rejects every payload with one planted violation, naming the offending field."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pipecat_cloud_mock import load_spec
from pipecat_cloud_mock.contract.checks import Finding
from pipecat_cloud_mock.contract.report import Tally
from pipecat_cloud_mock.contract.strategies import from_schema, plant_violation
from pipecat_cloud_mock.spec.openapi import default_validator

_OPERATION = load_spec().operation("getSession")
PATH = "/v1/agents/my-agent/sessions/800d444a-e67e-4686-afb3-b0de509cccb3"
RESPONSES = [
    pytest.param(int(status), media.schema, id=f"{status}-{media.schema_name or 'inline'}")
    for status, response in _OPERATION.responses.items()
    for media in response.content
    if media.schema is not None and media.name == "application/json"
]


def _violations(status: int, payload: object) -> list[str]:
    body = json.dumps(payload).encode()
    return [str(v) for v in default_validator().violations("GET", PATH, status, "application/json", body)]


@pytest.mark.parametrize(("status", "schema"), RESPONSES)
@given(data=st.data())
def test_every_generated_payload_passes_openapi_core(
    status: int, schema: dict[str, object], data: st.DataObject, contract_tally: Tally
) -> None:
    payload = data.draw(from_schema(schema), label="payload")
    violations = _violations(status, payload)
    contract_tally.record(
        "payload-positive", [Finding("payload-positive", "fail", v) for v in violations], key=json.dumps(payload)
    )
    assert not violations, f"a payload derived from the {status} schema was rejected: {violations}"


@pytest.mark.parametrize(("status", "schema"), RESPONSES)
@given(data=st.data())
def test_a_planted_violation_is_rejected_and_named(
    status: int, schema: dict[str, object], data: st.DataObject, contract_tally: Tally
) -> None:
    payload = data.draw(from_schema(schema, fill=True), label="valid payload")
    mutated, planted = plant_violation(schema, payload, data)
    violations = default_validator().violations("GET", PATH, status, "application/json", json.dumps(mutated).encode())
    named = [v for v in violations if v.where == planted.path]
    problem = (
        []
        if named
        else [
            f"{planted.kind} at {planted.path or '<body>'} ({planted.value!r}) was "
            + (f"rejected without naming it: {[str(v) for v in violations]}" if violations else "accepted")
        ]
    )
    contract_tally.record(
        "payload-negative", [Finding("payload-negative", "fail", p) for p in problem], key=json.dumps(mutated)
    )
    assert not problem, problem[0]
