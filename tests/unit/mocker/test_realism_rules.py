"""The general realism rules hold for any schema: Hypothesis builds specs, the mock serves them, rules are checked.

The checker, `rule_violations`, lives in tests/support/realism_checks.py: every real-spec test uses it too.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pipecat_cloud_mock.mocker.walker import MISSING, compile_schema
from pipecat_cloud_mock.pipeline.mock import PipelineRequest
from pipecat_cloud_mock.seed import rng_for
from pipecat_cloud_mock.spec.loader import Spec
from pipecat_cloud_mock.spec.openapi import ResponseValidator

from tests.support.mocks import MockFactory
from tests.support.realism_checks import rule_violations

# ---- generated specs ------------------------------------------------------------------------------------

NAMES = st.sampled_from(["thing", "widget", "job", "account", "device"])
FIELD_TEMPLATES: dict[str, dict[str, Any]] = {
    "id": {"type": "string", "example": "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"},
    "ownerEmail": {"type": "string", "example": "ada@example.org"},
    "homepage": {"type": "string", "example": "https://things.example.net/a/b"},
    "accessToken": {"type": "string", "example": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"},
    "region": {"type": "string", "description": "Where it runs: one of `north-1`, `south-2` or `east-3`."},
    "state": {"type": "string", "enum": ["queued", "running", "done"]},
    "note": {"type": "string", "nullable": True, "example": "Looks fine"},
    "createdAt": {"type": "string", "format": "date-time"},
    "updatedAt": {"type": "string", "format": "date-time"},
    "deletedAt": {"type": "string", "format": "date-time", "nullable": True},
    "startedAt": {"type": "string", "example": "2025-04-19T01:20:27.564Z"},
    "completedAt": {"type": "string", "example": "2025-04-19T01:25:00.000Z", "nullable": True},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
    "minReplicas": {"type": "integer", "example": 1, "minimum": 0},
    "maxReplicas": {"type": "integer", "example": 20, "minimum": 0},
    "min_size": {"type": "number", "example": 0.5},
    "max_size": {"type": "number", "example": 8.0},
    "minBatch": {"type": "integer", "minimum": 1},
    "maxBatch": {"type": "integer", "maximum": 500},
    "retries": {"type": "integer", "example": 3, "maximum": 10},
    "weight": {"type": "number", "minimum": 0, "maximum": 1},
}


@st.composite
def resource_schemas(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    fields = draw(st.lists(st.sampled_from(sorted(FIELD_TEMPLATES)), min_size=1, max_size=10, unique=True))
    props: dict[str, Any] = {name: dict(FIELD_TEMPLATES[name]) for name in fields}
    if depth < 2 and draw(st.booleans()):
        child = draw(NAMES) + "s"
        props[child] = {"type": "array", "items": draw(resource_schemas(depth + 1))}
        if draw(st.booleans()):
            props[child[:-1] + "Count"] = {"type": "integer"}
    required = draw(st.lists(st.sampled_from(sorted(props)), unique=True))
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return schema


@st.composite
def specs(draw: st.DrawFn) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """(document, resource name, response schema): a list or a single resource named by its path."""
    name = draw(NAMES)
    resource = draw(resource_schemas())
    listing = draw(st.booleans())
    if listing:
        schema = {
            "type": "object",
            "properties": {
                "total_count": {"type": "integer"},
                f"{name}s": {"type": "array", "items": resource, "maxItems": 6},
            },
        }
        path, params = f"/{name}s", []
    else:
        resource["properties"][f"{name}Name"] = {"type": "string"}
        schema = resource
        path = f"/{name}s/{{{name}Name}}"
        params = [{"name": f"{name}Name", "in": "path", "required": True, "schema": {"type": "string"}}]
    document = {
        "openapi": "3.0.3",
        "info": {"title": "generated", "version": "1"},
        "servers": [{"url": "/api"}],
        "paths": {
            path: {
                "get": {
                    "operationId": "getIt",
                    "parameters": params,
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}},
                }
            }
        },
    }
    return document, name, schema


def _spec_of(document: dict[str, Any]) -> Spec:
    from pipecat_cloud_mock.spec.loader import _index

    return _index(__import__("pathlib").Path("generated.yaml"), document)


@given(spec=specs(), seed=st.integers(0, 2**31))
def test_every_generated_body_keeps_the_rules_and_validates_through_openapi_core(
    spec: tuple[dict[str, Any], str, dict[str, Any]], seed: int
) -> None:
    document, name, schema = spec
    built = _spec_of(document)
    with MockFactory() as make_mock:
        mock = make_mock.pipeline(seed=seed, spec=built)
        validator = ResponseValidator(built)
        operation = built.operations[0]
        path = "/api" + operation.path.replace(f"{{{name}Name}}", f"my-{name}")
        response = mock.handle(PipelineRequest("GET", path))
        assert response.status == 200, response.body
        assert validator.violations("GET", path, 200, "application/json", response.body) == []
        body = __import__("json").loads(response.body)
        params = {f"{name}Name": f"my-{name}"} if "{" in operation.path else {}
        assert rule_violations(schema, body, params) == []
        if params:  # echo: the path names the resource, so the body names it too
            assert body[f"{name}Name"] == f"my-{name}"


@given(schema=resource_schemas(), seed=st.integers(0, 2**31))
def test_the_walker_keeps_every_rule_over_many_draws(schema: dict[str, Any], seed: int) -> None:
    generate = compile_schema(schema, keep_extra=False)
    for n in range(10):
        value = generate(rng_for(seed, n), MISSING)
        assert rule_violations(schema, value) == []


def test_the_checker_catches_what_the_rules_forbid() -> None:
    """The checker itself can fail: one broken body per rule."""
    schema = {"type": "object", "properties": dict(FIELD_TEMPLATES) | {"things": {"type": "array"}}}
    bad = {
        "id": "orbit-358edc06",
        "createdAt": "2026-10-02T00:00:00Z",
        "updatedAt": "2026-10-01T00:00:00Z",
        "minReplicas": 973,
        "maxReplicas": 696,
        "things": [1],
        "thingsCount": 5,
        "total_count": 0,
        "state": "exploded",
        "region": "mars-9",
        "deletedAt": None,
        "weight": None,
    }
    problems = rule_violations(schema, bad, {"thingName": "x"})
    text = "\n".join(problems)
    for expected in ("not a uuid", "createdAt", "maxReplicas", "thingsCount", "total_count", "enum", "weight", "lists"):
        assert expected in text, (expected, problems)
    assert "deletedAt" not in text  # nullable: null is fine
    assert rule_violations({"properties": {"thingName": {"type": "string"}}}, {"thingName": "y"}, {"thingName": "x"})


# ---- turning rules off (docs/realism.md) ----------------------------------------------------------------

TIMES = {
    "type": "object",
    "properties": {
        "createdAt": {"type": "string", "format": "date-time"},
        "updatedAt": {"type": "string", "format": "date-time"},
        "note": {"type": "string", "nullable": True},
        "count": {"type": "integer"},
    },
}


def _draws(schema: dict[str, Any], hints: Any = None) -> list[dict[str, Any]]:
    generate = compile_schema(schema, keep_extra=False, hints=hints)
    return [generate(rng_for("off", n), MISSING) for n in range(200)]


def test_a_schema_can_turn_one_rule_off_and_keep_the_others() -> None:
    def out_of_order(values: list[dict[str, Any]]) -> int:
        return sum(1 for v in values if "createdAt" in v and "updatedAt" in v and v["createdAt"] > v["updatedAt"])

    assert out_of_order(_draws(TIMES)) == 0
    off = _draws({**TIMES, "x-mock-realism": {"time-order": False}})
    assert out_of_order(off) > 20  # the times now fall anywhere
    assert any(v.get("note") is None for v in off)  # nulls still on


def test_the_document_can_turn_rules_off_everywhere() -> None:
    from pipecat_cloud_mock.mocker.realism import Hints

    hints = Hints.from_document({"x-mock-realism": {"optional": False, "nulls": False}})
    values = _draws(TIMES, hints)
    assert all(set(v) == set(TIMES["properties"]) for v in values)
    assert all(v["note"] is not None for v in values)
    on = _draws(TIMES)
    assert any(set(v) != set(TIMES["properties"]) for v in on)  # with the rule on, some are absent


def test_echo_can_be_turned_off(make_mock: MockFactory) -> None:
    document, _, _ = _echo_document()
    for setting, echoed in ((None, True), (False, False)):
        if setting is not None:
            document["x-mock-realism"] = {"echo": setting}
        built = _spec_of(document)
        response = make_mock.pipeline(spec=built).handle(PipelineRequest("GET", "/api/things/my-thing"))
        assert (__import__("json").loads(response.body)["thingName"] == "my-thing") is echoed


def _echo_document() -> tuple[dict[str, Any], str, dict[str, Any]]:
    schema = {"type": "object", "required": ["thingName"], "properties": {"thingName": {"type": "string"}}}
    param = {"name": "thingName", "in": "path", "required": True, "schema": {"type": "string"}}
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "/api"}],
        "paths": {"/things/{thingName}": {"get": {"operationId": "getIt", "parameters": [param], "responses": ok}}},
    }
    return document, "thing", schema


def test_the_same_request_gives_the_same_bytes_in_another_mock(make_mock: MockFactory) -> None:
    document, _, _ = _echo_document()
    document["paths"]["/things/{thingName}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "type": "object",
        "properties": dict(FIELD_TEMPLATES),
    }
    first, second = (make_mock.pipeline(spec=_spec_of(document)) for _ in range(2))
    for seed in range(5):
        request = PipelineRequest("GET", "/api/things/x", {"__seed": str(seed)})
        assert first.handle(request).body == second.handle(request).body
    other = PipelineRequest("GET", "/api/things/y", {"__seed": "0"})
    assert first.handle(other).body != first.handle(PipelineRequest("GET", "/api/things/x", {"__seed": "0"})).body
