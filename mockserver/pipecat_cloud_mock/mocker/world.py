"""One world behind every endpoint: each agent's sessions, what users started and stopped, and the clock.

An agent's history is a deterministic set of generated sessions (`session_values` of ids drawn from the
seed and the agent), plus the fixture and admin sessions of that agent, plus the sessions started through
the API. Every endpoint reads the same values: a listed session fetched by id is its list item and more.
Started sessions live in time: created at the clock's now, they grow samples while they run and end by
themselves at their drawn lifetime, or when stopped.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pipecat_cloud_mock.mocker.session import (
    agent_ids,
    drawn_lifetime_seconds,
    end_state,
    lifecycle_events,
    parse_iso_ms,
    session_values,
    session_values_between,
)
from pipecat_cloud_mock.mocker.walker import ANCHOR_SECONDS, iso_ms, uuid4_from
from pipecat_cloud_mock.seed import rng_for


@dataclass(frozen=True)
class LifecycleRow:
    agent: str
    session_id: str
    seq: int  # the order of starts per agent, from 0
    created_ms: int
    stopped_ms: int | None
    info: Mapping[str, Any]  # what the start asked for (transport, ...) or, for a stopped generated one, its kind


@dataclass(frozen=True)
class LifecycleState:
    generation: int
    rows: Mapping[tuple[str, str], LifecycleRow] = field(default_factory=dict)  # by (agentName, sessionId)
    agents_ready: Mapping[str, bool] = field(default_factory=dict)
    frozen_ms: int | None = None  # the clock stands still here when set
    offset_ms: int = 0  # otherwise: real time plus this

    def now_ms(self) -> int:
        return self.frozen_ms if self.frozen_ms is not None else int(time.time() * 1000) + self.offset_ms


HISTORY_SIZE = (12, 40)  # generated sessions per agent: a deterministic count in this range
COMPLETED_BY_ITSELF = "HTTP_COMPLETED"
STOPPED_STATUS = "HTTP_COMPLETED"  # a stopped session ended normally for the transport; endState says why
ORGANIZATION = {"name": "pipecat-mock", "verboseName": "Pipecat MockPipeline"}
FixtureBody = Callable[[int, str, str, Mapping[str, Any]], Mapping[str, Any]]  # (seed, agent, id, given) -> body


@lru_cache(maxsize=256)
def history_ids(seed: int, agent: str) -> tuple[str, ...]:
    rng = rng_for(seed, "history", agent)
    return tuple(uuid4_from(rng) for _ in range(rng.randint(*HISTORY_SIZE)))


@lru_cache(maxsize=64)
def _generated_history(seed: int, agent: str) -> tuple[Mapping[str, Any], ...]:
    return tuple(session_values(seed, agent, session_id) for session_id in history_ids(seed, agent))


def _built(session: Mapping[str, Any]) -> tuple[tuple[str, str], Callable[[], tuple[Mapping[str, Any], bool]]]:
    return (str(session.get("createdAt")), session["sessionId"]), lambda: (session, False)


def _created_key(row: LifecycleRow) -> tuple[str, str]:
    """The sort key live_session's body will have: its createdAt, then its id."""
    created = (row.info.get("base") or {}).get("createdAt") if row.seq < 0 else iso_ms(row.created_ms)
    return str(created), row.session_id


def _live_pair(seed: int, row: LifecycleRow, now_ms: int) -> tuple[Mapping[str, Any], bool]:
    return live_session(seed, row, now_ms), was_stopped(seed, row)


def live_session(seed: int, row: LifecycleRow, now_ms: int) -> dict[str, Any]:
    """A session started (or stopped) through the API, as of `now_ms`."""
    if row.seq < 0:  # a session the mock generated (or a fixture's), stopped by the user
        base = dict(row.info.get("base") or {})
        base.update(endedAt=iso_ms(row.stopped_ms or now_ms), completionStatus=STOPPED_STATUS)
        base["updatedAt"] = base["endedAt"]
        return base
    values = session_values_between(seed, row.agent, row.session_id, row.created_ms, None, now_ms, None)
    bot = values["botStartSeconds"] or 0
    natural_end = row.created_ms + (bot + drawn_lifetime_seconds(seed, row.agent, row.session_id)) * 1000
    end = min(x for x in (row.stopped_ms, natural_end) if x is not None)
    if end > now_ms and row.stopped_ms is None:  # a stopped one stays ended, even under a clock set back
        return values
    status = STOPPED_STATUS if row.stopped_ms is not None and row.stopped_ms <= natural_end else COMPLETED_BY_ITSELF
    return session_values_between(seed, row.agent, row.session_id, row.created_ms, end, now_ms, status)


