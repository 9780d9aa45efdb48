"""Same (seed, agent, session id) -> byte-identical body, in any order, in any process; --seed changes all."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys

from flask.testing import FlaskClient

from tests.support import REPO
from tests.support.answers import AUTH, session_url
from tests.support.mocks import MockFactory
from tests.support.realism_checks import session_ids

AGENTS = ["voice-bot", "ünïcødé", "team/bot"]
IDS = session_ids(6, seed=3)

_CHILD = """
import hashlib, json, sys
from pipecat_cloud_mock import Config, create_app
from tests.support.answers import session_url
agents, ids, seed = json.loads(sys.argv[1])
client = create_app(Config(seed=seed, access_log=False)).test_client()
for agent in agents:
    for sid in reversed(ids):  # another order than the parent's
        body = client.get(session_url(agent, sid), headers={"Authorization": "Bearer child"}).data
        print(agent.encode().hex(), sid, hashlib.sha256(body).hexdigest())
"""


def digests(client: FlaskClient, headers: dict[str, str] | None = None) -> dict[tuple[str, str], str]:
    return {
        (agent, sid): hashlib.sha256(
            client.get(session_url(agent, sid), headers={**AUTH, **(headers or {})}).data
        ).hexdigest()
        for agent in AGENTS
        for sid in IDS
    }


def test_repeated_requests_are_byte_identical(client: FlaskClient) -> None:
    url = session_url("voice-bot", IDS[0])
    first = client.get(url, headers=AUTH).data
    assert all(client.get(url, headers=AUTH).data == first for _ in range(3))


def test_no_global_random_state_interleaving_and_random_seed_change_nothing(client: FlaskClient) -> None:
    before = digests(client)
    random.seed(12345)
    for _ in range(50):
        random.random()
    shuffled = list(before)
    random.Random(9).shuffle(shuffled)
    for agent, sid in shuffled:
        body = client.get(session_url(agent, sid), headers=AUTH).data
        client.get(session_url(agent, str(IDS[-1])), headers={**AUTH, "Prefer": "seed=99"})  # interleaved
        assert hashlib.sha256(body).hexdigest() == before[(agent, sid)]


def test_a_new_app_gives_the_same_bodies(make_mock: MockFactory, client: FlaskClient) -> None:
    assert digests(make_mock.client()) == digests(client)


def test_another_process_gives_byte_identical_bodies(client: FlaskClient) -> None:
    here = digests(client)
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, json.dumps([AGENTS, IDS, 0])],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=str(REPO),
        ).stdout
        there = {}
        for line in out.splitlines():
            agent_hex, sid, digest = line.split()
            there[(bytes.fromhex(agent_hex).decode(), sid)] = digest
        assert there == here


def test_seed_changes_the_whole_data_set(make_mock: MockFactory, client: FlaskClient) -> None:
    zero = digests(client)
    seeded = digests(make_mock.client(seed=1))
    assert all(seeded[key] != zero[key] for key in zero)
    # Prefer seed=N and --seed N give the same data set.
    assert digests(client, {"Prefer": "seed=1"}) == seeded
    assert digests(client, {"Prefer": "seed=0"}) == zero
    a = json.loads(client.get(session_url("a", IDS[0]), headers=AUTH).data)
    b = json.loads(client.get(session_url("a", IDS[0]), headers={**AUTH, "Prefer": "seed=1"}).data)
    assert a["organizationId"] != b["organizationId"]
    assert a["sessionId"] == b["sessionId"]
