"""The admin API's clock and agent-readiness requests as plain data (the routes are in _admin.py).

PUT /__admin/clock  {"freeze": "2026-01-01T00:00:00Z" | <Unix seconds> | true, "advance": <seconds>, "real": true}
GET /__admin/clock  -> {"now": ..., "frozen": bool, "offsetSeconds": ...}
PUT /__admin/agents/{agentName}  {"ready": false}   a not-ready agent refuses starts
"""

from __future__ import annotations

import json
from typing import Any

from pipecat_cloud_mock.mocker.session import parse_iso_ms
from pipecat_cloud_mock.mocker.walker import iso_ms
from pipecat_cloud_mock.mocker.world import LifecycleState
from pipecat_cloud_mock.state.store import LifecycleStore

ENDPOINTS = (
    "GET|PUT /__admin/clock  (PUT: freeze, advance, real)",
    "PUT /__admin/agents/{agentName}  (ready)",
)
_CLOCK_FIELDS = ("freeze", "advance", "real")


def object_body(raw: bytes) -> dict[str, Any] | str:
    """The request's JSON object, or the message saying why it is not one."""
    try:
        body = json.loads(raw or b"{}")
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


def clock_setting(body: dict[str, Any], state: LifecycleState) -> tuple[int | None, int] | str:
    """(frozen_ms, offset_ms) a PUT /__admin/clock body asks for, or the message saying what is wrong."""
    unknown = [k for k in body if k not in _CLOCK_FIELDS]
    if unknown or not body:
        what = f"Unknown clock field(s) {', '.join(map(repr, unknown))}" if unknown else "An empty clock request"
        return (
            f"{what}; nothing was changed. Valid fields: freeze (an RFC 3339 time, Unix seconds, or true for "
            "now), advance (seconds), real (true)."
        )
    frozen, offset = state.frozen_ms, state.offset_ms
    if body.get("real") is True:
        frozen, offset = None, 0
    elif "real" in body:
        return "real: only true is valid (back to real time); nothing was changed."
    if "freeze" in body:
        value = body["freeze"]
        if value is True:
            frozen = state.now_ms()
        elif isinstance(value, str) and parse_iso_ms(value) is not None:
            frozen = parse_iso_ms(value)
        elif isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 10**11:
            frozen = int(value * 1000)
        else:
            return (
                f"freeze: {json.dumps(value)[:60]} is not valid; nothing was changed. "
                "Valid values: an RFC 3339 time with a zone (2026-01-01T00:00:00Z), Unix seconds, or true (now)."
            )
    if "advance" in body:
        step = body["advance"]
        if isinstance(step, bool) or not isinstance(step, int | float) or not 0 <= step <= 10 * 365 * 86_400:
            return (
                f"advance: {json.dumps(step)[:60]} is not valid; nothing was changed. "
                "Valid values: a number of seconds from 0 to 315360000 (the clock never goes back)."
            )
        if frozen is not None:
            frozen += int(step * 1000)
        else:
            offset += int(step * 1000)
    return frozen, offset


def readiness(body: dict[str, Any]) -> bool | str:
    if set(body) != {"ready"} or not isinstance(body["ready"], bool):
        return 'Send {"ready": true} or {"ready": false}; nothing was changed.'
    return bool(body["ready"])