def was_stopped(seed: int, row: LifecycleRow) -> bool:
    if row.stopped_ms is None:
        return False
    if row.seq < 0:
        return True
    values = session_values_between(seed, row.agent, row.session_id, row.created_ms, None, row.created_ms, None)
    lifetime = (values["botStartSeconds"] or 0) + drawn_lifetime_seconds(seed, row.agent, row.session_id)
    return row.stopped_ms <= row.created_ms + lifetime * 1000


def with_sdk_fields(session: Mapping[str, Any], stopped: bool) -> dict[str, Any]:
    """What the real service adds for the SDK: endState and the lifecycle events."""
    return {**session, "endState": end_state(session, stopped), "events": lifecycle_events(session)}


@dataclass(frozen=True)
class Filters:
    status: str = "all"
    start_type: str = "all"
    deployment_id: str | None = None
    created_after: int | None = None  # Unix seconds
    created_before: int | None = None
    bot_start_min: int = 0
    bot_start_max: int = 0  # 0: no bound
    end_state: str | None = None

    def keep(self, session: Mapping[str, Any], stopped: bool) -> bool:
        ended = session.get("endedAt") is not None
        if (self.status == "active" and ended) or (self.status == "ended" and not ended):
            return False
        cold = session.get("coldStart")
        if (self.start_type == "cold" and cold is not True) or (self.start_type == "warm" and cold is not False):
            return False
        if self.deployment_id is not None and session.get("deploymentId") != self.deployment_id:
            return False
        created_s = (parse_iso_ms(str(session.get("createdAt"))) or 0) // 1000
        if self.created_after is not None and created_s <= self.created_after:
            return False
        if self.created_before is not None and created_s >= self.created_before:
            return False
        bot = session.get("botStartSeconds")
        if self.bot_start_min and (bot is None or bot < self.bot_start_min):
            return False
        if self.bot_start_max and (bot is None or bot > self.bot_start_max):
            return False
        return self.end_state is None or (end_state(session, stopped) or "active") == self.end_state


