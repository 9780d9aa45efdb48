"""Stage 2b: do the path parameters name something that can exist? (A bad one is a 404, as on the real service.)

Then the rest of the request: query and header parameters and the body, against the operation's schemas
(a bad one is the operation's documented 400 or 422, naming the field and what is accepted).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from openapi_schema_validator import OAS30Validator, OAS31Validator, oas30_format_checker, oas31_format_checker

from pipecat_cloud_mock.spec.loader import Operation, Parameter, RequestBody, Spec

# Keywords that never make a string invalid.
_ANNOTATIONS = frozenset({"type", "format", "description", "title", "example", "examples", "deprecated"})
_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class ParameterChecker:
    """Validators compiled once per path parameter; checking a value then costs microseconds."""

    def __init__(self, spec: Spec) -> None:
        make = _validator_factory(spec)
        self._validators = {
            (op.operation_id, p.name): make(p.schema)
            for op in spec.operations
            for p in op.parameters
            if p.location == "path"
        }
        self._checks = {key: _simple_check(v.schema) or _full_check(v) for key, v in self._validators.items()}

    def problem(self, operation: Operation, params: Mapping[str, str]) -> str | None:
        found = self.invalid(operation, params)
        if found is None:
            return None
        name, value, schema = found
        expected = schema.get("format") or schema.get("type") or "a valid value"
        return f"{_label(name)} not found: {value[:80]!r} is not a valid {expected}."

    def invalid(self, operation: Operation, params: Mapping[str, str]) -> tuple[str, str, Mapping[str, Any]] | None:
        """The first path parameter whose value its schema refuses: (name, value, schema)."""
        for name, value in params.items():
            validator = self._validators.get((operation.operation_id, name))
            if validator is not None and not self._checks[(operation.operation_id, name)](value):
                return name, value, validator.schema
        return None


def _simple_check(schema: Mapping[str, Any]) -> Callable[[str], bool] | None:
    """A string schema with at most a format (`agentName`, `sessionId` here) needs no full validator run.

    Path values are always strings, so only the format can fail, checked by the validator's own format checker
    (an unknown format passes, as in the validator). A full jsonschema run costs several times more, most of
    all in a server, where its code is no longer in the CPU caches. Anything richer keeps the full validator.
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
    if kind == "integer" and re.fullmatch(r"-?\d{1,4000}", value):
        return int(value)
    if kind == "number" and re.fullmatch(r"-?\d{1,300}(\.\d{1,300})?([eE][-+]?\d{1,3})?", value):
        return float(value)
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


@dataclass(frozen=True)
class RequestProblem:
    """Why a request breaks its operation's parameters or body, and the status that says so."""

    status: int  # the operation's documented 400, else its 422, else 400
    where: str  # "body.autoScaling.minAgents", "query.limit", "header.x-request-id"
    message: str  # names the field and what is accepted


