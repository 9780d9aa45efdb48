"""`$ref`s of any depth: responses, parameters, request bodies and schemas reached through chains of references
are served as if written in place; a reference to nothing or a bare loop of references is one line at start-up
naming the operation and the reference (exit status 2); a recursive schema (a tree node) is served."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pipecat_cloud_mock import Config, SpecError, load_spec
from pipecat_cloud_mock.cli.main import main
from pipecat_cloud_mock.pipeline.mock import MockPipeline, PipelineRequest
from pipecat_cloud_mock.spec.openapi import ResponseValidator

OPERATION = "operation getThing (GET /things/{thingId})"
KINDS = ("responses", "parameters", "requestBodies", "schemas")


def document(depth: int = 1) -> dict[str, Any]:
    """A spec whose response, error response, parameter, request body and schema each sit `depth` references
    away from the operation: the operation names `X1`, `X1` is a $ref to `X2`, ..., `X<depth>` is the object."""
    objects = {
        "responses": {
            "Ok": {"description": "the thing", "content": {"application/json": {"schema": _ref("schemas", "Thing")}}},
            "Unauthorized": {
                "description": "no key",
                "content": {"application/json": {"schema": _ref("schemas", "Problem")}},
            },
        },
        "parameters": {
            "ThingId": {"name": "thingId", "in": "path", "required": True, "schema": {"type": "string"}},
            "Verbose": {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
        },
        "requestBodies": {
            "Change": {
                "required": True,
                "content": {"application/json": {"schema": _ref("schemas", "ThingChange")}},
            }
        },
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["thingId", "size"],
                "properties": {
                    "thingId": {"type": "string"},
                    "size": {"type": "integer", "minimum": 1, "maximum": 9},
                    "createdAt": {"type": "string", "format": "date-time"},
                },
            },
        },
    }
    components: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
    for kind, named in objects.items():
        for name, value in named.items():
            for level in range(1, depth):
                components[kind][f"{name}{level}"] = _ref(kind, f"{name}{level + 1}", chained=False)
            components[kind][f"{name}{depth}"] = value
    components["schemas"]["Problem1"] = {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}, "code": {"type": "string"}},
    }
    components["schemas"]["ThingChange1"] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"size": {"type": "integer", "minimum": 1, "maximum": 9}},
    }
    operation = {
        "operationId": "getThing",
        "parameters": [_ref("parameters", "ThingId"), _ref("parameters", "Verbose")],
        "responses": {"200": _ref("responses", "Ok"), "401": _ref("responses", "Unauthorized")},
    }
    change = {
        "operationId": "changeThing",
        "parameters": [_ref("parameters", "ThingId")],
        "requestBody": _ref("requestBodies", "Change"),
        "responses": {"200": _ref("responses", "Ok"), "400": _ref("responses", "Unauthorized")},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "things", "version": "1"},
        "servers": [{"url": "/api"}],
        "paths": {"/things/{thingId}": {"get": operation, "patch": change}},
        "components": components,
    }


def _ref(kind: str, name: str, chained: bool = True) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}{'1' if chained else ''}"}


def write(tmp_path: Path, doc: dict[str, Any], name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False) if name.endswith(".yaml") else json.dumps(doc))
    return path


def refs_left(node: Any, seen: set[int] | None = None) -> Iterator[str]:
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from refs_left(value, seen)
    elif isinstance(node, list):
        for value in node:
            yield from refs_left(value, seen)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_chains_of_references_are_served_as_if_written_in_place(tmp_path: Path, depth: int) -> None:
    spec = load_spec(write(tmp_path, document(depth)))
    get, patch = spec.operation("getThing"), spec.operation("changeThing")
    assert [(p.name, p.location, p.schema) for p in get.parameters] == [
        ("thingId", "path", {"type": "string"}),
        ("verbose", "query", {"type": "boolean"}),
    ]
    ok, unauthorized = get.responses["200"], get.responses["401"]
    assert (ok.description, unauthorized.description) == ("the thing", "no key")
    assert ok.content[0].schema is not None
    assert ok.content[0].schema["required"] == ["thingId", "size"]
    assert unauthorized.content[0].schema == document()["components"]["schemas"]["Problem1"]
    assert patch.request_body is not None
    assert patch.request_body.required
    assert patch.request_schema == document()["components"]["schemas"]["ThingChange1"]
    assert list(refs_left([get, patch, [o.responses for o in spec.operations]])) == []
    assert list(refs_left([op.parameters for op in spec.operations])) == []


@pytest.mark.parametrize("depth", [2, 3])
def test_the_mock_answers_every_status_and_checks_the_body_through_the_chains(tmp_path: Path, depth: int) -> None:
    spec = load_spec(write(tmp_path, document(depth), "spec.json"))
    mock, validator = MockPipeline(Config(access_log=False), spec), ResponseValidator(spec)
    auth = {"authorization": "Bearer x"}
    for status in (200, 401):
        response = mock.handle(PipelineRequest("GET", "/api/things/t-1", {}, {**auth, "prefer": f"code={status}"}))
        assert response.status == status, response.body
        assert validator.violations("GET", "/api/things/t-1", status, response.media_type, response.body) == []
        body = json.loads(response.body)
        assert ("error" in body) == (status == 401)
        if status == 200:
            assert body["thingId"] == "t-1"  # the path parameter, reached through its chain, is echoed
            assert 1 <= body["size"] <= 9
    json_headers = {**auth, "content-type": "application/json"}
    good = mock.handle(PipelineRequest("PATCH", "/api/things/t-1", {}, json_headers, b'{"size": 3}'))
    assert good.status == 200, good.body
    bad = mock.handle(PipelineRequest("PATCH", "/api/things/t-1", {}, json_headers, b'{"size": 30}'))
    assert bad.status == 400, bad.body
    assert "body.size" in json.loads(bad.body)["error"]


def _broken(kind: str, depth: int) -> dict[str, Any]:
    """The chain of `kind` whose last link points at a component that does not exist."""
    doc = document(depth)
    first = {"responses": "Unauthorized", "parameters": "Verbose", "requestBodies": "Change", "schemas": "Thing"}[kind]
    doc["components"][kind][f"{first}{depth - 1}"] = {"$ref": f"#/components/{kind}/Gone"}
    return doc


def assert_refused(tmp_path: Path, doc: dict[str, Any], *expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Refused when the mock is built (the loader, or the body factory for a schema no value fits), and by serve."""
    path = write(tmp_path, doc)
    with pytest.raises(SpecError) as caught:
        MockPipeline(Config(access_log=False), load_spec(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    for part in expected:
        assert part in message
    assert main(["serve", "--spec", str(path), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    [line] = err.strip().splitlines()
    for part in expected:
        assert part in line


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("depth", [2, 3])
def test_a_reference_to_nothing_is_one_line_naming_the_operation_and_the_reference(
    tmp_path: Path, kind: str, depth: int, capsys: pytest.CaptureFixture[str]
) -> None:
    operation = "operation changeThing (PATCH /things/{thingId})" if kind == "requestBodies" else OPERATION
    assert_refused(
        tmp_path, _broken(kind, depth), operation, f"'#/components/{kind}/Gone' points at nothing", capsys=capsys
    )


@pytest.mark.parametrize("loop", [1, 2, 3])
def test_a_bare_loop_of_references_is_one_line_naming_it(
    tmp_path: Path, loop: int, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = document()
    names = [f"Loop{i}" for i in range(loop)]
    for i, name in enumerate(names):
        doc["components"]["schemas"][name] = {"$ref": f"#/components/schemas/{names[(i + 1) % loop]}"}
    doc["components"]["schemas"]["Thing1"]["properties"]["odd"] = {"$ref": "#/components/schemas/Loop0"}
    path = " -> ".join(f"#/components/schemas/{n}" for n in [*names, names[0]])
    assert_refused(tmp_path, doc, OPERATION, f"leads back to itself with nothing in between ({path})", capsys=capsys)


def _tree(doc: dict[str, Any], depth: int = 1) -> dict[str, Any]:
    """Thing becomes a tree node: an optional parent and children that are Things again (through its chain)."""
    tree = copy.deepcopy(doc)
    props = tree["components"]["schemas"][f"Thing{depth}"]["properties"]
    props["parent"] = {"$ref": "#/components/schemas/Thing1"}
    props["children"] = {"type": "array", "items": {"$ref": "#/components/schemas/Thing1"}}
    props["related"] = {"nullable": True, "allOf": [{"$ref": "#/components/schemas/Thing1"}]}
    return tree


def _depth(node: Any) -> int:
    if isinstance(node, dict):
        return 1 + max((_depth(v) for v in node.values()), default=0)
    if isinstance(node, list):
        return max((_depth(v) for v in node), default=0)
    return 0


def test_a_recursive_schema_is_served_valid_and_finite(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, _tree(document(2), 2)))
    schema = spec.operation("getThing").responses["200"].content[0].schema
    assert schema is not None
    assert schema["properties"]["children"]["items"] is schema  # a graph with a cycle, not an endless copy
    mock, validator = MockPipeline(Config(access_log=False), spec), ResponseValidator(spec)
    nested = 0
    others: set[str] = set()
    for seed in range(30):
        response = mock.handle(PipelineRequest("GET", "/api/things/t-1", {"__seed": str(seed)}, {"authorization": "x"}))
        assert response.status == 200, response.body
        assert validator.violations("GET", "/api/things/t-1", 200, response.media_type, response.body) == []
        body = json.loads(response.body)
        nested = max(nested, _depth(body))
        assert _depth(body) <= 8
        assert body["thingId"] == "t-1"  # the path names the top node, not its children and parents
        others.update(child["thingId"] for child in body.get("children", []))
    assert nested >= 3  # the recursion is generated, not always left out
    assert others - {"t-1"}


def test_a_recursion_required_at_every_level_has_no_value_and_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _tree(document())
    doc["components"]["schemas"]["Thing1"]["required"] = ["thingId", "size", "parent"]
    assert_refused(tmp_path, doc, "operation getThing (GET /things/{thingId}), response 200", "itself", capsys=capsys)


def test_a_document_that_contains_itself_through_yaml_aliases_is_refused_not_looped_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = yaml.safe_dump(document()).replace(
        "schema:\n            $ref: '#/components/schemas/Thing1'",
        "schema: &loop {type: object, properties: {self: *loop}}",
        1,
    )
    assert "&loop" in text
    path = tmp_path / "alias.yaml"
    path.write_text(text)
    with pytest.raises(SpecError):
        load_spec(path)
    assert main(["serve", "--spec", str(path), "--port", "0"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert str(path) in line
