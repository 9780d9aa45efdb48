"""Stage 1: find the spec operation for a method and raw path (under the server's base path)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from pipecat_cloud_mock.spec.loader import Operation, Spec

ADMIN_PREFIX = "/__admin"  # the admin API's routes; never the mocked API's
_PARAM = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True)
class RouteMatch:
    operation: Operation
    path_params: dict[str, str]


@dataclass(frozen=True)
class RouteNotFound:
    path: str


@dataclass(frozen=True)
class MethodNotAllowed:
    path: str
    allowed: tuple[str, ...]


RouteResult = RouteMatch | RouteNotFound | MethodNotAllowed


@dataclass(frozen=True)
class _CompiledPath:
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    operations: dict[str, Operation]  # by upper-case method


class Router:
    """Matches raw (still percent-encoded) paths, so an encoded slash stays inside its segment."""

    def __init__(self, spec: Spec) -> None:
        by_template: dict[str, dict[str, Operation]] = {}
        for op in spec.operations:
            by_template.setdefault(spec.full_path(op), {})[op.method] = op
        # Literal segments win over parameters, as OpenAPI requires: sort templates with fewer parameters first.
        # A parameter matches within one segment, so a path is only tried against templates with as many.
        self._by_depth: dict[int, list[_CompiledPath]] = {}
        for template, ops in sorted(by_template.items(), key=lambda kv: (kv[0].count("{"), kv[0])):
            self._by_depth.setdefault(template.count("/"), []).append(_compile(template, ops))

    def match(self, method: str, raw_path: str) -> RouteResult:
        method = method.upper()
        raw_path = remove_dot_segments(raw_path)
        for compiled in self._by_depth.get(raw_path.count("/"), ()):
            found = compiled.pattern.fullmatch(raw_path)
            if not found:
                continue
            allowed = compiled.operations
            op = allowed.get(method) or (allowed.get("GET") if method == "HEAD" else None)
            if op is None:
                methods = set(allowed) | ({"HEAD"} if "GET" in allowed else set())
                return MethodNotAllowed(raw_path, tuple(sorted(methods)))
            params = {name: unquote(found.group(i + 1), errors="replace") for i, name in enumerate(compiled.names)}
            return RouteMatch(op, params)
        return RouteNotFound(raw_path)


def _compile(template: str, operations: dict[str, Operation]) -> _CompiledPath:
    names: list[str] = []
    pattern = ""
    last = 0
    for m in _PARAM.finditer(template):
        pattern += re.escape(template[last : m.start()]) + "([^/]+)"
        names.append(m.group(1))
        last = m.end()
    pattern += re.escape(template[last:])
    return _CompiledPath(re.compile(pattern), tuple(names), operations)


def raw_request_path(environ: Mapping[str, Any]) -> str:
    """The request's path as the client sent it (still percent-encoded, no query), also from an absolute-form
    target (`GET http://host/v1/... HTTP/1.1`, RFC 9112); PATH_INFO, decoded as werkzeug decodes it and quoted
    again, when the server kept no raw URI."""
    raw_uri: str = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    if not raw_uri:
        return quote(_decoded_path_info(environ))
    target = raw_uri.split("?", 1)[0]
    if "://" in target:
        return urlsplit(raw_uri).path or "/"
    return target


def _decoded_path_info(environ: Mapping[str, Any]) -> str:
    path = str(environ.get("PATH_INFO", ""))
    # PEP 3333: PATH_INFO holds the path's bytes as latin-1 characters (a string that cannot is already text).
    with contextlib.suppress(UnicodeEncodeError):
        path = path.encode("latin-1").decode(errors="replace")
    return "/" + path.lstrip("/")


def remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4: `/a/./b/../c` is `/a/c`, as HTTP clients and openapi-core resolve it."""
    if "/." not in path:
        return path
    kept: list[str] = []
    segments = path.split("/")[1:]
    for segment in segments:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    trailing = "/" if segments and segments[-1] in (".", "..") else ""
    return "/" + "/".join(kept) + (trailing if kept else "")
