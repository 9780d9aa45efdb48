"""The /__admin/ blueprint: routes for tests and tooling, never part of the mocked API.

Admin requests are not written to the request journal: the journal shows what the app under test called.
Bodies use the fixture format (one session, one stub rule) and are checked exactly like fixture files.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import orjson
from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from pipecat_cloud_mock.admin_client import JournalEntry
from pipecat_cloud_mock.errors import Problem, error_response, suggest
from pipecat_cloud_mock.http.clock import ENDPOINTS as LIFECYCLE_ENDPOINTS
from pipecat_cloud_mock.http.clock import clock_plain, clock_setting, object_body, readiness
from pipecat_cloud_mock.http.guard import AdminGuard
from pipecat_cloud_mock.pipeline.mock import MockPipeline
from pipecat_cloud_mock.pipeline.routing import ADMIN_PREFIX, MethodNotAllowed, raw_request_path
from pipecat_cloud_mock.state.coverage import coverage_report
from pipecat_cloud_mock.state.limits import MAX_ADMIN_BODY, cut_message, parse_json
from pipecat_cloud_mock.state.parse import Report
from pipecat_cloud_mock.state.verify import nearest_operation

JOURNAL_FILTERS = ("path", "path_prefix", "status", "method", "limit")
COUNT_FILTERS = ("path", "path_prefix", "status", "method")

ENDPOINTS = (
    "GET /__admin/health",
    "GET|DELETE /__admin/sessions",
    "GET|PUT|DELETE /__admin/sessions/{agentName}/{sessionId}",
    "GET|POST|DELETE /__admin/stubs",
    "GET|DELETE /__admin/stubs/{id}",
    "GET|DELETE /__admin/requests  (GET filters: path, path_prefix, status, method, limit)",
    "GET /__admin/requests/count  (filters: path, path_prefix, status, method)",
    "GET /__admin/requests/unmatched",
    "GET|DELETE /__admin/coverage",
    "POST /__admin/reset",
    *LIFECYCLE_ENDPOINTS,
)


def _methods_of(path: str) -> list[str]:
    """The methods some admin route other than the catch-all takes for `path`."""
    adapter = current_app.url_map.bind("localhost")
    allowed = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        try:
            endpoint, _ = adapter.match(path, method=method)
        except HTTPException:
            continue
        if not str(endpoint).endswith(".unknown"):
            allowed.append(method)
    return allowed


def _error(status: int, message: str, problems: list[Problem] | None = None) -> Response:
    body: dict[str, Any] = error_response(status, cut_message(message))
    if problems is not None:
        body["problems"] = [{"where": p.where, "message": cut_message(p.message)} for p in problems]
    response = jsonify(body)
    response.status_code = status
    return response


def _streamed(key: str, items: Iterator[Any]) -> Iterator[bytes]:
    """{"key": [items...]} written an item at a time: a large journal is never one document in memory."""
    yield b'{"' + key.encode() + b'":['
    for index, item in enumerate(items):
        yield (b"," if index else b"") + _json_bytes(item)
    yield b"]}\n"


def _json_bytes(item: Any) -> bytes:
    try:
        return orjson.dumps(item)
    except orjson.JSONEncodeError:  # text orjson refuses (a lone surrogate from a percent-decoded path)
        return json.dumps(item).encode()


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


class _BadBody(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems


class _TooLarge(Exception):
    pass


def _json_body() -> Any:
    """The body as JSON within the limits (size, nesting, encodable text), or _BadBody/_TooLarge."""
    if (request.content_length or 0) > MAX_ADMIN_BODY:
        raise _TooLarge
    try:
        raw = request.stream.read(MAX_ADMIN_BODY + 1)
    except Exception as exc:  # a malformed chunked body: the server's reader raises its own error types
        message = f"the body could not be read ({type(exc).__name__}); send it with a Content-Length"
        raise _BadBody([Problem("request body", "", message)]) from None
    if len(raw) > MAX_ADMIN_BODY:
        raise _TooLarge
    try:
        value = parse_json(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        message = cut_message(f"not valid JSON ({exc}); send a JSON document")
        raise _BadBody([Problem("request body", "", message)]) from None
    report = Report("request body")
    if not report.plain(value):
        raise _BadBody(report.problems)
    return value


def _session_key() -> tuple[str, str] | None:
    """(agentName, sessionId) from the raw path, as the API's router reads it: an encoded '/' stays in its name."""
    raw = raw_request_path(request.environ)
    _, found, rest = raw.partition(ADMIN_PREFIX + "/sessions/")
    parts = rest.split("/")
    if not found or len(parts) != 2 or not all(parts):
        return None
    return unquote(parts[0], errors="replace"), unquote(parts[1], errors="replace")


