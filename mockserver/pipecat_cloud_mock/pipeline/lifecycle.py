"""The session lifecycle's operations: list, start, stop, agent details, agents, organizations.

Pipecat-specific behaviour in one place, on top of the spec-driven pipeline: which operation does what is
named here by operationId (the reference's and the overlay's); what each accepts and answers is read from
the spec. Every answer is plain data (`Answer`); the pipeline encodes it.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipecat_cloud_mock.mocker.session import parse_iso_ms
from pipecat_cloud_mock.mocker.walker import uuid4_from
from pipecat_cloud_mock.mocker.world import (
    ORGANIZATION,
    Filters,
    LifecycleState,
    World,
    live_session,
    started_session_id,
    was_stopped,
    with_sdk_fields,
)
from pipecat_cloud_mock.seed import rng_for
from pipecat_cloud_mock.spec.loader import Operation
from pipecat_cloud_mock.state.store import LifecycleStore

LIST = frozenset({"getSessions", "getOrganizationServiceSessions"})
STOP = frozenset({"stopSession", "stopOrganizationServiceSession"})
START = frozenset({"startService"})
AGENT = frozenset({"getService"})
AGENT_WRAPPED = frozenset({"getOrganizationService"})  # the SDK's path answers {"body": ...}
AGENTS = frozenset({"listServices", "listOrganizationServices"})
ORGANIZATIONS = frozenset({"listOrganizations"})
HANDLED = LIST | STOP | START | AGENT | AGENT_WRAPPED | AGENTS | ORGANIZATIONS
SDK_DETAILS = frozenset({"getOrganizationServiceSession"})

# The reference's StartRequest.body limits: 1 MB for daily and webrtc, 4 KB for websocket.
MAX_START_BODY = 1024 * 1024
MAX_WEBSOCKET_BODY = 4 * 1024
MAX_REQUEST_BYTES = MAX_START_BODY + 64 * 1024  # the whole request: the body field plus the other fields
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # the values; shaped to the response schema by the pipeline (errors are plain messages)
    error: str | None = None  # set for an error answer: the message of its ErrorResponse


def bad(message: str, status: int = 400) -> Answer:
    return Answer(status, None, message)


class Lifecycle:
    """What each lifecycle operation does. The request has passed the spec's checks (`params.RequestChecker`)."""

    def __init__(self, store: LifecycleStore, world: World) -> None:
        self.store = store
        self.world = world

    def answer(
        self,
        operation: Operation,
        seed: int,
        params: Mapping[str, str],
        query: Mapping[str, str],
        body: bytes,
        fixtures: Mapping[tuple[str, str], Mapping[str, Any]],
    ) -> Answer:
        """`fixtures`: the fixture and admin sessions (the store's state) as given."""
        op_id = operation.operation_id
        state = self.store.state()
        agent = params.get("agentName", "")
        if op_id in LIST:
            return self._list(seed, agent, query, fixtures, state)
        if op_id in AGENT or op_id in AGENT_WRAPPED:
            details = self.world.agent(seed, agent, fixtures, state)
            return Answer(200, {"body": details} if op_id in AGENT_WRAPPED else details)
        if op_id in AGENTS:
            region = query.get("region")
            agents = [
                self.world.agent(seed, name, fixtures, state) for name in self.world.known_agents(fixtures, state)
            ]
            items = [self.world.agent_list_item(seed, a) for a in agents if region in (None, a["region"])]
            return Answer(200, {"services": items})
        if op_id in ORGANIZATIONS:
            return Answer(200, {"organizations": [dict(ORGANIZATION)]})
        if op_id in START:
            return self._start(seed, agent, body, state)
        return self._stop(seed, agent, params.get("sessionId", ""), fixtures, state)

    def _list(
        self,
        seed: int,
        agent: str,
        query: Mapping[str, str],
        fixtures: Mapping[tuple[str, str], Mapping[str, Any]],
        state: LifecycleState,
    ) -> Answer:
        def number(name: str, default: int) -> int:
            return int(query[name]) if name in query else default

        filters = Filters(
            status=query.get("status", "all"),
            start_type=query.get("startType", "all"),
            deployment_id=query.get("deploymentId"),
            created_after=number("startTime", 0) if "startTime" in query else None,
            created_before=number("endTime", 0) if "endTime" in query else None,
            bot_start_min=number("startTimeMin", 0),
            bot_start_max=number("startTimeMax", 0),
            end_state=query.get("endState"),
        )
        page = self.world.page(seed, agent, fixtures, state, filters, number("limit", 10), number("offset", 0))
        return Answer(200, page)

    def _start(self, seed: int, agent: str, raw: bytes, state: LifecycleState) -> Answer:
        if len(raw) > MAX_REQUEST_BYTES:
            return bad(f"The request body is {len(raw)} bytes; at most {MAX_REQUEST_BYTES} are accepted.")
        try:
            request = json.loads(raw) if raw.strip() else None
        except (ValueError, UnicodeDecodeError) as exc:
            return bad(f"The request body is not valid JSON ({exc}). Send a StartRequest object, e.g. {{}}.")
        if not isinstance(request, dict):
            return bad('The request body must be a StartRequest object (e.g. {"createDailyRoom": false}).')
        transport = request.get("transport")
        if "body" in request:
            size = len(json.dumps(request["body"], separators=(",", ":")).encode())
            limit = MAX_WEBSOCKET_BODY if transport == "websocket" else MAX_START_BODY
            if size > limit:
                return bad(
                    f"body: {size} bytes is over the limit of {limit} bytes for transport {transport or 'daily'}."
                )
        if not state.agents_ready.get(agent, True):
            return bad(
                "Attempt to start agent when deployment is not in ready state. "
                f"Agent {agent!r} is marked not ready "
                f'(PUT /__admin/agents/{agent} with {{"ready": true}} to change it).'
            )
        info = {"transport": transport or ("daily" if request.get("createDailyRoom") else None)}
        row = self.store.start(agent, lambda seq: started_session_id(seed, agent, seq), state.now_ms(), info)
        return Answer(200, start_response(seed, agent, row.session_id, request))

    def _stop(
        self,
        seed: int,
        agent: str,
        session_id: str,
        fixtures: Mapping[tuple[str, str], Mapping[str, Any]],
        state: LifecycleState,
    ) -> Answer:
        if not _UUID.fullmatch(session_id):
            return bad(f"sessionId: {session_id[:80]!r} is not a valid session id. Valid values: a UUID.")
        now = state.now_ms()
        row = state.rows.get((agent, session_id))
        if row is not None:
            current = live_session(seed, row, now)
            if current.get("endedAt") is not None:
                how = "was stopped" if was_stopped(seed, row) else "ended by itself"
                return bad(
                    f"Session {session_id} of agent {agent!r} {how} at {current['endedAt']}; "
                    "it cannot be stopped again.",
                    404,
                )
            self.store.stop(agent, session_id, row.created_ms, max(now, row.created_ms), {})  # a clock set back
            return Answer(200, {"status": "terminated", "session_id": session_id})
        given = fixtures.get((agent, session_id))
        if given is None and self.world.only_fixtures:
            return bad(f"Session not found: no session {session_id} of agent {agent!r} is defined.", 404)
        current = dict(self.world.fixture_or_generated(seed, agent, session_id, given))
        if current.get("endedAt") is not None:
            return bad(
                f"Session {session_id} of agent {agent!r} ended at {current['endedAt']}; it cannot be stopped.", 404
            )
        last_change = parse_iso_ms(str(current.get("updatedAt"))) or now
        if not self.store.stop(agent, session_id, 0, max(now, last_change), {"base": current}):
            return bad(f"Session {session_id} of agent {agent!r} was already stopped.", 404)
        return Answer(200, {"status": "terminated", "session_id": session_id})

    def details(self, seed: int, agent: str, session_id: str, sdk: bool) -> Mapping[str, Any] | None:
        """A started or stopped session's body, or None when the user never started or stopped it."""
        state = self.store.state()
        if not state.rows:
            return None
        row = state.rows.get((agent, session_id))
        if row is None:
            return None
        values = live_session(seed, row, state.now_ms())
        return with_sdk_fields(values, was_stopped(seed, row)) if sdk else values


def start_response(seed: int, agent: str, session_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
    """What a start answers, for the transport asked for (as the reference describes each field)."""
    rng = rng_for(seed, "start-response", agent, session_id)
    out: dict[str, Any] = {"sessionId": session_id}
    if request.get("createDailyRoom"):
        room = uuid4_from(rng).replace("-", "")[:20]
        out["dailyRoom"] = f"https://pipecat-mock.daily.co/{room}"
        out["dailyToken"] = "mock-daily-token-" + uuid4_from(rng).replace("-", "")
    if request.get("transport") == "websocket":
        out["wsUrl"] = f"wss://pipecat-mock.invalid/ws/generic/{agent}.{ORGANIZATION['name']}"
        out["token"] = "mock-ws-token-" + uuid4_from(rng).replace("-", "")
        if "body" in request:
            out["body"] = base64.b64encode(json.dumps(request["body"], separators=(",", ":")).encode()).decode()
    if request.get("enableDefaultIceServers"):
        out["iceConfig"] = {
            "iceServers": [{"urls": ["stun:stun.pipecat-mock.invalid:3478"], "username": "mock", "credential": "mock"}]
        }
    return out
