"""Plain data (a fixture file, an admin request body) -> the fixture model, with every problem found.

Nothing here raises on bad input: each check adds a Problem with a JSON path and a reason, so a user
fixes a whole file in one round. Sessions and stub bodies are checked against the spec's own schemas.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipecat_cloud_mock.errors import ConfigError, Problem, suggest
from pipecat_cloud_mock.faults import FaultKind, Latency, parse_fault, parse_latency
from pipecat_cloud_mock.mocker.consistency import contradictions
from pipecat_cloud_mock.spec.loader import Spec
from pipecat_cloud_mock.spec.openapi import json_path, schema_violations
from pipecat_cloud_mock.state.limits import MAX_PROBLEMS, cut_message, excerpt, plain_problems
from pipecat_cloud_mock.state.model import (
    NO_BODY,
    SessionKey,
    Stub,
    StubMatch,
    StubResponse,
    ValueMatcher,
)
from pipecat_cloud_mock.state.patterns import UnsafePattern, compile_pattern

Path = tuple[str | int, ...]
TOP_KEYS = ("sessions", "stubs")
STUB_KEYS = ("id", "description", "match", "respond", "sequence", "errorRate")
MATCH_KEYS = ("agentName", "sessionId", "headers")
RESPONSE_KEYS = ("status", "body", "latency", "fault")
STUB_ID = re.compile(r"[A-Za-z0-9._-]{1,100}")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


@dataclass
class Report:
    source: str
    problems: list[Problem] = field(default_factory=list)
    count: int = 0  # every problem found; `problems` lists the first MAX_PROBLEMS

    def add(self, path: Path, message: str) -> None:
        """One problem; a message quoting a huge value is cut, and past MAX_PROBLEMS only the count grows."""
        self.count += 1
        if self.count <= MAX_PROBLEMS:
            self.problems.append(Problem(self.source, json_path(path), cut_message(message)))
        elif self.count == MAX_PROBLEMS + 1:
            self.problems.append(Problem(self.source, "", f"more problems, not listed past the first {MAX_PROBLEMS}"))

    def plain(self, value: Any) -> bool:
        """Whether `value` is within the nesting limit and all of its text is encodable (else reported)."""
        before = self.count
        for path, message in plain_problems(value):
            self.add(path, message)
        return self.count == before

    def keys(self, path: Path, value: Mapping[Any, Any], allowed: Sequence[str], what: str) -> None:
        for key in value:
            if key not in allowed:
                self.add((*path, str(key)), f"unknown key in {what}. {suggest(str(key), allowed)}")


def type_name(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), "null" if value is None else f"a {type(value).__name__}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class FixtureParser:
    """Checks fixture data against the format and the spec; build once per spec."""

    def __init__(self, spec: Spec) -> None:
        # A spec without SessionResponse (any --spec) still serves; its fixtures just have no session schema.
        self.session_schema: Mapping[str, Any] = (
            spec.schema("SessionResponse") if spec.has_schema("SessionResponse") else {}
        )
        self.param_schemas: dict[str, Mapping[str, Any]] = {}
        self.body_schemas: dict[int, Mapping[str, Any] | None] = {}
        for op in spec.operations:
            for param in op.parameters:
                if param.location == "path":
                    self.param_schemas.setdefault(param.name, param.schema)
            for status in op.answerable_statuses:
                response = op.responses.get(str(status))
                media = response.media_type() if response else None
                if media is not None:
                    self.body_schemas.setdefault(status, media.schema)
        error_schema = spec.schema("ErrorResponse") if spec.has_schema("ErrorResponse") else None
        for status in [*self.body_schemas, 401]:
            if self.body_schemas.get(status) is None:
                # Statuses the mock answers itself (401) carry its ErrorResponse body.
                self.body_schemas[status] = error_schema
        self.statuses = tuple(sorted(self.body_schemas))

    # --- whole documents -------------------------------------------------------------------------

    def document(
        self, data: Any, report: Report, id_prefix: str
    ) -> tuple[dict[SessionKey, dict[str, Any]], list[Stub]]:
        sessions: dict[SessionKey, dict[str, Any]] = {}
        stubs: list[Stub] = []
        if data is None or not report.plain(data):
            return sessions, stubs
        if not isinstance(data, Mapping):
            report.add((), f"a fixture file is a mapping with keys {', '.join(TOP_KEYS)}; got {type_name(data)}")
            return sessions, stubs
        report.keys((), data, TOP_KEYS, "a fixture file")
        raw_sessions = data.get("sessions")
        if raw_sessions is not None:
            if not isinstance(raw_sessions, Mapping):
                report.add(
                    ("sessions",),
                    f"expected a mapping agentName -> sessionId -> session; got {type_name(raw_sessions)}",
                )
            else:
                for agent, by_id in raw_sessions.items():
                    path: Path = ("sessions", str(agent))
                    if not isinstance(by_id, Mapping):
                        report.add(path, f"expected a mapping sessionId -> session; got {type_name(by_id)}")
                        continue
                    for session_id, body in by_id.items():
                        given = self.session(agent, session_id, body, report, (*path, str(session_id)))
                        if given is not None:
                            sessions[(agent, session_id)] = given
        raw_stubs = data.get("stubs")
        if raw_stubs is not None:
            if not isinstance(raw_stubs, list):
                report.add(("stubs",), f"expected a list of stub rules; got {type_name(raw_stubs)}")
            else:
                for index, raw in enumerate(raw_stubs):
                    stub = self.stub(raw, report, ("stubs", index), default_id=f"{id_prefix}-{index + 1}")
                    if stub is not None:
                        stubs.append(stub)
        return sessions, stubs

    # --- sessions --------------------------------------------------------------------------------

    def session(self, agent: Any, session_id: Any, body: Any, report: Report, path: Path) -> dict[str, Any] | None:
        """The given fields of one session, or None when anything about it is wrong (all of it reported)."""
        before = report.count
        for name, value in (("agentName", agent), ("sessionId", session_id)):
            if not isinstance(value, str) or not value:
                report.add(path, f"{name} must be a non-empty string; got {type_name(value)} {value!r}")
            elif name in self.param_schemas:
                for violation in schema_violations(self.param_schemas[name], value):
                    report.add(path, f"{name} {value!r} cannot appear in a request path: {violation.message}")
        if body is None:
            body = {}  # `my-agent: {<id>: }` in YAML: a session with every field generated
        if not isinstance(body, Mapping):
            report.add(path, f"a session is a mapping of SessionResponse fields; got {type_name(body)}")
            return None
        self._unknown_fields(self.session_schema, body, report, path)
        for violation in schema_violations(self.session_schema, body):
            report.add((*path, *_split(violation.where)), violation.message)
        for field_name, message in contradictions(body):  # e.g. endedAt before createdAt
            report.add((*path, field_name), message)
        given_id = body.get("sessionId")
        if isinstance(given_id, str) and isinstance(session_id, str) and given_id != session_id:
            report.add(
                (*path, "sessionId"),
                f"{given_id!r} differs from the session's key {session_id!r}; omit it or make them equal",
            )
        return dict(body) if report.count == before else None

    def _unknown_fields(self, schema: Mapping[str, Any], value: Any, report: Report, path: Path) -> None:
        properties = schema.get("properties")
        if isinstance(value, Mapping) and isinstance(properties, Mapping):
            for key, item in value.items():
                if key in properties:
                    self._unknown_fields(properties[key], item, report, (*path, str(key)))
                else:
                    report.add(
                        (*path, str(key)),
                        f"the spec's schema has no field {key!r}. {suggest(str(key), properties)} "
                        "(to serve undocumented fields, use a stub with a body)",
                    )
        elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
            for index, item in enumerate(value):
                self._unknown_fields(schema["items"], item, report, (*path, index))

    # --- stubs -----------------------------------------------------------------------------------

    def stub(self, data: Any, report: Report, path: Path, default_id: str) -> Stub | None:
        before = report.count
        if not isinstance(data, Mapping):
            report.add(path, f"a stub is a mapping with match and respond (or sequence); got {type_name(data)}")
            return None
        report.keys(path, data, STUB_KEYS, "a stub")
        stub_id = data.get("id", default_id)
        if not isinstance(stub_id, str) or not STUB_ID.fullmatch(stub_id):
            report.add((*path, "id"), f"{stub_id!r} is not a stub id. Valid values: 1-100 of A-Z a-z 0-9 . _ -")
        description = data.get("description")
        if description is not None and not isinstance(description, str):
            report.add((*path, "description"), f"expected a string; got {type_name(description)}")
        match = self._match(data.get("match"), report, (*path, "match"))
        responses: list[StubResponse] = []
        if ("respond" in data) == ("sequence" in data):
            report.add(path, "a stub needs exactly one of `respond` (one answer) or `sequence` (answers in turn)")
        elif "respond" in data:
            one = self._response(data["respond"], report, (*path, "respond"))
            responses = [one] if one is not None else []
        else:
            raw = data["sequence"]
            if not isinstance(raw, list) or not raw:
                report.add((*path, "sequence"), f"expected a non-empty list of responses; got {type_name(raw)}")
            else:
                parsed = [self._response(r, report, (*path, "sequence", i)) for i, r in enumerate(raw)]
                responses = [r for r in parsed if r is not None]
        error_rate = data.get("errorRate")
        if error_rate is not None and (not _is_number(error_rate) or not 0 <= error_rate <= 1):
            report.add((*path, "errorRate"), f"{error_rate!r} is not a share. Valid values: a number from 0 to 1.")
        if report.count != before or match is None:
            return None
        return Stub(
            id=stub_id,
            match=match,
            responses=tuple(responses),
            error_rate=None if error_rate is None else float(error_rate),
            description=description,
            source=report.source,
        )

    def _match(self, data: Any, report: Report, path: Path) -> StubMatch | None:
        if data is None:
            return StubMatch()  # no conditions: every API request
        if not isinstance(data, Mapping):
            report.add(path, f"expected a mapping with any of {', '.join(MATCH_KEYS)}; got {type_name(data)}")
            return None
        report.keys(path, data, MATCH_KEYS, "match")
        agent = self._matcher(data.get("agentName"), report, (*path, "agentName"))
        session = self._matcher(data.get("sessionId"), report, (*path, "sessionId"))
        headers: list[tuple[str, ValueMatcher]] = []
        raw_headers = data.get("headers")
        if raw_headers is not None:
            if not isinstance(raw_headers, Mapping):
                report.add((*path, "headers"), f"expected a mapping header name -> value; got {type_name(raw_headers)}")
            else:
                for name, raw in raw_headers.items():
                    where = (*path, "headers", str(name))
                    if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
                        report.add(where, f"{name!r} is not a header name")
                        continue
                    matcher = self._matcher(raw, report, where)
                    if matcher is not None:
                        headers.append((name.lower(), matcher))
        return StubMatch(agent, session, tuple(headers))

    def _matcher(self, data: Any, report: Report, path: Path) -> ValueMatcher | None:
        if data is None:
            return None
        if isinstance(data, str):
            return ValueMatcher(exact=data)
        if isinstance(data, Mapping) and set(data) == {"regex"} and isinstance(data["regex"], str):
            try:
                return ValueMatcher(regex=compile_pattern(data["regex"]))
            except UnsafePattern as exc:
                report.add((*path, "regex"), f"the pattern {excerpt(data['regex'])} {exc}")
                return None
        if isinstance(data, Mapping):
            report.keys(path, data, ("regex",), "a matcher")
        report.add(path, f"expected an exact string or {{regex: <pattern>}}; got {type_name(data)}")
        return None

    def _response(self, data: Any, report: Report, path: Path) -> StubResponse | None:
        before = report.count
        if not isinstance(data, Mapping):
            report.add(path, f"a response is a mapping with any of {', '.join(RESPONSE_KEYS)}; got {type_name(data)}")
            return None
        report.keys(path, data, RESPONSE_KEYS, "a response")
        status = data.get("status", 200)
        valid = ", ".join(map(str, self.statuses))
        if not isinstance(status, int) or isinstance(status, bool):
            report.add((*path, "status"), f"expected a whole number; got {type_name(status)}. Valid values: {valid}.")
        elif status not in self.body_schemas:
            report.add((*path, "status"), f"{status} is not a status the API documents. Valid values: {valid}.")
        elif "body" in data:
            schema = self.body_schemas[status]
            for violation in schema_violations(schema or {}, data["body"]):
                report.add((*path, "body", *_split(violation.where)), violation.message)
        latency: Latency | None = None
        if data.get("latency") is not None:
            try:
                latency = parse_latency(data["latency"])
            except ConfigError as exc:
                report.add((*path, "latency"), str(exc))
        fault: FaultKind | None = None
        if data.get("fault") is not None:
            try:
                fault = parse_fault(data["fault"]).kind
            except ConfigError as exc:
                report.add((*path, "fault"), str(exc))
        if report.count != before:
            return None
        return StubResponse(status, data.get("body", NO_BODY), latency, fault)


def _split(where: str) -> tuple[str | int, ...]:
    """json_path output ('a.b[0]["c-d"]') back into parts, to re-render it under a prefix."""
    parts: list[str | int] = []
    for token in re.findall(r'\["(?:[^"\\]|\\.)*"\]|\[\d+\]|[^.\[\]]+', where):
        if token.startswith('["'):
            parts.append(json.loads(token[1:-1]))
        else:
            parts.append(int(token[1:-1]) if token.startswith("[") else token)
    return tuple(parts)
