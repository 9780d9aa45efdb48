"""Load the OpenAPI document once, check it, and expose its operations as plain data.

This is the only module that reads the spec; everything else asks it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from pipecat_cloud_mock.errors import SpecError
from pipecat_cloud_mock.spec.overlay import apply_overlay
from pipecat_cloud_mock.spec.refs import check_refs, target
from pipecat_cloud_mock.spec.refs import resolve_refs as resolve_refs  # also the contract kit's

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_MAX_NESTING = 256


def bundled_spec_path() -> Path:
    """The spec shipped with the package (wheel) or beside it (source checkout)."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "bundled_spec" / "pipecat-cloud.yaml"
    return installed if installed.is_file() else package.parents[1] / "spec" / "pipecat-cloud.yaml"


@dataclass(frozen=True)
class MediaType:
    name: str
    schema: Mapping[str, Any] | None  # with every $ref expanded
    examples: Mapping[str, Any]  # a lone `example` is listed under the name "default"
    schema_name: str | None = None  # "SessionResponse" when the schema is a $ref to components/schemas


@dataclass(frozen=True)
class ResponseSpec:
    status: str
    description: str
    content: tuple[MediaType, ...]

    def media_type(self, name: str = "application/json") -> MediaType | None:
        return next((m for m in self.content if m.name == name), self.content[0] if self.content else None)


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class RequestBody:
    required: bool
    content: Mapping[str, Mapping[str, Any] | None]  # schema by media type, every $ref expanded


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # the template relative to the server, e.g. /agents/{agentName}/sessions/{sessionId}
    operation_id: str
    parameters: tuple[Parameter, ...]
    responses: Mapping[str, ResponseSpec]
    security: tuple[Mapping[str, Any], ...]  # requirement objects; empty means no auth
    request_body: RequestBody | None = None
    # The path part of the operation's own server (operation- or path-level `servers`), e.g. /v1/public;
    # None: the document's (Spec.base_path).
    base_path: str | None = None

    @property
    def request_schema(self) -> Mapping[str, Any] | None:
        """The JSON request body's schema, $refs expanded."""
        return self.request_body.content.get("application/json") if self.request_body else None

    @property
    def documented_statuses(self) -> tuple[int, ...]:
        return tuple(sorted(int(s) for s in self.responses if s.isdigit()))

    @property
    def answerable_statuses(self) -> tuple[int, ...]:
        """What the mock may answer it with: the documented statuses, and 401 when it declares security (the spec
        implies it). Prefer code=, stub and fixture statuses and recordings are all held to these."""
        return tuple(sorted({*self.documented_statuses, *((401,) if self.security else ())}))


@dataclass(frozen=True)
class Spec:
    path: Path
    document: Mapping[str, Any] = field(repr=False)
    base_path: str  # path part of the first server URL, e.g. /v1
    operations: tuple[Operation, ...]
    security_schemes: Mapping[str, Mapping[str, Any]]

    @property
    def openapi_31(self) -> bool:
        return str(self.document.get("openapi", "")).startswith("3.1")

    def has_schema(self, name: str) -> bool:
        return name in ((self.document.get("components") or {}).get("schemas") or {})

    def schema(self, name: str) -> Mapping[str, Any]:
        try:
            schema: Mapping[str, Any] = resolve_refs(self.document, self.document["components"]["schemas"][name])
        except KeyError:
            raise SpecError(self.path, f"no schema named {name!r} under components/schemas") from None
        return schema

    def operation(self, operation_id: str) -> Operation:
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(operation_id)

    def relative_server_document(self) -> dict[str, Any]:
        """A copy whose server is just the base path, so validators accept any host (127.0.0.1 included)."""
        doc = copy.deepcopy(dict(self.document))
        doc["servers"] = [{"url": self.base_path or "/"}]
        for item in (doc.get("paths") or {}).values():
            for node in (item, *(item.get(m) for m in HTTP_METHODS)):
                if isinstance(node, dict) and node.get("servers"):
                    node["servers"] = [{"url": _server_path(node["servers"]) or "/"}]
        return doc

    def full_path(self, operation: Operation) -> str:
        """The operation's path template under its server, e.g. /v1/public/{agentName}/start."""
        return (self.base_path if operation.base_path is None else operation.base_path) + operation.path


