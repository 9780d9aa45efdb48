"""Stage 2b: do the path parameters name something that can exist? (A bad one is a 404, as on the real service.)"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker

from ._spec import Operation, Spec


class ParameterChecker:
    """Validators compiled once per path parameter; checking a value then costs microseconds."""

    def __init__(self, spec: Spec) -> None:
        self._validators = {
            (op.operation_id, p.name): OAS30Validator(dict(p.schema), format_checker=oas30_format_checker)
            for op in spec.operations
            for p in op.parameters
            if p.location == "path"
        }

    def problem(self, operation: Operation, params: Mapping[str, str]) -> str | None:
        for name, value in params.items():
            validator = self._validators.get((operation.operation_id, name))
            if validator is not None and not validator.is_valid(_deserialize(value, validator.schema)):
                schema = validator.schema
                expected = schema.get("format") or schema.get("type") or "a valid value"
                return f"{_label(name)} not found: {value[:80]!r} is not a valid {expected}."
        return None


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
