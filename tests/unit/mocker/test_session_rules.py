"""The session layer is one user of the general rules: its times follow the general time order, and a session
fitted to given times is the generated session's model, not a second copy of it."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st
from pipecat_cloud_mock.mocker.consistency import fitted_base
from pipecat_cloud_mock.mocker.object_rules import TimeOrder, parse_iso_ms
from pipecat_cloud_mock.mocker.session import session_values, session_values_between

IDS = st.integers(0, 2**122).map(lambda n: str(uuid.UUID(int=n, version=4)))
SEEDS = st.integers(0, 2**16)
AGENTS = st.sampled_from(["voice-bot", "team/bot", "ünïcødé"])


def test_time_order_moves_only_the_movable_time_up_to_the_latest_earlier_rank() -> None:
    order = TimeOrder.of(("updatedAt", "endedAt", "createdAt", "label"))
    assert order.names == ("createdAt", "endedAt", "updatedAt")  # rank order; a field that is no time is left out
    times = {"createdAt": 50, "endedAt": 80, "updatedAt": 10}
    order.apply(times, {"updatedAt"})
    assert times == {"createdAt": 50, "endedAt": 80, "updatedAt": 80}
    running = {"createdAt": 50, "endedAt": None, "updatedAt": 10}
    order.apply(running, {"updatedAt"})
    assert running["updatedAt"] == 50  # no end: the creation is the floor
    fixed = {"createdAt": 50, "endedAt": 20, "updatedAt": 90}
    order.apply(fixed, {"updatedAt"})
    assert fixed == {"createdAt": 50, "endedAt": 20, "updatedAt": 90}  # given times are never moved


@given(SEEDS, AGENTS, IDS)
def test_an_ended_session_refitted_to_its_own_times_is_the_same_session(seed: int, agent: str, sid: str) -> None:
    generated = session_values(seed, agent, sid)
    created, ended = parse_iso_ms(generated["createdAt"]), generated["endedAt"]
    if ended is None or generated["botStartSeconds"] is None:
        return  # a running session is seen at the anchor; a session without a bot has no lifetime to refit
    end = parse_iso_ms(ended)
    assert created is not None
    assert end is not None
    refitted = session_values_between(seed, agent, sid, created, end, end, generated["completionStatus"])
    assert refitted == generated


@given(SEEDS, AGENTS, IDS, st.sampled_from([None, 1_000, 200_000, 4_000_000]), st.integers(0, 5_000_000))
def test_times_are_ordered_and_websocket_sessions_have_no_meeting(
    seed: int, agent: str, sid: str, length: int | None, later: int
) -> None:
    created = 1_790_000_000_000
    end = None if length is None else created + length
    for completion in (None, "HTTP_COMPLETED", "WS_CONNECTION_CLOSED"):
        body = session_values_between(seed, agent, sid, created, end, created + later, completion)
        updated, created_at = parse_iso_ms(body["updatedAt"]), parse_iso_ms(body["createdAt"])
        assert created_at == created
        assert updated is not None
        assert updated >= created
        if end is not None:
            assert updated >= end
        if completion == "WS_CONNECTION_CLOSED":
            assert body["meetingIds"] == []


def test_a_fixture_of_a_websocket_session_keeps_it_without_a_daily_meeting() -> None:
    # The base's kind is kept when fitted to given times: a WebSocket session gets no Daily meeting.
    found = 0
    for i in range(400):
        sid = str(uuid.UUID(int=i, version=4))
        base = session_values(0, "agent", sid)
        if base["completionStatus"] != "WS_CONNECTION_CLOSED":
            continue
        found += 1
        fitted = fitted_base(0, "agent", sid, {"createdAt": "2026-10-01T00:00:00.000Z"}, dict(base))
        assert fitted["completionStatus"] == "WS_CONNECTION_CLOSED"
        assert fitted["meetingIds"] == []
    assert found > 20