def bundled_overlay_paths() -> tuple[Path, ...]:
    """Overlays applied to the bundled spec: the official SDK's organization-scoped session path."""
    return (bundled_spec_path().with_name("sdk-overlay.yaml"),)


def load_spec(path: str | Path | None = None, overlays: tuple[str | Path, ...] | None = None) -> Spec:
    """Read, overlay, validate and index an OpenAPI 3.0 or 3.1 document (YAML or JSON); raise SpecError with one
    clear line otherwise, naming the operation and the feature when one operation is what the mock cannot serve.

    `overlays` default: the bundled overlays for the bundled spec, none for a spec you name.
    """
    spec_path = Path(path) if path is not None else bundled_spec_path()
    document = _read_document(spec_path)
    for overlay in bundled_overlay_paths() if overlays is None and path is None else overlays or ():
        document = apply_overlay(document, _read_document(Path(overlay)), overlay)
    _refuse_unsupported(spec_path, document)
    _validate_document(spec_path, document)
    try:
        return _index(spec_path, document)
    except SpecError as exc:  # raised deep in $ref resolution, which does not know the file
        raise SpecError(spec_path, exc.problem) from None


def _read_document(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(path, f"cannot read the file ({exc.__class__.__name__}: {exc})") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(path, "not valid YAML or JSON: " + _one_line(str(exc))) from None
    if not isinstance(document, dict):
        raise SpecError(path, f"expected an OpenAPI document (a mapping), got {type(document).__name__}")
    return document


def _refuse_unsupported(path: Path, document: Mapping[str, Any]) -> None:
    """Features the mock cannot serve, found before the validator tries them (it would fetch a remote $ref)."""
    for template, item in (document.get("paths") or {}).items():
        if not isinstance(item, Mapping):
            continue
        for method in HTTP_METHODS:
            if isinstance(item.get(method), Mapping):
                where = f"operation {item[method].get('operationId') or method + ' ' + template}"
                _refuse_external_refs(path, f"{where} ({method.upper()} {template})", item[method])
        _refuse_external_refs(path, f"path {template}", {k: v for k, v in item.items() if k not in HTTP_METHODS})
    _refuse_external_refs(path, "components", document.get("components") or {})
    for template, item in (document.get("paths") or {}).items():
        if not isinstance(item, Mapping):
            continue
        _check_refs(path, f"path {template}", document, {k: v for k, v in item.items() if k not in HTTP_METHODS})
        for method in HTTP_METHODS:
            if isinstance(item.get(method), Mapping):
                where = f"operation {item[method].get('operationId') or method + ' ' + template}"
                _check_refs(path, f"{where} ({method.upper()} {template})", document, item[method])
    _check_refs(path, "components", document, document.get("components") or {})


def _check_refs(path: Path, where: str, document: Mapping[str, Any], node: Any) -> None:
    try:
        check_refs(document, node)
    except SpecError as exc:
        raise SpecError(path, f"{where}: {exc.problem}") from None


def _refuse_external_refs(path: Path, where: str, node: Any, depth: int = 0) -> None:
    if depth > _MAX_NESTING:
        return
    if isinstance(node, Mapping):
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise SpecError(
                    path, f"{where}: the pattern {pattern[:80]!r} is not a regular expression the mock can use ({exc})"
                ) from None
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            raise SpecError(
                path,
                f"{where}: the $ref {ref[:120]!r} points outside this document; the mock serves one file, "
                "so bundle the spec first (only local '#/...' references are supported)",
            )
        for value in node.values():
            _refuse_external_refs(path, where, value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            _refuse_external_refs(path, where, value, depth + 1)


def _validate_document(path: Path, document: dict[str, Any]) -> None:
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    version = str(document.get("openapi", ""))
    if not version.startswith(("3.0", "3.1")):
        swagger = "swagger" in document
        found = f"swagger: {document['swagger']!r}" if swagger else f"openapi: {document.get('openapi')!r}"
        raise SpecError(
            path,
            f"only OpenAPI 3.0.x and 3.1.x are supported, the document says {found}"
            + (" (convert a Swagger 2.0 file to OpenAPI 3 first)" if swagger else ""),
        )
    label = "OpenAPI 3.1" if version.startswith("3.1") else "OpenAPI 3.0"
    validator_class = OpenAPIV31SpecValidator if version.startswith("3.1") else OpenAPIV30SpecValidator
    try:
        validator_class(document).validate()
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in getattr(exc, "path", ()) or ())
        raise SpecError(
            path, f"invalid {label} document{' at ' + where if where else ''}: {_one_line(exc.message)}"
        ) from None
    except Exception as exc:  # the validator raises ref-resolution errors of several kinds
        raise SpecError(path, f"invalid {label} document: {_one_line(str(exc))}") from None


def _index(path: Path, document: dict[str, Any]) -> Spec:
    base_path = _server_path(document.get("servers") or [{"url": "/"}])
    global_security = tuple(document.get("security") or ())
    operations = []
    for template, item in (document.get("paths") or {}).items():
        try:
            item = target(document, item)
            shared_params = resolve_refs(document, item.get("parameters", []))
        except SpecError as exc:
            raise SpecError(path, f"path {template}: {exc.problem}") from None
        for method in HTTP_METHODS:
            if method not in item:
                continue
            raw = item[method]
            name = raw.get("operationId") or f"{method} {template}"
            servers = raw.get("servers") or item.get("servers")
            try:
                operations.append(_operation(document, template, method, raw, shared_params, global_security, servers))
            except SpecError as exc:
                raise SpecError(path, f"operation {name} ({method.upper()} {template}): {exc.problem}") from None
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    return Spec(path, document, base_path, tuple(operations), resolve_refs(document, schemes))


def _operation(
    document: Mapping[str, Any],
    template: str,
    method: str,
    raw: Mapping[str, Any],
    shared_params: list[Mapping[str, Any]],
    global_security: tuple[Mapping[str, Any], ...],
    servers: list[Mapping[str, Any]] | None,
) -> Operation:
    own_params = resolve_refs(document, raw.get("parameters", []))
    params = {(p["name"], p["in"]): p for p in [*shared_params, *own_params]}
    for p in params.values():
        if "schema" not in p and "content" in p:
            raise SpecError("spec", f"parameter {p['name']!r} is described with 'content'; the mock needs a 'schema'")
    return Operation(
        method=method.upper(),
        path=template,
        operation_id=raw.get("operationId") or f"{method} {template}",
        parameters=tuple(
            Parameter(p["name"], p["in"], bool(p.get("required")), p.get("schema", {})) for p in params.values()
        ),
        responses={str(s): _response(document, str(s), r) for s, r in raw.get("responses", {}).items()},
        security=tuple(raw["security"]) if "security" in raw else global_security,
        request_body=_request_body(document, raw.get("requestBody")),
        base_path=_server_path(servers) if servers else None,
    )


def _request_body(document: Mapping[str, Any], raw: Any) -> RequestBody | None:
    if raw is None:
        return None
    raw = target(document, raw)
    content = {
        name: resolve_refs(document, body.get("schema")) if isinstance(body, Mapping) else None
        for name, body in (raw.get("content") or {}).items()
    }
    return RequestBody(bool(raw.get("required")), content)


def _server_path(servers: list[Mapping[str, Any]]) -> str:
    """The path part of the first server's URL, without a trailing slash (OpenAPI: servers[0] is the default)."""
    return urlsplit(str(servers[0].get("url", "/"))).path.rstrip("/")


def _response(document: Mapping[str, Any], status: str, raw: Mapping[str, Any]) -> ResponseSpec:
    raw = target(document, raw)
    media = []
    for name, body in (raw.get("content") or {}).items():
        schema = body.get("schema")
        ref = schema.get("$ref", "") if isinstance(schema, Mapping) else ""
        schema_name = ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else None
        examples = {k: resolve_refs(document, v).get("value") for k, v in (body.get("examples") or {}).items()}
        if "example" in body:
            examples = {"default": body["example"], **examples}
        media.append(MediaType(name, resolve_refs(document, schema), examples, schema_name))
    return ResponseSpec(status, raw.get("description", ""), tuple(media))


def _one_line(text: str, limit: int = 300) -> str:
    """One line, cut short: validator messages can quote the whole document."""
    line = re.sub(r"\s+", " ", text).strip()
    return line if len(line) <= limit else line[: limit - 3] + "..."
