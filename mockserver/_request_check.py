"""Stage 2b: do the path parameters name something that can exist? (A bad one is a 404, as on the real service.)"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker

from ._spec import Operation, Spec

# Keywords that never make a string invalid.
_ANNOTATIONS = frozenset({"type", "format", "description", "title", "example", "examples", "deprecated"})
_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class ParameterChecker:
    """Validators compiled once per path parameter; checking a value then costs microseconds."""

    def __init__(self, spec: Spec) -> None:
        self._validators = {
            (op.operation_id, p.name): OAS30Validator(dict(p.schema), format_checker=oas30_format_checker)
            for op in spec.operations
            for p in op.parameters
            if p.location == "path"
        }
        self._checks = {key: _simple_check(v.schema) or _full_check(v) for key, v in self._validators.items()}

    def problem(self, operation: Operation, params: Mapping[str, str]) -> str | None:
        for name, value in params.items():
            validator = self._validators.get((operation.operation_id, name))
            if validator is not None and not self._checks[(operation.operation_id, name)](value):
                schema = validator.schema
                expected = schema.get("format") or schema.get("type") or "a valid value"
                return f"{_label(name)} not found: {value[:80]!r} is not a valid {expected}."
        return None


def _simple_check(schema: Mapping[str, Any]) -> Callable[[str], bool] | None:
    """A string schema with at most a format (`agentName`, `sessionId` here) needs no full validator run.

    Path values are always strings, so only the format can fail, checked by the validator's own format checker
    (an unknown format passes, as in the validator). A full jsonschema run cost ~4 us, and ~25 us in a
    server where its code is no longer in the CPU caches. Anything richer keeps the full validator.
    """
    if schema.get("type") != "string" or not set(schema) <= _ANNOTATIONS:
        return None
    fmt = schema.get("format")
    if fmt is None:
        return lambda value: True
    if fmt == "uuid":  # the canonical form, which the checker always accepts, without building a UUID
        canonical = _CANONICAL_UUID.fullmatch
        return lambda value: canonical(value) is not None or oas30_format_checker.conforms(value, fmt)
    return lambda value: oas30_format_checker.conforms(value, fmt)


def _full_check(validator: OAS30Validator) -> Callable[[str], bool]:
    return lambda value: bool(validator.is_valid(_deserialize(value, validator.schema)))


def _label(name: str) -> str:
    base = name[:-2] if name.endswith("Id") else name
    return base[:1].upper() + base[1:]


def _deserialize(value: str, schema: Mapping[str, Any]) -> Any:
    """Path parameters arrive as text; OpenAPI's simple style gives integers, numbers and booleans their type."""
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"-?\d{1,30}", value):
        return int(value)
    if kind == "number" and re.fullmatch(r"-?\d{1,30}(\.\d{1,30})?([eE][-+]?\d{1,3})?", value):
        return float(value)
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value
