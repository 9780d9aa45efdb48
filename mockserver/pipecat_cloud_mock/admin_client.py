"""A small typed client for the mock's /__admin/ API (standard library only, so it adds no dependency).

admin = AdminClient("http://127.0.0.1:4010")
admin.put_session("my-agent", "800d444a-e67e-4686-afb3-b0de509cccb3", {"completionStatus": "HTTP_ERROR"})
admin.add_stub({"match": {"agentName": "my-agent"}, "sequence": [{"status": 500}, {"status": 200}]})
[entry.status for entry in admin.requests(path="/v1/agents/my-agent/sessions/...")]
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

__all__ = ["AdminClient", "AdminError", "JournalEntry", "JournalFilters", "UnmatchedRequest"]


class AdminError(Exception):
    """The admin API refused a call; `problems` lists every problem it found in the body."""

    def __init__(self, status: int, message: str, problems: list[dict[str, str]]) -> None:
        lines = "".join(f"\n  {p.get('where') or '<body>'}: {p.get('message')}" for p in problems)
        super().__init__(f"HTTP {status}: {message}{lines}")
        self.status = status
        self.problems = problems


@dataclass(frozen=True)
class JournalEntry:
    """One request the mock received (admin calls excluded); credential headers are already redacted.

    The server's journal and this client share it: `to_plain` is the admin API's JSON, `from_plain` reads it.
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    status: int
    time: str  # RFC 3339, milliseconds, UTC
    stub: str | None = None  # the id of the stub that answered, if one did
    operation: str | None = None  # the operationId it reached; None when no operation matched
    source: str | None = None  # what produced the answer: generated, example, fixture, stub, fault, security, ...
    id: int = 0  # rises by one per request the server journaled

    @classmethod
    def from_plain(cls, data: Mapping[str, Any]) -> JournalEntry:
        return cls(
            data["method"],
            data["path"],
            data["query"],
            data["headers"],
            data["status"],
            data["time"],
            data.get("stub"),
            data.get("operation"),
            data.get("source"),
            data.get("id", 0),
        )

    def to_plain(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "query": dict(self.query),
            "headers": dict(self.headers),
            "status": self.status,
            "stub": self.stub,
            "operation": self.operation,
            "source": self.source,
        }


class JournalFilters(TypedDict, total=False):
    """What a journal read or count may filter on; every filter given must hold."""

    path: str | None  # the path exactly
    path_prefix: str | None  # the start of the path (e.g. one agent's calls)
    status: int | None
    method: str | None


def journal_matches(entry: JournalEntry, filters: JournalFilters) -> bool:
    path, prefix = filters.get("path"), filters.get("path_prefix")
    status, method = filters.get("status"), filters.get("method")
    return (
        (path is None or entry.path == path)
        and (prefix is None or entry.path.startswith(prefix))
        and (status is None or entry.status == status)
        and (method is None or entry.method == method)
    )


@dataclass(frozen=True)
class UnmatchedRequest:
    """A request no spec operation matched (404 from routing, or 405), with a hint at what was meant."""

    method: str
    path: str
    status: int
    time: str
    hint: str | None

    @classmethod
    def from_plain(cls, data: Mapping[str, Any]) -> UnmatchedRequest:
        return cls(data["method"], data["path"], data["status"], data["time"], data.get("hint"))