def admin_blueprint(mock: MockPipeline) -> Blueprint:
    admin = Blueprint("pipecat_mock_admin", __name__, url_prefix=ADMIN_PREFIX)
    control, token = mock.control, mock.config.admin_token

    guard = AdminGuard(mock.config.host, token is not None)

    @admin.before_request
    def same_site_only() -> ResponseReturnValue | None:
        headers = {name.lower(): value for name, value in request.headers.items()}
        refusal = guard.check(request.method, headers, _has_body())
        return None if refusal is None else _error(refusal.status, refusal.message)

    @admin.errorhandler(_TooLarge)
    def too_large(exc: _TooLarge) -> ResponseReturnValue:
        return _error(
            413, f"The admin request body is over the limit of {MAX_ADMIN_BODY // 2**20} MiB; nothing was changed."
        )

    @admin.before_request
    def require_token() -> ResponseReturnValue | None:
        if token is None:
            return None
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.reveal().encode()):
            return None
        response = _error(401, "The admin API needs 'Authorization: Bearer <admin token>' (set with --admin-token).")
        response.headers["WWW-Authenticate"] = 'Bearer realm="pipecat-mock-admin"'
        return response

    @admin.errorhandler(_BadBody)
    def bad_body(exc: _BadBody) -> ResponseReturnValue:
        return _error(400, f"{len(exc.problems)} problem(s) in the request body; nothing was changed.", exc.problems)

    @admin.get("/health")
    def health() -> ResponseReturnValue:
        return jsonify(status="ok")

    # --- sessions --------------------------------------------------------------------------------

    def session_plain(agent: str, session_id: str, given: Any) -> dict[str, Any]:
        return {"agentName": agent, "sessionId": session_id, "session": given}

    @admin.get("/sessions")
    def list_sessions() -> ResponseReturnValue:
        sessions = control.state().sessions
        return jsonify(sessions=[session_plain(a, s, given) for (a, s), given in sessions.items()])

    @admin.delete("/sessions")
    def clear_sessions() -> ResponseReturnValue:
        control.clear_sessions()
        return "", 204

    @admin.route("/sessions/<path:rest>", methods=["GET", "PUT", "DELETE"])
    def one_session(rest: str) -> ResponseReturnValue:
        key = _session_key()
        if key is None:
            return _error(404, "Expected /__admin/sessions/{agentName}/{sessionId} (percent-encode a '/' in a name).")
        agent, session_id = key
        if request.method == "PUT":
            report = Report("request body")
            given = control.check_session(agent, session_id, _json_body(), report)
            if given is None:
                raise _BadBody(report.problems)
            created = control.put_session(agent, session_id, given)
            return jsonify(session_plain(agent, session_id, given)), 201 if created else 200
        if request.method == "DELETE":
            if not control.delete_session(agent, session_id):
                return _error(404, f"No session {session_id!r} of agent {agent!r} is defined.")
            return "", 204
        found = control.state().sessions.get((agent, session_id))
        if found is None:
            return _error(404, f"No session {session_id!r} of agent {agent!r} is defined.")
        return jsonify(session_plain(agent, session_id, found))

    # --- stubs -----------------------------------------------------------------------------------

    def stubs_plain() -> list[dict[str, Any]]:
        hits = control.stub_hits()
        return [{**s.to_plain(), "source": s.source, "hits": hits.get(s.id, 0)} for s in control.state().stubs]

    @admin.get("/stubs")
    def list_stubs() -> ResponseReturnValue:
        return jsonify(stubs=stubs_plain())

    @admin.post("/stubs")
    def add_stub() -> ResponseReturnValue:
        report = Report("admin")  # becomes the stub's source
        stub = control.check_stub(_json_body(), report, default_id=f"stub-{secrets.token_hex(4)}")
        if stub is None:
            raise _BadBody(report.problems)
        if not control.add_stub(stub):
            return _error(409, f"A stub with id {stub.id!r} exists. Delete it first or choose another id.")
        return jsonify({**stub.to_plain(), "source": "admin", "hits": 0}), 201

    @admin.delete("/stubs")
    def clear_stubs() -> ResponseReturnValue:
        control.clear_stubs()
        return "", 204

    @admin.get("/stubs/<stub_id>")
    def get_stub(stub_id: str) -> ResponseReturnValue:
        found = next((s for s in stubs_plain() if s["id"] == stub_id), None)
        return jsonify(found) if found else _error(404, f"No stub with id {stub_id!r}.")

    @admin.delete("/stubs/<stub_id>")
    def delete_stub(stub_id: str) -> ResponseReturnValue:
        if not control.delete_stub(stub_id):
            return _error(404, f"No stub with id {stub_id!r}.")
        return "", 204

    # --- journal and reset -----------------------------------------------------------------------

    def journal_filters(accepted: tuple[str, ...]) -> dict[str, Any] | Response:
        """The journal filters of this request, or the 400 naming every problem and the valid filters."""
        problems = [
            Problem("query", name, f"is not a journal filter here. {suggest(name, accepted)}")
            for name in request.args
            if name not in accepted
        ]
        numbers: dict[str, int | None] = {}
        for name in ("status", "limit"):
            raw = request.args.get(name)
            numbers[name] = None
            if raw is not None:
                if raw.isdigit() and int(raw) >= (1 if name == "limit" else 100) and len(raw) < 10:
                    numbers[name] = int(raw)
                else:
                    valid = "a whole number, 1 or more" if name == "limit" else "an HTTP status such as 404"
                    problems.append(Problem("query", name, f"{raw!r} is not valid. Valid values: {valid}."))
        if problems:
            return _error(400, "Bad journal filter; nothing was listed.", problems)
        method = request.args.get("method")
        return {
            "path": request.args.get("path"),
            "path_prefix": request.args.get("path_prefix"),
            "status": numbers["status"],
            "method": method.upper() if method else None,
            "limit": numbers["limit"],
        }

    @admin.get("/requests")
    def list_requests() -> ResponseReturnValue:
        filters = journal_filters(JOURNAL_FILTERS)
        if isinstance(filters, Response):
            return filters
        entries = control.requests(**filters)
        return Response(_streamed("requests", (e.to_plain() for e in entries)), mimetype="application/json")

    @admin.get("/requests/count")
    def count_requests() -> ResponseReturnValue:
        filters = journal_filters(COUNT_FILTERS)
        if isinstance(filters, Response):
            return filters
        return jsonify(count=sum(1 for _ in control.requests(**filters)))  # streamed: never the whole list

    def unmatched_plain(entry: JournalEntry) -> dict[str, Any]:
        route = mock.router.match(entry.method, entry.path)
        if isinstance(route, MethodNotAllowed):
            hint: str | None = f"allowed here: {', '.join(route.allowed)}"
        else:
            nearest = nearest_operation(mock.spec, entry.method, entry.path)
            hint = f"did you mean {nearest}?" if nearest else None
        return {**entry.to_plain(), "hint": hint}

    @admin.get("/requests/unmatched")
    def unmatched_requests() -> ResponseReturnValue:
        entries = [e for e in control.requests() if e.source == "routing"]
        return jsonify(requests=[unmatched_plain(e) for e in entries])

    @admin.get("/coverage")
    def coverage() -> ResponseReturnValue:
        return jsonify(coverage_report(mock.spec, control.served()))

    @admin.delete("/coverage")
    def clear_coverage() -> ResponseReturnValue:
        control.clear_served()
        return "", 204

    @admin.delete("/requests")
    def clear_requests() -> ResponseReturnValue:
        control.clear_requests()
        return "", 204

    @admin.post("/reset")
    def reset() -> ResponseReturnValue:
        control.reset()
        mock.requests.reset()  # fault decisions restart at request 0: each test sees the same faults
        return jsonify(status="reset", sessions=len(control.initial.sessions), stubs=len(control.initial.stubs))

    # --- the session lifecycle: the clock and agents' readiness (logic in _clock.py) ---------------

    lifecycle = control.lifecycle_store

    @admin.get("/clock")
    def get_clock() -> ResponseReturnValue:
        return jsonify(clock_plain(lifecycle))

    @admin.put("/clock")
    def put_clock() -> ResponseReturnValue:
        body = object_body(request.get_data(cache=False))
        setting = body if isinstance(body, str) else clock_setting(body, lifecycle.state())
        if isinstance(setting, str):
            return _error(400, setting)
        lifecycle.set_clock(*setting)
        return jsonify(clock_plain(lifecycle))

    @admin.put("/agents/<agent>")
    def put_agent(agent: str) -> ResponseReturnValue:
        body = object_body(request.get_data(cache=False))
        ready = body if isinstance(body, str) else readiness(body)
        if isinstance(ready, str):
            return _error(400, ready)
        lifecycle.set_ready(agent, ready)
        return jsonify({"name": agent, "ready": ready})

    # Anything else under the prefix is an admin 404, never an API request (and never journaled).
    @admin.route("/", defaults={"rest": ""}, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
    @admin.route("/<path:rest>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
    def unknown(rest: str) -> ResponseReturnValue:
        allowed = _methods_of(request.path)
        if allowed:  # the endpoint exists, with other methods
            response = _error(405, f"{request.method} is not allowed on {request.path}. Allowed: {', '.join(allowed)}.")
            response.headers["Allow"] = ", ".join(allowed)
            return response
        return _error(404, f"No admin endpoint {request.method} {request.path}. Endpoints: {'; '.join(ENDPOINTS)}.")

    return admin