class RequestChecker:
    """Query, header and body checks, compiled once; only operations with something to check are looked at.

    Path parameters stay with `ParameterChecker` (a bad one names nothing: 404). An operation with no request
    body and no constrained query or header parameter (the bundled GET session) costs one set lookup.
    """

    def __init__(self, spec: Spec) -> None:
        make = _validator_factory(spec)
        self._params: dict[str, tuple[tuple[Parameter, Any], ...]] = {}
        self._bodies: dict[str, tuple[RequestBody, dict[str, Any]]] = {}
        for op in spec.operations:
            params = tuple(
                (p, make(p.schema))
                for p in op.parameters
                if p.location in ("query", "header") and (p.required or _constrains(p.schema))
            )
            if params:
                self._params[op.operation_id] = params
            if op.request_body is not None:
                validators = {name: make(schema) for name, schema in op.request_body.content.items() if schema}
                self._bodies[op.operation_id] = (op.request_body, validators)
        self.checked = frozenset(self._params) | frozenset(self._bodies)
        # A bad path value is a 404, as on the real service, unless the operation documents no 404 but a 400/422.
        self.no_404 = frozenset(
            op.operation_id
            for op in spec.operations
            if "404" not in op.responses and ("400" in op.responses or "422" in op.responses)
        )

    def path_problem(self, operation: Operation, name: str, value: str, schema: Mapping[str, Any]) -> RequestProblem:
        where = f"path.{name}"
        message = f"{where}: {value[:60]!r} is not accepted. Accepted: {_accepted(schema)}."
        return RequestProblem(_invalid_status(operation), where, message)

    def problem(
        self,
        operation: Operation,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> RequestProblem | None:
        status = _invalid_status(operation)
        for param, validator in self._params.get(operation.operation_id, ()):
            source = query if param.location == "query" else headers
            key = param.name if param.location == "query" else param.name.lower()
            where = f"{param.location}.{param.name}"
            if key not in source:
                if param.required:
                    return RequestProblem(status, where, f"{where} is required. Accepted: {_accepted(param.schema)}.")
                continue
            value = _deserialize(source[key], param.schema)
            error = _first_error(validator, value)
            if error is not None:
                return RequestProblem(status, where, _describe(where, error, source[key]))
        if operation.operation_id in self._bodies:
            return self._body_problem(status, *self._bodies[operation.operation_id], headers, body)
        return None

    def _body_problem(
        self, status: int, spec: RequestBody, validators: Mapping[str, Any], headers: Mapping[str, str], body: bytes
    ) -> RequestProblem | None:
        accepted = ", ".join(spec.content) or "any media type"
        if not body:
            if spec.required:
                return RequestProblem(status, "body", f"a request body is required. Accepted: {accepted}.")
            return None
        media = (headers.get("content-type") or "application/json").split(";")[0].strip().lower()
        name = _match_media(media, spec.content)
        if name is None:
            return RequestProblem(status, "body", f"content type {media!r} is not accepted. Accepted: {accepted}.")
        validator = validators.get(name)
        if validator is None or not _is_json(name):
            return None
        try:  # the standard library's parser: integers of any size stay integers
            value = json.loads(body)
        except (ValueError, RecursionError) as exc:
            return RequestProblem(status, "body", f"the request body is not valid JSON ({exc}). Accepted: {name}.")
        error = _first_error(validator, value)
        if error is None:
            return None
        where = "body" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        return RequestProblem(status, where, _describe(where, error, None))


def _validator_factory(spec: Spec) -> Callable[[Mapping[str, Any]], Any]:
    if spec.openapi_31:
        return lambda schema: OAS31Validator(dict(schema), format_checker=_OAS31_FORMATS)
    return lambda schema: OAS30Validator(dict(schema), format_checker=_OAS30_FORMATS)


def _is_uri(value: object) -> bool:
    """An absolute URI: a scheme, then something (jsonschema checks `uri` only with an optional package)."""
    return not isinstance(value, str) or _URI.match(value) is not None


_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+\Z")
_OAS30_FORMATS = copy.deepcopy(oas30_format_checker)
_OAS31_FORMATS = copy.deepcopy(oas31_format_checker)
for _checker in (_OAS30_FORMATS, _OAS31_FORMATS):
    if "uri" not in _checker.checkers:
        _checker.checks("uri")(_is_uri)


def _constrains(schema: Mapping[str, Any]) -> bool:
    """Any keyword that can make a text value invalid (a plain string, or one with a format we ignore, cannot)."""
    return schema.get("type") not in (None, "string") or not set(schema) <= _ANNOTATIONS | {"default"}


def _invalid_status(operation: Operation) -> int:
    documented = operation.responses
    return 400 if "400" in documented else 422 if "422" in documented else 400


def _match_media(media: str, accepted: Mapping[str, Any]) -> str | None:
    for name in accepted:
        plain = name.split(";")[0].strip().lower()
        if plain == media or plain == "*/*" or (plain.endswith("/*") and media.startswith(plain[:-1])):
            return name
    return None


def _is_json(name: str) -> bool:
    plain = name.split(";")[0].strip().lower()
    return plain == "application/json" or plain.endswith("+json") or plain == "*/*"


def _first_error(validator: Any, value: Any) -> Any:
    errors = sorted(validator.iter_errors(value), key=lambda e: (len(e.absolute_path), list(map(str, e.path))))
    return errors[0] if errors else None


def _describe(where: str, error: Any, raw: str | None) -> str:
    shown = f"{raw[:60]!r}" if raw is not None else _short(error.instance)
    if error.validator == "required":
        return f"{where}: {error.message}. Accepted: {_accepted(error.schema)}."
    if error.validator == "additionalProperties":
        return f"{where}: {error.message}. Accepted: only {', '.join(error.schema.get('properties') or {}) or 'none'}."
    return f"{where}: {shown} is not accepted. Accepted: {_accepted(error.schema)}."


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _accepted(schema: Mapping[str, Any]) -> str:
    """What a schema accepts, in words: "one of a, b", "an integer from 1 to 100", "a string (uuid)"."""
    if "enum" in schema:
        return "one of " + ", ".join(map(str, schema["enum"]))
    kind = schema.get("type")
    kind = "/".join(kind) if isinstance(kind, list) else kind
    if kind in ("integer", "number"):
        low, high = schema.get("minimum"), schema.get("maximum")
        span = f" from {low} to {high}" if low is not None and high is not None else ""
        span = span or (f" of at least {low}" if low is not None else f" of at most {high}" if high is not None else "")
        return f"{'an integer' if kind == 'integer' else 'a number'}{span}"
    if kind == "string":
        details = [schema["format"]] if "format" in schema else []
        if "pattern" in schema:
            details.append(f"matching {schema['pattern']}")
        if "minLength" in schema or "maxLength" in schema:
            details.append(f"{schema.get('minLength', 0)} to {schema.get('maxLength', 'any')} characters")
        return "a string" + (f" ({', '.join(details)})" if details else "")
    if kind == "object" or "properties" in schema:
        required = schema.get("required") or []
        return "an object" + (f" with {', '.join(required)}" if required else "")
    if kind == "array":
        return f"a list of {_accepted(schema.get('items') or {})}"
    return f"a {kind}" if kind else "a value of the documented schema"
