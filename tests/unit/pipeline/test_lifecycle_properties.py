"""Hypothesis: the list and the details agree, for any agent, seed, filter and page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pipecat_cloud_mock.spec.loader import load_spec

from tests.support.mocks import MockFactory

AUTH = {"Authorization": "Bearer t"}
_LIST_ITEM_FIELDS = tuple(load_spec().schema("SessionListItem")["properties"])
ClientFor = Callable[[int], Any]


@pytest.fixture(scope="module")
def client_for(make_module_mock: MockFactory) -> ClientFor:
    """One app per seed for the whole module: building one loads the spec."""
    clients: dict[int, Any] = {}

    def client(seed: int) -> Any:
        if seed not in clients:
            clients[seed] = make_module_mock.client(seed=seed)
        return clients[seed]

    return client


agents = st.text(st.characters(categories=("Ll", "Nd"), max_codepoint=0x7F) | st.just("-"), min_size=1, max_size=12)
filters = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["active", "ended", "all"]),
        "startType": st.sampled_from(["cold", "warm", "all"]),
        "startTimeMin": st.integers(0, 8),
        "startTimeMax": st.integers(0, 25),
    },
)


@given(seed=st.integers(0, 3), agent=agents, query=filters, limit=st.integers(1, 15), offset=st.integers(0, 45))
def test_each_listed_session_is_its_details_and_total_counts_the_filtered(
    client_for: ClientFor, seed: int, agent: str, query: dict[str, Any], limit: int, offset: int
) -> None:
    client = client_for(seed)
    page = client.get(
        f"/v1/agents/{agent}/sessions", query_string={**query, "limit": limit, "offset": offset}, headers=AUTH
    ).json
    everything = client.get(f"/v1/agents/{agent}/sessions", query_string={**query, "limit": 100}, headers=AUTH).json
    assert page["total_count"] == everything["total_count"] == len(everything["sessions"])
    assert page["sessions"] == everything["sessions"][offset : offset + limit]
    created = [s["createdAt"] for s in everything["sessions"]]
    assert created == sorted(created, reverse=True)  # newest first
    for item in page["sessions"]:
        assert tuple(item) == _LIST_ITEM_FIELDS
        body = client.get(f"/v1/agents/{agent}/sessions/{item['sessionId']}", headers=AUTH).json
        assert {k: body[k] for k in _LIST_ITEM_FIELDS} == item
        if query.get("status") == "active":
            assert item["endedAt"] is None
        if query.get("status") == "ended":
            assert item["endedAt"] is not None
        if query.get("startType") == "cold":
            assert item["coldStart"] is True
        if query.get("startType") == "warm":
            assert item["coldStart"] is False


@given(seed=st.integers(0, 3), agent=agents)
def test_the_filters_partition_the_history(client_for: ClientFor, seed: int, agent: str) -> None:
    client = client_for(seed)

    def total(**query: Any) -> int:
        return int(client.get(f"/v1/agents/{agent}/sessions", query_string=query, headers=AUTH).json["total_count"])

    assert total(status="active") + total(status="ended") == total()
    assert total(startType="cold") + total(startType="warm") <= total()
    active = client.get(f"/v1/agents/{agent}", headers=AUTH).json["activeSessionCount"]
    assert active == total(status="active")


@given(
    seed=st.integers(0, 3),
    agent=agents,
    starts=st.integers(1, 4),
    stops=st.integers(0, 4),
    query=filters,
    offset=st.integers(0, 5),
)
def test_started_and_stopped_sessions_agree_between_list_and_details(
    seed: int, agent: str, starts: int, stops: int, query: dict[str, Any], offset: int
) -> None:
    with MockFactory() as make_mock:
        client = make_mock.client(seed=seed)
        client.put("/__admin/clock", json={"freeze": 1_790_000_000})
        started = [
            client.post(f"/v1/public/{agent}/start", json={}, headers=AUTH).json["sessionId"] for _ in range(starts)
        ]
        client.put("/__admin/clock", json={"advance": 20})  # under the shortest drawn lifetime (30 s)
        for session_id in started[:stops]:
            assert client.delete(f"/v1/agents/{agent}/sessions/{session_id}", headers=AUTH).status_code == 200
        everything = client.get(f"/v1/agents/{agent}/sessions", query_string={**query, "limit": 100}, headers=AUTH).json
        page = client.get(f"/v1/agents/{agent}/sessions", query_string={**query, "offset": offset}, headers=AUTH).json
        assert page["sessions"] == everything["sessions"][offset : offset + 10]
        listed = {s["sessionId"]: s for s in everything["sessions"]}
        for session_id in started:
            body = client.get(f"/v1/agents/{agent}/sessions/{session_id}", headers=AUTH).json
            stopped = session_id in started[:stops]
            assert (body["endedAt"] is not None) == stopped
            if session_id in listed:
                assert {k: body[k] for k in _LIST_ITEM_FIELDS} == listed[session_id]
            elif (
                query.get("status") in (None, "all") and not query.get("startTimeMin") and not query.get("startTimeMax")
            ):
                assert query.get("startType") not in (None, "all")  # only a start-type filter can leave it out
        active = client.get(f"/v1/agents/{agent}", headers=AUTH).json["activeSessionCount"]
        all_active = client.get(
            f"/v1/agents/{agent}/sessions", query_string={"status": "active", "limit": 100}, headers=AUTH
        )
        assert active == all_active.json["total_count"]
