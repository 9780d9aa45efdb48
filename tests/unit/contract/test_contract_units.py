"""Unit tests of the contract kit's pieces: checks on hand-made responses, the spec checks on planted
spec faults, the strategies, the request budget and key redaction."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
import yaml
from hypothesis import find, given
from hypothesis import strategies as st
from pipecat_cloud_mock import bundled_spec_path, load_spec
from pipecat_cloud_mock.contract.checks import Context, Exchange, drift_items, evaluate
from pipecat_cloud_mock.contract.report import Tally, failure_message
from pipecat_cloud_mock.contract.spec_checks import example_violations, openapi_problems, unresolved_refs
from pipecat_cloud_mock.contract.strategies import (
    MALFORMED_DATE_TIMES,
    from_schema,
    invalid_session_ids,
    plant_violation,
)
from pipecat_cloud_mock.contract.target import (
    BAD_CREDENTIALS,
    VALID_CREDENTIALS,
    Budget,
    BudgetExhausted,
    Credentials,
    Response,
    WSGITarget,
    session_request,
)
from pipecat_cloud_mock.secret import Secret
from pipecat_cloud_mock.spec.openapi import default_validator, schema_violations

from tests.support.answers import SESSION_ID
from tests.support.mocks import MockFactory

SPEC = load_spec()
CONTEXT = Context(SPEC, SPEC.operation("getSession"), default_validator())
_EXAMPLES = SPEC.operation("getSession").responses["200"].media_type()
assert _EXAMPLES is not None
GOOD_BODY: dict[str, Any] = copy.deepcopy(_EXAMPLES.examples["default"])
EXAMPLE_ID = GOOD_BODY["sessionId"]


def _exchange(
    body: Any = None, status: int = 200, content_type: str = "application/json", creds: Credentials | None = None
) -> Exchange:
    request = session_request("my-agent", EXAMPLE_ID, creds or VALID_CREDENTIALS)
    raw = body if isinstance(body, bytes) else json.dumps(GOOD_BODY if body is None else body).encode()
    return Exchange(request, Response(status, {"content-type": content_type}, raw))


def _failed(ex: Exchange, context: Context = CONTEXT) -> set[str]:
    return {name for name, found in evaluate(context, ex).items() if any(f.severity == "fail" for f in found or ())}


def _with(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(GOOD_BODY)
    for dotted, value in changes.items():
        node = body
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    return body


def test_the_spec_example_passes_every_hard_check() -> None:
    assert _failed(_exchange()) == set()


@pytest.mark.parametrize(
    ("exchange", "check"),
    [
        pytest.param(_exchange(_with(botStartSeconds="2")), "schema", id="wrong-type"),
        pytest.param(_exchange(_with(createdAt="22/10/2025")), "schema", id="bad-date-time"),
        pytest.param(_exchange(b"<html></html>", content_type="text/html"), "content-type", id="content-type"),
        pytest.param(_exchange({"message": "nope"}, status=404), "shape", id="error-shape"),
        pytest.param(_exchange(creds=BAD_CREDENTIALS[0]), "auth", id="auth-ignored"),
        pytest.param(_exchange({"error": "no"}, status=404, creds=BAD_CREDENTIALS[5]), "auth", id="bad-key-not-401"),
        pytest.param(_exchange({"error": "no"}, status=401), "auth", id="valid-key-refused"),
        pytest.param(_exchange(_with(sessionId=str(uuid.uuid4()))), "invariants", id="session-mismatch"),
        pytest.param(
            _exchange(_with(resourceMetrics__sessionId=str(uuid.uuid4()))), "invariants", id="metrics-session"
        ),
        pytest.param(_exchange(_with(resourceMetrics__memoryBytesP95=1)), "invariants", id="percentiles"),
        pytest.param(_exchange(_with(botStartSeconds=-1)), "invariants", id="negative-usage"),
        pytest.param(_exchange(_with(endedAt="2025-10-21T00:00:00Z")), "invariants", id="ended-before-created"),
        pytest.param(_exchange(_with(updatedAt="2025-10-21T00:00:00Z")), "invariants", id="updated-before-created"),
        pytest.param(_exchange({"error": "boom", "code": "500"}, status=500), "no-5xx", id="server-error"),
        pytest.param(_exchange({"error": "no", "code": "400"}, status=400), "status", id="undocumented-status"),
    ],
)
def test_each_check_fails_on_the_fault_it_guards_against(exchange: Exchange, check: str) -> None:
    assert check in _failed(exchange)


def test_an_odd_path_answered_404_without_credentials_only_warns() -> None:
    odd = Exchange(
        session_request("a/b?", EXAMPLE_ID, BAD_CREDENTIALS[0]),
        Response(404, {"content-type": "application/json"}, b'{"error": "not found", "code": "404"}'),
    )
    assert [f.severity for f in evaluate(CONTEXT, odd)["auth"] or ()] == ["warn"]
    leaked = Exchange(odd.request, Response(200, {"content-type": "application/json"}, json.dumps(GOOD_BODY).encode()))
    assert "auth" in _failed(leaked)


def test_401_and_403_for_bad_credentials_are_part_of_the_contract() -> None:
    for status in (401, 403):
        for creds in BAD_CREDENTIALS:
            assert _failed(_exchange({"error": "Unauthorized", "code": str(status)}, status, creds=creds)) == set()


def test_soft_observations_warn_on_the_spec_example_and_never_fail() -> None:
    outcome = evaluate(CONTEXT, _exchange())["consistency"]
    assert outcome
    assert {f.severity for f in outcome} == {"warn"}
    assert any("sampleCount 12 but 2 samples" in f.message for f in outcome)


def test_drift_lists_undocumented_and_missing_properties_with_an_example() -> None:
    body = _with(endState="completed")
    del body["meetingIds"]
    body["resourceMetrics"]["timeseries"][0]["x"] = 7
    items = {(d.kind, d.path): d.example for d in drift_items(CONTEXT.schema(200), body, 200)}
    assert items == {
        ("undocumented", "endState"): "completed",
        ("missing", "meetingIds"): None,
        ("undocumented", "resourceMetrics.timeseries[].x"): 7,
    }
    assert _failed(_exchange(body)) == set()
    strict = Context(SPEC, CONTEXT.operation, CONTEXT.validator, strict=True)
    assert _failed(_exchange(body), strict) == {"drift"}


def test_the_known_session_must_answer_200_with_its_id() -> None:
    known = Context(SPEC, CONTEXT.operation, CONTEXT.validator, known_session=("my-agent", EXAMPLE_ID))
    assert _failed(_exchange(), known) == set()
    outcome = evaluate(known, _exchange({"error": "x", "code": "404"}, 404))["known-session"]
    assert [f.message for f in outcome or ()] == ["answered 404"]
    other = evaluate(known, _exchange(_with(sessionId=str(uuid.uuid4()))))["known-session"]
    assert [f.check for f in other or ()] == ["known-session"]


def test_recorder_counts_a_request_once_and_prints_the_drift_report() -> None:
    tally = Tally()
    body = _with(endState="completed")
    ex = _exchange(body)
    for _ in range(2):  # Hypothesis replays while shrinking: counted once
        tally.record_exchange("k", ex, evaluate(CONTEXT, ex), drift_items(CONTEXT.schema(200), body, 200))
    assert tally.counts["schema"]["passed"] == 1
    text = "\n".join(tally.summary_lines(strict=False))
    assert "undocumented  endState" in text
    assert '"completed"' in text


def test_failure_messages_and_curl_lines_never_show_the_key() -> None:
    key = "sk-live-very-secret-0123"
    target = WSGITarget(lambda environ, start: [], Secret(key))
    echoed = _exchange({"error": f"bad token Bearer {key}", "code": "404"}, 404)
    assert key not in target.curl(echoed.request)
    message = failure_message(target, echoed, [])
    assert key not in message
    assert "Authorization: Bearer ***" in message
    assert key not in repr(target.api_key)


def test_the_kit_sends_the_key_only_in_the_authorization_header() -> None:
    seen: dict[str, str] = {}

    def app(environ: dict[str, Any], start: Any) -> list[bytes]:
        seen.update(auth=environ.get("HTTP_AUTHORIZATION", ""), uri=environ["RAW_URI"])
        start("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]

    WSGITarget(app, Secret("k-123")).send(session_request("a b/c", SESSION_ID))
    assert seen == {"auth": "Bearer k-123", "uri": f"/v1/agents/a%20b%2Fc/sessions/{SESSION_ID}"}


def test_the_budget_stops_a_run_at_its_limit() -> None:
    budget = Budget(limit=3)
    for _ in range(3):
        budget.spend()
    with pytest.raises(BudgetExhausted, match="--contract-max-requests"):
        budget.spend()


# ---- the spec checks, on planted spec faults ----


def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(bundled_spec_path().read_text())
    return loaded


def test_the_bundled_spec_passes_the_spec_checks() -> None:
    document = _document()
    assert openapi_problems(document) == []
    assert unresolved_refs(document) == []
    assert example_violations(document) == []


def test_a_broken_ref_is_found() -> None:
    document = _document()
    document["components"]["schemas"]["SessionResponse"]["properties"]["x"] = {"$ref": "#/components/schemas/Nope"}
    assert unresolved_refs(document) == [
        "$ref at /components/schemas/SessionResponse/properties/x -> '#/components/schemas/Nope'"
    ]


def test_an_example_that_breaks_its_schema_is_found() -> None:
    document = _document()
    document["paths"]["/agents/{agentName}/sessions/{sessionId}"]["get"]["responses"]["404"]["content"][
        "application/json"
    ]["example"]["code"] = 404
    found = example_violations(document)
    assert [(w.split()[-3], v.where) for w, v in found] == [("404", "code")]


def test_an_invalid_openapi_document_is_found() -> None:
    document = _document()
    del document["info"]
    assert openapi_problems(document)


# ---- the strategies ----

SESSION_SCHEMA = SPEC.schema("SessionResponse")


@given(from_schema(SESSION_SCHEMA))
def test_derived_payloads_are_valid(payload: Any) -> None:
    assert schema_violations(SESSION_SCHEMA, payload) == []


def test_nullable_fields_can_be_null_and_formats_are_honoured() -> None:
    assert find(from_schema(SESSION_SCHEMA), lambda p: p.get("endedAt", 0) is None)["endedAt"] is None
    uuid_schema = {"type": "string", "format": "uuid"}
    assert uuid.UUID(find(from_schema(uuid_schema), lambda _: True))
    moment = find(from_schema({"type": "string", "format": "date-time"}), lambda s: not s.endswith("Z"))
    assert moment[-6] in "+-"  # an aware date-time with an offset


@given(st.data())
def test_every_mutation_is_a_violation_the_validator_names(data: st.DataObject) -> None:
    payload = data.draw(from_schema(SESSION_SCHEMA, fill=True))
    mutated, planted = plant_violation(SESSION_SCHEMA, payload, data)
    assert planted.path in {v.where for v in schema_violations(SESSION_SCHEMA, mutated)}


def test_every_malformed_date_time_is_rejected() -> None:
    for bad in MALFORMED_DATE_TIMES:
        assert schema_violations(SESSION_SCHEMA, {"createdAt": bad}), bad


@given(invalid_session_ids)
def test_invalid_session_ids_are_invalid(session_id: str) -> None:
    assert schema_violations({"type": "string", "format": "uuid"}, session_id)


@pytest.mark.parametrize("path", ["/v1/agents/my-agent/sessions/%0A", "/v1/agents/a%0Ab/sessions/" + SESSION_ID])
def test_the_mock_answers_an_encoded_newline_through_its_pipeline(make_mock: MockFactory, path: str) -> None:
    """Found by the kit: Flask's <path> does not match %0A, and its HTML 404 skipped the auth check."""

    client = make_mock.client()
    refused = client.get(path)
    assert (refused.status_code, refused.content_type) == (401, "application/json")
    answered = client.get(path, headers={"Authorization": "Bearer t"})
    assert answered.content_type == "application/json"


def test_a_transport_error_carries_neither_the_key_nor_the_frames_that_held_it() -> None:
    from pipecat_cloud_mock.contract.plugin import Contract, RunSettings, TargetError

    key = "sk-live-in-a-local-0042"

    def broken(environ: dict[str, Any], start: Any) -> list[bytes]:
        raise ValueError(f"cannot parse header {environ.get('HTTP_AUTHORIZATION')}")

    contract = Contract(WSGITarget(broken, Secret(key)), RunSettings(), Tally())
    with pytest.raises(TargetError) as caught:
        contract.send(session_request("my-agent", SESSION_ID))
    assert key not in str(caught.value)
    assert caught.value.__suppress_context__
    frames = []
    tb = caught.value.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    assert frames[-1] == "send"  # Contract.send; Target.send, whose locals hold the header, is not in it
    assert frames.count("send") == 1
