"""Admin routes of the session lifecycle: the clock and agents' readiness (added to the /__admin/ blueprint).

PUT /__admin/clock  {"freeze": "2026-01-01T00:00:00Z" | <Unix seconds> | true, "advance": <seconds>, "real": true}
GET /__admin/clock  -> {"now": ..., "frozen": bool, "offsetSeconds": ...}
PUT /__admin/agents/{agentName}  {"ready": false}   a not-ready agent refuses starts
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from ._session import parse_iso_ms
from ._store import LifecycleStore
from ._walker import iso_ms

ENDPOINTS = (
    "GET|PUT /__admin/clock  (PUT: freeze, advance, real)",
    "PUT /__admin/agents/{agentName}  (ready)",
)
_CLOCK_FIELDS = ("freeze", "advance", "real")


def _bad(message: str) -> Response:
    response = jsonify({"error": message, "code": "400"})
    response.status_code = 400
    return response


def _object_body() -> dict[str, Any] | str:
    try:
        body = json.loads(request.get_data(cache=False) or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        return f"The body is not valid JSON ({exc}). Send a JSON object; nothing was changed."
    if not isinstance(body, dict):
        return "The body must be a JSON object; nothing was changed."
    return body


def clock_plain(store: LifecycleStore) -> dict[str, Any]:
    state = store.state()
    return {
        "now": iso_ms(state.now_ms()),
        "frozen": state.frozen_ms is not None,
        "offsetSeconds": state.offset_ms / 1000,
    }


def add_lifecycle_routes(admin: Blueprint, store: LifecycleStore) -> None:
    @admin.get("/clock")
    def get_clock() -> ResponseReturnValue:
        return jsonify(clock_plain(store))

    @admin.put("/clock")
    def put_clock() -> ResponseReturnValue:
        body = _object_body()
        if isinstance(body, str):
            return _bad(body)
        unknown = [k for k in body if k not in _CLOCK_FIELDS]
        if unknown or not body:
            what = f"Unknown clock field(s) {', '.join(map(repr, unknown))}" if unknown else "An empty clock request"
            return _bad(
                f"{what}; nothing was changed. Valid fields: freeze (an RFC 3339 time, Unix seconds, or true for "
                "now), advance (seconds), real (true)."
            )
        state = store.state()
        frozen, offset = state.frozen_ms, state.offset_ms
        if body.get("real") is True:
            frozen, offset = None, 0
        elif "real" in body:
            return _bad("real: only true is valid (back to real time); nothing was changed.")
        if "freeze" in body:
            value = body["freeze"]
            if value is True:
                frozen = state.now_ms()
            elif isinstance(value, str) and parse_iso_ms(value) is not None:
                frozen = parse_iso_ms(value)
            elif isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 10**11:
                frozen = int(value * 1000)
            else:
                return _bad(
                    f"freeze: {json.dumps(value)[:60]} is not valid; nothing was changed. "
                    "Valid values: an RFC 3339 time with a zone (2026-01-01T00:00:00Z), Unix seconds, or true (now)."
                )
        if "advance" in body:
            step = body["advance"]
            if isinstance(step, bool) or not isinstance(step, int | float) or not 0 <= step <= 10 * 365 * 86_400:
                return _bad(
                    f"advance: {json.dumps(step)[:60]} is not valid; nothing was changed. "
                    "Valid values: a number of seconds from 0 to 315360000 (the clock never goes back)."
                )
            if frozen is not None:
                frozen += int(step * 1000)
            else:
                offset += int(step * 1000)
        store.set_clock(frozen, offset)
        return jsonify(clock_plain(store))

    @admin.put("/agents/<agent>")
    def put_agent(agent: str) -> ResponseReturnValue:
        body = _object_body()
        if isinstance(body, str):
            return _bad(body)
        if set(body) != {"ready"} or not isinstance(body["ready"], bool):
            return _bad('Send {"ready": true} or {"ready": false}; nothing was changed.')
        store.set_ready(agent, body["ready"])
        return jsonify({"name": agent, "ready": body["ready"]})
