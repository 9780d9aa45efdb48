"""Checks of the spec itself: a valid OpenAPI 3.0 document, every $ref resolves, every example fits its schema."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pipecat_cloud_mock.errors import SpecError
from pipecat_cloud_mock.spec.loader import HTTP_METHODS, resolve_refs
from pipecat_cloud_mock.spec.openapi import Violation, schema_violations


def openapi_problems(document: Mapping[str, Any]) -> list[str]:
    """Every way the document breaks the OpenAPI 3.0 schema (openapi-spec-validator), one line each."""
    from openapi_spec_validator import OpenAPIV30SpecValidator

    if not str(document.get("openapi", "")).startswith("3.0"):
        return [f"openapi: {document.get('openapi')!r} is not 3.0.x"]
    try:
        errors = list(OpenAPIV30SpecValidator(dict(document)).iter_errors())
    except Exception as exc:  # ref resolution errors surface as other exception types
        return [f"{type(exc).__name__}: {exc}"]
    return ["/".join(map(str, e.path)) + ": " + e.message.replace("\n", " ") for e in errors]


def unresolved_refs(document: Mapping[str, Any]) -> list[str]:
    """'$ref at <where> -> <ref>' for every local $ref that points nowhere, and every non-local one."""
    return [f"$ref at {where or '/'} -> {ref!r}" for where, ref in _refs(document, "") if not _resolves(document, ref)]


def _refs(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield where, ref
        for key, value in node.items():
            yield from _refs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _refs(value, f"{where}/{i}")


def _resolves(document: Mapping[str, Any], ref: str) -> bool:
    if not ref.startswith("#/"):
        return False
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def examples_with_schemas(document: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any], Any]]:
    """(where, schema, example) for every example in responses, parameters and component schemas."""
    for template, item in (document.get("paths") or {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method) if isinstance(item, Mapping) else None
            if not isinstance(operation, Mapping):
                continue
            for status, response in (operation.get("responses") or {}).items():
                for media_name, media in (response.get("content") or {}).items():
                    where = f"{method.upper()} {template} {status} {media_name}"
                    yield from _media_examples(document, where, media)
            for parameter in operation.get("parameters") or ():
                if "example" in parameter and "schema" in parameter:
                    where = f"{method.upper()} {template} parameter {parameter.get('name')}"
                    yield where, _resolved(document, parameter["schema"]), parameter["example"]
    for name, schema in ((document.get("components") or {}).get("schemas") or {}).items():
        if isinstance(schema, Mapping) and "example" in schema:
            yield f"components/schemas/{name}", _resolved(document, schema), schema["example"]


def _media_examples(document: Mapping[str, Any], where: str, media: Mapping[str, Any]) -> Iterator[Any]:
    schema = media.get("schema")
    if schema is None:
        return
    resolved = _resolved(document, schema)
    if "example" in media:
        yield where + " example", resolved, media["example"]
    for name, example in (media.get("examples") or {}).items():
        value = _resolved(document, example)
        if isinstance(value, Mapping) and "value" in value:
            yield f"{where} examples/{name}", resolved, value["value"]


def _resolved(document: Mapping[str, Any], node: Any) -> Any:
    try:
        return resolve_refs(document, node)
    except SpecError:
        return {}  # an unresolved $ref is reported by unresolved_refs(); the example is then not checkable


def example_violations(document: Mapping[str, Any]) -> list[tuple[str, Violation]]:
    return [
        (where, violation)
        for where, schema, example in examples_with_schemas(document)
        for violation in schema_violations(schema, example)
    ]
