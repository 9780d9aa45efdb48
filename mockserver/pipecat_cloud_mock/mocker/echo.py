"""Echo: a path or query parameter reappears in the response fields that name it.

`{sessionId}` lands in `sessionId`/`session_id`, `{buildId}` in the resource's own `id`, `{agentName}` in
`name` and in `serviceName` (agent and service are used for one thing), a `?region=` filter in every listed
item's `region`. The plan is compiled once per response schema; a value that would break the field's
schema (a path value that is not a UUID where the field wants one) is not echoed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from openapi_schema_validator import OAS30Validator, OAS31Validator, oas30_format_checker, oas31_format_checker

from pipecat_cloud_mock.mocker.realism import Hints, disabled_rules
from pipecat_cloud_mock.mocker.walker import MISSING, compile_schema
from pipecat_cloud_mock.spec.loader import Operation

# Words a spec uses for one thing; a parameter named with one echoes into a field named with the other.
SYNONYMS: tuple[tuple[str, str], ...] = (("agent", "service"), ("service", "agent"))
_ITEMS = "[]"
_MAX_DEPTH = 8


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _names_for(param: str) -> set[str]:
    plain = _norm(param)
    names = {plain}
    for word, other in SYNONYMS:
        if plain.startswith(word):
            names.add(other + plain[len(word) :])
    return names


@dataclass(frozen=True)
class _Target:
    path: tuple[str, ...]  # keys from the body's root; "[]" steps into every item of a list
    param: str
    location: str
    accepts: Callable[[str], Any]  # the value typed for the field, or MISSING when the field cannot take it


def _accepts(schema: Mapping[str, Any], openapi_31: bool) -> Callable[[str], Any]:
    validator = (
        OAS31Validator(dict(schema), format_checker=oas31_format_checker)
        if openapi_31
        else OAS30Validator(dict(schema), format_checker=oas30_format_checker)
    )
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind

    def typed(text: str) -> Any:
        value: Any = text
        if kind == "integer" and re.fullmatch(r"-?\d{1,18}", text):
            value = int(text)
        elif kind == "number" and re.fullmatch(r"-?\d{1,18}(\.\d{1,18})?", text):
            value = float(text)
        elif kind == "boolean" and text in ("true", "false"):
            value = text == "true"
        return value if validator.is_valid(value) else MISSING

    return typed


def _walk(
    schema: Mapping[str, Any], path: tuple[str, ...], depth: int, inside: frozenset[int] = frozenset()
) -> Iterator[tuple[tuple[str, ...], str, Mapping[str, Any], bool]]:
    """(path, field name, field schema, inside a list) for every property in the schema.

    A recursive schema is walked once: its copies below (a tree node's children) are other resources.
    """
    if depth > _MAX_DEPTH or id(schema) in inside or disabled_rules(schema, frozenset()) >= {"echo"}:
        return
    inside = inside | {id(schema)}
    for part in schema.get("allOf") or ():
        yield from _walk(part, path, depth + 1, inside)
    for combinator in ("oneOf", "anyOf"):
        parts = [p for p in schema.get(combinator) or () if p.get("type") != "null"]
        if parts:
            yield from _walk(parts[0], path, depth + 1, inside)
    if isinstance(schema.get("items"), Mapping):
        yield from _walk(schema["items"], (*path, _ITEMS), depth + 1, inside)
    for name, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, Mapping):
            continue
        yield (*path, name), name, sub, _ITEMS in path
        yield from _walk(sub, (*path, name), depth + 1, inside)


def echo_targets(schema: Mapping[str, Any] | None, operation: Operation, openapi_31: bool) -> tuple[_Target, ...]:
    if not schema:
        return ()
    params = [p for p in operation.parameters if p.location in ("path", "query")]
    targets = []
    for path, field, sub, in_list in _walk(schema, (), 0):
        if sub.get("type") in ("object", "array") or "properties" in sub:
            continue
        for param in params:
            if _matches(field, param.name, param.location, len(path), in_list):
                targets.append(_Target(path, param.name, param.location, _accepts(sub, openapi_31)))
                break
    return tuple(targets)


def _matches(field: str, param: str, location: str, depth: int, in_list: bool) -> bool:
    if _norm(field) in _names_for(param):
        return location == "path" or in_list or depth == 1  # a query filter: the listed items, or a top field
    # The resource a path names: its own `name` or `id`, at the top or in the one object the body wraps it in.
    if location != "path" or in_list or depth > 2:
        return False
    plain = _norm(param)
    return (field == "name" and plain.endswith("name")) or (field == "id" and plain.endswith("id"))


def _set(node: Any, path: tuple[str, ...], value: Any) -> None:
    if not path:
        return
    key, rest = path[0], path[1:]
    if key == _ITEMS:
        for item in node if isinstance(node, list) else ():
            _set(item, rest, value)
    elif isinstance(node, dict):
        if not rest:
            node[key] = value
        elif key in node:
            _set(node[key], rest, value)


class BodyGenerator:
    """A response schema compiled once: a generated value, then the request's parameters echoed into it."""

    def __init__(
        self,
        schema: Mapping[str, Any] | None,
        operation: Operation,
        hints: Hints,
        openapi_31: bool = False,
        examples: Iterable[Any] = (),
    ) -> None:
        self._generate = compile_schema(schema, keep_extra=False, hints=hints.aligned_to(schema, examples))
        self._targets = () if "echo" in hints.disabled else echo_targets(schema, operation, openapi_31)

    def __call__(
        self,
        rng: random.Random,
        provided: Any,
        path_params: Mapping[str, str],
        query: Mapping[str, str] | None = None,
    ) -> Any:
        value = self._generate(rng, provided)
        # A provider (SessionResponse's realism layer) or fixture decides its own ids: nothing to echo.
        if provided is not MISSING or not self._targets:
            return value
        for target in self._targets:
            given = (path_params if target.location == "path" else query or {}).get(target.param)
            if given is None:
                continue
            typed = target.accepts(given)
            if typed is not MISSING:
                _set(value, target.path, typed)
        return value


_MESSAGE_FIELDS = ("error", "message", "detail", "title", "description", "msg", "reason")


def message_fields(schema: Mapping[str, Any] | None, message: str, status: int) -> Any:
    """Values for an error body of any shape: the message in its message field, the status in its code."""
    props = (schema or {}).get("properties") or {}
    out: dict[str, Any] = {}
    for name in _MESSAGE_FIELDS:
        if (props.get(name) or {}).get("type") == "string":
            out[name] = message
            break
    code = props.get("code") or props.get("status") or {}
    key = "code" if "code" in props else "status"
    if code.get("type") == "string" and "enum" not in code and "format" not in code:
        out[key] = str(status)
    elif code.get("type") == "integer":
        out[key] = status
    return out or MISSING


def error_message(status: int, reason: str | None, spec_example: Any) -> str:
    """The message of an error body: the reason asked for, else the spec example's first wording, else a default."""
    if reason:
        return reason
    if isinstance(spec_example, dict) and isinstance(spec_example.get("error"), str):
        message: str = spec_example["error"]
        return message.split(" / ")[0]
    return _STATUS_MESSAGES.get(status, f"HTTP {status}")


# Statuses the spec does not document but the mock can be asked for; 401/403 follow from `security`.
_STATUS_MESSAGES = {
    401: "Unauthorized. Send 'Authorization: Bearer <your private API key>'.",
    403: "Forbidden. This API key may not access this resource.",
    404: "Not found",
    500: "Internal server error",
}
