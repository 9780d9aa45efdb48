"""Fixtures as plain data: sessions you define and stubs (request rule -> canned answers).

Parsed and validated by `_fixture_parse`; stored by `_store`; consulted by `_control` in the pipeline.
`to_plain()` gives back the fixture format, so parse(to_plain(x)) == x (the store keeps that form), and
`from_plain` reads that form back without checking it again (it was checked when it was written).
Latency, fault and errorRate are carried here as data; applying them is the fault layer's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import regex

from pipecat_cloud_mock.faults import FaultKind, Latency, parse_latency
from pipecat_cloud_mock.state.patterns import compile_pattern, full_match

# Latency and fault values are the fault layer's own types: one parser, one meaning everywhere.
NO_BODY: Any = object()  # a stub response without `body`: the mock generates one for the status


@dataclass(frozen=True)
class ValueMatcher:
    """An exact string, or a regular expression that must match the whole value (in bounded time: `_patterns`)."""

    exact: str | None = None
    regex: regex.Pattern[str] | None = None

    def matches(self, value: str | None) -> bool:
        if value is None:
            return False
        if self.regex is not None:
            return full_match(self.regex, value)
        return value == self.exact

    def to_plain(self) -> Any:
        return {"regex": self.regex.pattern} if self.regex is not None else self.exact

    @classmethod
    def from_plain(cls, plain: Any) -> ValueMatcher:
        return cls(regex=compile_pattern(plain["regex"])) if isinstance(plain, dict) else cls(exact=plain)


@dataclass(frozen=True)
class StubMatch:
    agent_name: ValueMatcher | None = None
    session_id: ValueMatcher | None = None
    headers: tuple[tuple[str, ValueMatcher], ...] = ()  # lower-case header names

    def matches(self, params: Mapping[str, str], headers: Mapping[str, str]) -> bool:
        if self.agent_name is not None and not self.agent_name.matches(params.get("agentName")):
            return False
        if self.session_id is not None and not self.session_id.matches(params.get("sessionId")):
            return False
        return all(matcher.matches(headers.get(name)) for name, matcher in self.headers)

    def to_plain(self) -> dict[str, Any]:
        plain: dict[str, Any] = {}
        if self.agent_name is not None:
            plain["agentName"] = self.agent_name.to_plain()
        if self.session_id is not None:
            plain["sessionId"] = self.session_id.to_plain()
        if self.headers:
            plain["headers"] = {name: matcher.to_plain() for name, matcher in self.headers}
        return plain

    @classmethod
    def from_plain(cls, plain: Mapping[str, Any]) -> StubMatch:
        def matcher(name: str) -> ValueMatcher | None:
            return ValueMatcher.from_plain(plain[name]) if name in plain else None

        headers = tuple((name, ValueMatcher.from_plain(value)) for name, value in plain.get("headers", {}).items())
        return cls(matcher("agentName"), matcher("sessionId"), headers)


@dataclass(frozen=True)
class StubResponse:
    status: int = 200
    body: Any = NO_BODY  # NO_BODY: generated for the status (a fixture session for 200); else served exactly
    latency: Latency | None = None
    fault: FaultKind | None = None

    @property
    def has_body(self) -> bool:
        return self.body is not NO_BODY

    def to_plain(self) -> dict[str, Any]:
        plain: dict[str, Any] = {"status": self.status}
        if self.has_body:
            plain["body"] = self.body
        if self.latency is not None:
            plain["latency"] = self.latency.to_plain()
        if self.fault is not None:
            plain["fault"] = self.fault
        return plain

    @classmethod
    def from_plain(cls, plain: Mapping[str, Any]) -> StubResponse:
        latency = parse_latency(plain["latency"]) if "latency" in plain else None
        return cls(plain["status"], plain.get("body", NO_BODY), latency, plain.get("fault"))


@dataclass(frozen=True)
class Stub:
    """A rule: requests that `match` get `responses` in turn; the last one repeats."""

    id: str
    match: StubMatch
    responses: tuple[StubResponse, ...]
    error_rate: float | None = None  # share of matched requests that answer 500 (applied by the fault layer)
    description: str | None = None
    source: str = field(default="", compare=False)  # the file it came from, or "admin"

    def response_at(self, hit: int) -> StubResponse:
        """The answer to the `hit`-th matching request (0-based)."""
        return self.responses[min(hit, len(self.responses) - 1)]

    def to_plain(self) -> dict[str, Any]:
        plain: dict[str, Any] = {"id": self.id}
        if self.description is not None:
            plain["description"] = self.description
        plain["match"] = self.match.to_plain()
        if len(self.responses) == 1:
            plain["respond"] = self.responses[0].to_plain()
        else:
            plain["sequence"] = [r.to_plain() for r in self.responses]
        if self.error_rate is not None:
            plain["errorRate"] = self.error_rate
        return plain

    @classmethod
    def from_plain(cls, plain: Mapping[str, Any], source: str = "") -> Stub:
        """A rule in the form `to_plain` wrote, trusted: no schema check and no problem report."""
        answers = plain["sequence"] if "sequence" in plain else [plain["respond"]]
        responses = tuple(StubResponse.from_plain(answer) for answer in answers)
        match = StubMatch.from_plain(plain["match"])
        return cls(plain["id"], match, responses, plain.get("errorRate"), plain.get("description"), source)


SessionKey = tuple[str, str]  # (agentName, sessionId)


@dataclass(frozen=True)
class FixtureSet:
    """Everything the fixtures define: given session fields by (agent, session id), and stubs in order."""

    sessions: Mapping[SessionKey, Mapping[str, Any]] = field(default_factory=dict)
    stubs: tuple[Stub, ...] = ()
