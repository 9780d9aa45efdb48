"""The general realism rules hold for any schema: Hypothesis builds specs, the mock serves them, rules are checked.

`rule_violations` is the checker every real-spec test uses too. It is written from the rules as the docs state
them (docs/realism.md), not from the generator's code: its own patterns, its own pairs, loose bounds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pipecat_cloud_mock import Config
from pipecat_cloud_mock.mocker.walker import MISSING, compile_schema
from pipecat_cloud_mock.pipeline.mock import MockPipeline, PipelineRequest
from pipecat_cloud_mock.seed import rng_for
from pipecat_cloud_mock.spec.loader import Spec
from pipecat_cloud_mock.spec.openapi import ResponseValidator

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
URL = re.compile(r"(https?|wss?)://[^\s/]+(/\S*)?")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}")
JWT = re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w.-]+")
KINDS = {"uuid": UUID, "date-time": RFC3339, "uri": URL, "email": EMAIL, "token": JWT}
EARLIER_LATER = [
    ("createdAt", "updatedAt"),
    ("createdAt", "deletedAt"),
    ("createdAt", "endedAt"),
    ("createdAt", "startedAt"),
    ("createdAt", "completedAt"),
    ("startedAt", "completedAt"),
    ("startedAt", "endedAt"),
]
EARLIER_LATER += [(_a.replace("At", "_at").lower(), _b.replace("At", "_at").lower()) for _a, _b in EARLIER_LATER]


def _kind(example: Any) -> str | None:
    return next((k for k, p in KINDS.items() if isinstance(example, str) and p.fullmatch(example)), None)


def _when(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def rule_violations(
    schema: Mapping[str, Any] | None, value: Any, params: Mapping[str, str] | None = None, where: str = "body"
) -> list[str]:
    """Every general rule `value` breaks, each as 'where: what'."""
    found: list[str] = []
    _check(schema or {}, value, dict(params or {}), where, found)
    return found


def _merged(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    if "allOf" in schema:
        out: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = _merged(part)
            out["properties"] = {**out.get("properties", {}), **(part.get("properties") or {})}
            out["required"] = [*out.get("required", []), *(part.get("required") or [])]
            out.update({k: v for k, v in part.items() if k not in ("properties", "required")})
        return out
    for combinator in ("oneOf", "anyOf"):
        if schema.get(combinator):
            return _merged(schema[combinator][0])
    return schema


def _check(schema: Mapping[str, Any], value: Any, params: dict[str, str], where: str, found: list[str]) -> None:
    schema = _merged(schema)
    if value is None:
        if not (schema.get("nullable") or "null" in (schema.get("type") or []) or None in schema.get("enum", [])):
            found.append(f"{where}: null, but the schema is not nullable")
        return
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} is not in the enum")
    listed = re.search(r"one of:? ((?:`[^`]+`(?:, | or | and )?)+)", str(schema.get("description") or ""))
    if listed and isinstance(value, str) and value not in re.findall(r"`([^`]+)`", listed.group(1)):
        found.append(f"{where}: {value!r} is not one of the values its description lists")
    example = schema.get("example")
    kind = _kind(example) if isinstance(value, str) and "format" not in schema else None
    if kind and not KINDS[kind].fullmatch(value):
        found.append(f"{where}: {value!r} is not a {kind} like its example {example!r}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        _check_number(schema, value, where, found)
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check(schema.get("items") or {}, item, params, f"{where}[{i}]", found)
    if isinstance(value, dict):
        _check_object(schema, value, params, where, found)


def _check_number(schema: Mapping[str, Any], value: float, where: str, found: list[str]) -> None:
    if "minimum" in schema and value < schema["minimum"]:
        found.append(f"{where}: {value} is below the minimum {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        found.append(f"{where}: {value} is above the maximum {schema['maximum']}")
    example = schema.get("example")
    if isinstance(example, int | float) and example > 0 and value > 10 * example + 10:
        found.append(f"{where}: {value} is far above the size of its example {example}")


def _check_object(
    schema: Mapping[str, Any], value: dict[str, Any], params: dict[str, str], where: str, found: list[str]
) -> None:
    props = schema.get("properties") or {}
    for name in schema.get("required") or ():
        if name not in value:
            found.append(f"{where}: required field {name} is absent")
    for name, sub in props.items():
        if name in value:
            _check(sub, value[name], params, f"{where}.{name}", found)
    for earlier, later in EARLIER_LATER:
        a, b = value.get(earlier), value.get(later)
        times = isinstance(a, str) and isinstance(b, str) and RFC3339.fullmatch(a) and RFC3339.fullmatch(b)
        if times and _when(a) > _when(b):
            found.append(f"{where}: {earlier} {a} is after {later} {b}")
    for name, low in value.items():
        match = re.fullmatch(r"min([A-Z_]\w*)", name)
        high = value.get("max" + match.group(1)) if match else None
        if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
            found.append(f"{where}: {name} {low} is above max{match.group(1) if match else ''} {high}")
    lists = {k: v for k, v in value.items() if isinstance(v, list)}
    for name, count in value.items():
        if not isinstance(count, int) or isinstance(count, bool):
            continue
        counted = _counted(name, lists)
        if counted is None:
            continue
        length = len(lists[counted])
        if "total" in name.lower() and count < length:
            found.append(f"{where}: {name} {count} is below the {length} items of {counted}")
        elif "total" not in name.lower() and count != length:
            found.append(f"{where}: {name} {count} is not the {length} items of {counted}")
    for param, given_value in params.items():
        for name in (param, re.sub(r"(?<!^)([A-Z])", r"_\1", param).lower()):
            sub = props.get(name) or {}
            if name in value and sub.get("type") == "string" and "format" not in sub and value[name] != given_value:
                found.append(f"{where}: {name} {value[name]!r} does not echo the parameter {param}={given_value!r}")


def _counted(name: str, lists: Mapping[str, list[Any]]) -> str | None:
    if name in ("total", "total_count", "totalCount", "count") and len(lists) == 1:
        return next(iter(lists))
    match = re.fullmatch(r"(\w+?)(Count|_count)", name)
    if match:
        stem = match.group(1).lower()
        return next((k for k in lists if k.lower() in (stem, stem + "s")), None)
    return None


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
    mock = MockPipeline(Config(access_log=False, seed=seed), built)
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


def test_echo_can_be_turned_off() -> None:
    document, _, _ = _echo_document()
    for setting, echoed in ((None, True), (False, False)):
        if setting is not None:
            document["x-mock-realism"] = {"echo": setting}
        built = _spec_of(document)
        response = MockPipeline(Config(access_log=False), built).handle(PipelineRequest("GET", "/api/things/my-thing"))
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


def test_the_same_request_gives_the_same_bytes_in_another_mock() -> None:
    document, _, _ = _echo_document()
    document["paths"]["/things/{thingName}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "type": "object",
        "properties": dict(FIELD_TEMPLATES),
    }
    first, second = (MockPipeline(Config(access_log=False), _spec_of(document)) for _ in range(2))
    for seed in range(5):
        request = PipelineRequest("GET", "/api/things/x", {"__seed": str(seed)})
        assert first.handle(request).body == second.handle(request).body
    other = PipelineRequest("GET", "/api/things/y", {"__seed": "0"})
    assert first.handle(other).body != first.handle(PipelineRequest("GET", "/api/things/x", {"__seed": "0"})).body
