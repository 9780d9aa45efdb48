"""Validate responses and values against the spec with openapi-core: the one place that knows how.

openapi-core matches request URLs against the spec's `servers`; the bundled spec names the real host, so
validators here are built from a copy whose servers (document, path and operation level) are relative
paths (/v1, /v1/public). Build them once:
constructing an `OpenAPI` costs milliseconds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from openapi_core import Config as OpenAPIConfig
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from pipecat_cloud_mock.spec.loader import HTTP_METHODS, Spec, load_spec


@dataclass(frozen=True)
class Violation:
    where: str  # a JSON path such as "resourceMetrics.cpuMillicoresP50", or "status" / "content-type"
    message: str

    def __str__(self) -> str:
        return f"{self.where or '<body>'}: {self.message}"


def json_path(parts: Iterable[Any]) -> str:
    """sessions["my-agent"]["800d..."].coldStart: identifiers dotted, list indexes bracketed, other keys quoted."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.fullmatch(str(part)):
            text += f".{part}" if text else str(part)
        else:
            text += f"[{json.dumps(str(part))}]"
    return text


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def schema_violations(schema: Mapping[str, Any], value: Any) -> list[Violation]:
    """Every way `value` breaks `schema` (not just the first), each with the JSON path of the offender."""
    validator = OAS30Validator(dict(schema), format_checker=oas30_format_checker)
    errors = sorted(validator.iter_errors(value), key=lambda e: list(map(str, e.absolute_path)))
    return [Violation(json_path(e.absolute_path), e.message) for e in errors]


class ResponseValidator:
    """openapi-core's response validation for any host; `strict` forbids undocumented and missing properties."""

    def __init__(self, spec: Spec | None = None, strict: bool = False) -> None:
        self.spec = spec or load_spec()
        config = (
            OpenAPIConfig(additional_properties_default_policy="forbid", response_properties_default_policy="required")
            if strict
            else OpenAPIConfig()
        )
        self._openapi = OpenAPI.from_dict(relative_servers(self.spec.relative_server_document()), config=config)

    def violations(
        self,
        method: str,
        path: str,
        status: int,
        content_type: str,
        body: bytes,
        request_headers: Mapping[str, str] | None = None,
    ) -> list[Violation]:
        """`path` includes the base path (/v1/agents/...). An empty list means the response keeps the spec."""
        request = MockRequest("http://mock.invalid", method.lower(), path, headers=dict(request_headers or {}))
        response = MockResponse(body, status_code=status, content_type=content_type)
        try:
            self._openapi.validate_response(request, response)
        except Exception as exc:  # openapi-core raises a family of OpenAPIError subclasses
            return _explain(exc)
        return []


def relative_servers(document: dict[str, Any]) -> dict[str, Any]:
    """Path- and operation-level servers made relative too (a copy), so `/v1/public/...` matches on any host."""
    paths = document.get("paths") or {}
    if not any(
        "servers" in item or any(isinstance(op, Mapping) and "servers" in op for op in item.values())
        for item in paths.values()
        if isinstance(item, Mapping)
    ):
        return document
    out = dict(document)
    out["paths"] = {template: _relative_item(item) for template, item in paths.items()}
    return out


def _relative_item(item: Any) -> Any:
    if not isinstance(item, Mapping):
        return item
    out = {key: _relative_item(value) if key in HTTP_METHODS else value for key, value in item.items()}
    if isinstance(item.get("servers"), list):
        out["servers"] = [{"url": urlsplit(str(s.get("url", "/"))).path or "/"} for s in item["servers"]]
    return out


def _explain(exc: BaseException) -> list[Violation]:
    cause = exc.__cause__ or exc
    schema_errors = getattr(cause, "schema_errors", None) or getattr(exc, "schema_errors", None)
    if schema_errors:
        return [Violation(json_path(e.absolute_path), e.message) for e in schema_errors]
    names = {type(exc).__name__, type(cause).__name__}
    where = "status" if "ResponseNotFound" in names else "content-type" if "MediaTypeNotFound" in names else ""
    return [Violation(where, f"{type(cause).__name__}: {cause}")]


@lru_cache(maxsize=4)
def default_validator(strict: bool = False) -> ResponseValidator:
    """A validator of the bundled spec, built once per process."""
    return ResponseValidator(strict=strict)
