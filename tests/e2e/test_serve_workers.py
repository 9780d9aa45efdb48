"""`pipecat-mock serve --workers 2` as a real process: every worker sees the same admin state and journal."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support import REPO
from tests.support.servers import run_cli

AUTH = {"Authorization": "Bearer t"}
pytestmark = pytest.mark.e2e


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    temp_dir: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    temp_dir = tmp_path_factory.mktemp("tmpdir")
    env = {**os.environ, "TMPDIR": str(temp_dir), "PIPECAT_MOCK_ACCESS_LOG": ""}
    args = ["serve", "--workers", "2", "--port", "0", "--fixtures", "fixtures"]
    with run_cli(args, env=env, cwd=REPO) as running:
        assert "Fixtures: 5 session(s), 4 stub(s) from fixtures\n" in running.stdout
        yield Server(running.url, running.proc, temp_dir)


def test_concurrent_admin_writes_are_all_seen_by_every_worker(server: Server) -> None:
    requests.post(f"{server.url}/__admin/reset", timeout=10).raise_for_status()
    ids = [str(uuid.uuid4()) for _ in range(40)]

    def put(i: int) -> int:
        response = requests.put(
            f"{server.url}/__admin/sessions/agent-{i % 4}/{ids[i]}", json={"botStartSeconds": i}, timeout=10
        )
        return response.status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(put, range(40))) == {201}
        listed = requests.get(f"{server.url}/__admin/sessions", timeout=10).json()["sessions"]
        assert len(listed) == 40 + 5  # the example fixtures define 5

        def read(i: int) -> int:
            url = f"{server.url}/v1/agents/agent-{i % 4}/sessions/{ids[i % 40]}"
            return int(requests.get(url, headers=AUTH, timeout=10).json()["botStartSeconds"])

        # Each request on a new connection: both workers answer, and each must know every session.
        assert list(pool.map(read, range(120))) == [i % 40 for i in range(120)]
    journal = requests.get(f"{server.url}/__admin/requests?limit=1000", timeout=10).json()["requests"]
    assert len(journal) == 120


def test_a_sequence_advances_once_per_request_across_workers(server: Server) -> None:
    requests.post(f"{server.url}/__admin/reset", timeout=10).raise_for_status()
    rule = {"match": {"agentName": "flaky"}, "sequence": [{"status": 500}] * 5 + [{"status": 200}]}
    requests.post(f"{server.url}/__admin/stubs", json=rule, timeout=10).raise_for_status()
    url = f"{server.url}/v1/agents/flaky/sessions/{uuid.uuid4()}"
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: requests.get(url, headers=AUTH, timeout=10).status_code, range(30)))
    assert sorted(statuses) == [200] * 25 + [500] * 5


def test_the_state_file_is_removed_when_the_server_stops(server: Server) -> None:
    assert [p.name for p in server.temp_dir.iterdir() if p.name.startswith("pipecat-mock-")]
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=15) == 0
    assert [p.name for p in server.temp_dir.iterdir() if p.name.startswith("pipecat-mock-")] == []