class AdminClient:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 10.0) -> None:
        """`base_url`: where the mock listens, without /v1 (e.g. http://127.0.0.1:4010)."""
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout

    def __repr__(self) -> str:  # never the token
        return f"AdminClient({self.base_url!r})"

    def _call(self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None) -> Any:
        return self._send(method, path, body, query)[1]

    def _send(
        self, method: str, path: str, body: Any = None, query: Mapping[str, Any] | None = None
    ) -> tuple[int, Any]:
        url = f"{self.base_url}/__admin{path}"
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        return self._exchange(method, url, self._token, body)

    def _api(self, method: str, path: str, token: str, body: Any = None) -> Any:
        """A call to the mocked API itself (`path` under the host, e.g. /v1/public/...), as an app makes it."""
        return self._exchange(method, self.base_url + path, token, body)[1]

    def _exchange(self, method: str, url: str, token: str | None, body: Any) -> tuple[int, Any]:
        """(status, parsed JSON body); an error answer raises AdminError with its message and problems."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http(s) URLs we build
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            exc.close()
            try:
                error = json.loads(raw)
            except ValueError:
                error = {"error": raw.decode(errors="replace")[:200]}
            raise AdminError(exc.code, error.get("error", ""), error.get("problems", [])) from None
        return status, (json.loads(raw) if raw else None)

    def _quote(self, *parts: str) -> str:
        return "/".join(urllib.parse.quote(p, safe="") for p in parts)

    # --- sessions ---
    def sessions(self) -> list[dict[str, Any]]:
        """Each as {agentName, sessionId, session: the fields given}."""
        result: list[dict[str, Any]] = self._call("GET", "/sessions")["sessions"]
        return result

    def put_session(self, agent_name: str, session_id: str, fields: Mapping[str, Any] | None = None) -> bool:
        """Create or replace a session (missing fields are generated); True when created."""
        status, _ = self._send("PUT", "/sessions/" + self._quote(agent_name, session_id), dict(fields or {}))
        return status == 201

    def delete_session(self, agent_name: str, session_id: str) -> None:
        self._call("DELETE", "/sessions/" + self._quote(agent_name, session_id))

    def clear_sessions(self) -> None:
        self._call("DELETE", "/sessions")

    # --- stubs ---
    def stubs(self) -> list[dict[str, Any]]:
        """Each in the fixture format, plus `source` and `hits` (matching requests so far)."""
        result: list[dict[str, Any]] = self._call("GET", "/stubs")["stubs"]
        return result

    def add_stub(self, rule: Mapping[str, Any]) -> str:
        """Add a stub rule (fixture format); it goes before every other. Returns its id."""
        stub_id: str = self._call("POST", "/stubs", dict(rule))["id"]
        return stub_id

    def delete_stub(self, stub_id: str) -> None:
        self._call("DELETE", "/stubs/" + self._quote(stub_id))

    def clear_stubs(self) -> None:
        self._call("DELETE", "/stubs")

    # --- journal and reset ---
    def requests(self, limit: int | None = None, **filters: Unpack[JournalFilters]) -> list[JournalEntry]:
        """Newest first; `path` must match exactly, `path_prefix` matches the start (e.g. one agent's calls)."""
        query = {**filters, "limit": limit}
        return [JournalEntry.from_plain(e) for e in self._call("GET", "/requests", query=query)["requests"]]

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    def count(self, **filters: Unpack[JournalFilters]) -> int:
        """How many journaled requests match the filters (all of them without any)."""
        return int(self._call("GET", "/requests/count", query=dict(filters))["count"])

    def unmatched(self) -> list[UnmatchedRequest]:
        """Requests no spec operation matched, newest first."""
        return [UnmatchedRequest.from_plain(e) for e in self._call("GET", "/requests/unmatched")["requests"]]

    def coverage(self) -> dict[str, Any]:
        """Per operation, every documented status and every served one: {"operations": [...], "summary": {...}}."""
        result: dict[str, Any] = self._call("GET", "/coverage")
        return result

    def clear_coverage(self) -> None:
        self._call("DELETE", "/coverage")

    def reset(self) -> None:
        """Back to the fixtures loaded at start-up; the journal, coverage and sequence positions start over."""
        self._call("POST", "/reset")

    def health(self) -> bool:
        return bool(self._call("GET", "/health").get("status") == "ok")

    # --- the session lifecycle (through the API, as an app calls it) and the clock ---
    def start_session(self, agent_name: str, api_key: str = "pk_test", **start_request: Any) -> dict[str, Any]:
        """POST /v1/public/{agent}/start with a StartRequest (e.g. createDailyRoom=True); the StartResponse."""
        result: dict[str, Any] = self._api(
            "POST", f"/v1/public/{self._quote(agent_name)}/start", api_key, dict(start_request)
        )
        return result

    def stop_session(self, agent_name: str, session_id: str, api_key: str = "test-token") -> dict[str, Any]:
        """DELETE /v1/agents/{agent}/sessions/{id}; the StopResponse."""
        path = f"/v1/agents/{self._quote(agent_name)}/sessions/{self._quote(session_id)}"
        result: dict[str, Any] = self._api("DELETE", path, api_key)
        return result

    def clock(self) -> dict[str, Any]:
        """{"now": RFC 3339, "frozen": bool, "offsetSeconds": float}."""
        result: dict[str, Any] = self._call("GET", "/clock")
        return result

    def set_clock(
        self, freeze: str | float | bool | None = None, advance: float | None = None, real: bool = False
    ) -> dict[str, Any]:
        """Freeze the clock (at a time, or now with True), move it on by `advance` seconds, or go back to real time."""
        body: dict[str, Any] = {"real": True} if real else {}
        if freeze is not None:
            body["freeze"] = freeze
        if advance is not None:
            body["advance"] = advance
        result: dict[str, Any] = self._call("PUT", "/clock", body)
        return result

    def set_agent_ready(self, agent_name: str, ready: bool) -> None:
        """A not-ready agent refuses starts, as a deployment that failed validation does."""
        self._call("PUT", "/agents/" + self._quote(agent_name), {"ready": ready})


class Clock:
    """The mock's clock for tests: `clock.advance(30)` makes every running session 30 s older."""

    def __init__(self, admin: AdminClient) -> None:
        self._admin = admin

    def now(self) -> str:
        return str(self._admin.clock()["now"])

    def freeze(self, at: str | float | None = None) -> str:
        """Stop the clock (at `at`, RFC 3339 or Unix seconds; else now); returns the time it shows."""
        return str(self._admin.set_clock(freeze=True if at is None else at)["now"])

    def advance(self, seconds: float) -> str:
        return str(self._admin.set_clock(advance=seconds)["now"])

    def real(self) -> None:
        self._admin.set_clock(real=True)