class World:
    def __init__(self, fixture_body: FixtureBody, only_fixtures: bool = False) -> None:
        self._fixture_body = fixture_body
        self.only_fixtures = only_fixtures  # no generated history: only fixture, admin and started sessions

    def fixture_or_generated(
        self, seed: int, agent: str, session_id: str, given: Mapping[str, Any] | None
    ) -> Mapping[str, Any]:
        return (
            session_values(seed, agent, session_id)
            if given is None
            else self._fixture_body(seed, agent, session_id, given)
        )

    def sessions(
        self,
        seed: int,
        agent: str,
        fixtures: Mapping[tuple[str, str], Mapping[str, Any]],
        lifecycle: LifecycleState,
    ) -> list[tuple[Mapping[str, Any], bool]]:
        """Every session of the agent with whether the user stopped it, newest first."""
        return [build() for _, build in self._entries(seed, agent, fixtures, lifecycle)]

    def _entries(
        self,
        seed: int,
        agent: str,
        fixtures: Mapping[tuple[str, str], Mapping[str, Any]],
        lifecycle: LifecycleState,
    ) -> list[tuple[tuple[str, str], Callable[[], tuple[Mapping[str, Any], bool]]]]:
        """The agent's sessions newest first, each as its sort key and how to build it: a started session's
        place is known from its row, so a page builds only the sessions it shows."""
        now = lifecycle.now_ms()
        generated = () if self.only_fixtures else _generated_history(seed, agent)
        by_id: dict[str, tuple[tuple[str, str], Callable[[], tuple[Mapping[str, Any], bool]]]] = {
            s["sessionId"]: _built(s) for s in generated
        }
        for (fixture_agent, session_id), given in fixtures.items():
            if fixture_agent == agent:
                by_id[session_id] = _built(self._fixture_body(seed, agent, session_id, given))
        for (row_agent, session_id), row in lifecycle.rows.items():
            if row_agent == agent:
                by_id[session_id] = (_created_key(row), functools.partial(_live_pair, seed, row, now))
        return sorted(by_id.values(), key=lambda entry: entry[0], reverse=True)

    def page(
        self,
        seed: int,
        agent: str,
        fixtures: Mapping[tuple[str, str], Mapping[str, Any]],
        lifecycle: LifecycleState,
        filters: Filters,
        limit: int,
        offset: int,
    ) -> dict[str, Any]:
        entries = self._entries(seed, agent, fixtures, lifecycle)
        if filters == Filters():  # nothing to filter on: build only the page
            return {
                "total_count": len(entries),
                "sessions": [build()[0] for _, build in entries[offset : offset + limit]],
            }
        kept = [s for s, stopped in (build() for _, build in entries) if filters.keep(s, stopped)]
        return {"total_count": len(kept), "sessions": kept[offset : offset + limit]}

    def known_agents(
        self, fixtures: Mapping[tuple[str, str], Mapping[str, Any]], lifecycle: LifecycleState
    ) -> list[str]:
        names = {agent for agent, _ in fixtures} | {agent for agent, _ in lifecycle.rows} | set(lifecycle.agents_ready)
        return sorted(names)

    def agent(
        self,
        seed: int,
        agent: str,
        fixtures: Mapping[tuple[str, str], Mapping[str, Any]],
        lifecycle: LifecycleState,
    ) -> dict[str, Any]:
        """An agent's details: its deployment, readiness and how many of its sessions run now."""
        org, service, deployment = agent_ids(seed, agent)
        rng = rng_for(seed, "agent-details", agent)
        created_ms = (ANCHOR_SECONDS - rng.randint(40, 400) * 86_400) * 1000 + rng.randint(0, 999)
        updated_ms = created_ms + rng.randint(1, 39) * 86_400_000
        ready = lifecycle.agents_ready.get(agent, True)
        active = sum(1 for s, _ in self.sessions(seed, agent, fixtures, lifecycle) if s.get("endedAt") is None)
        min_replicas, max_replicas = rng.choice((0, 1, 2)), rng.choice((5, 10, 20))
        scaling = {"minReplicas": min_replicas, "maxReplicas": max_replicas}
        namespace = f"{ORGANIZATION['name']}-{org[:8]}"
        return {
            "name": agent,
            "region": "us-west",
            "ready": ready,
            "available": ready,
            "createdAt": iso_ms(created_ms),
            "updatedAt": iso_ms(updated_ms),
            "desiredDeploymentId": deployment,
            "activeDeploymentId": deployment,
            "reconciledDeploymentId": deployment,
            "activeDeploymentReady": ready,
            "autoScaling": {"maxReplicas": max_replicas, "minReplicas": min_replicas},
            "activeSessionCount": active,
            "deployment": {
                "id": deployment,
                "manifest": {
                    "apiVersion": "pipecatcloud.daily.co/v1",
                    "kind": "PCService",
                    "metadata": {"name": agent, "namespace": namespace},
                    "spec": {
                        "dailyNodeType": "arm",
                        "image": f"registry.invalid/{agent}:latest",
                        "autoScaling": scaling,
                        "resources": {"cpu": "500m", "memory": "1Gi"},
                    },
                },
                "serviceId": service,
                "createdAt": iso_ms(updated_ms),
                "updatedAt": iso_ms(updated_ms),
            },
            "agentProfile": "agent-1x",
        }

    def agent_list_item(self, seed: int, details: Mapping[str, Any]) -> dict[str, Any]:
        org, service, _ = agent_ids(seed, str(details["name"]))
        keys = ("name", "region", "desiredDeploymentId", "activeDeploymentId", "reconciledDeploymentId")
        return {
            "id": service,
            **{k: details[k] for k in keys},
            "organizationId": org,
            "createdAt": details["createdAt"],
            "updatedAt": details["updatedAt"],
            "deletedAt": None,
        }


def started_session_id(seed: int, agent: str, seq: int) -> str:
    """The id of the agent's `seq`-th started session: the same in every worker and every run."""
    return uuid4_from(rng_for(seed, "started", agent, seq))
