"""The official pipecatcloud CLI, unmodified, runs the whole session lifecycle against `pipecat-mock serve`.

Only the CLI's environment is set (PIPECAT_API_HOST, PIPECAT_TOKEN; PIPECAT_ORG left out, so the CLI asks
GET /v1/organizations first). HOME and PIPECAT_CONFIG_PATH point into a temporary directory: no user file
is read or written and no request leaves 127.0.0.1. The server is a real process with two workers, so a
start answered by one worker must be seen by the other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.servers import Running, run_cli

AGENT = "lifecycle-bot"
PUBLIC_KEY = "pk_test_lifecycle"


@pytest.fixture(scope="module")
def server() -> Iterator[Running]:
    with run_cli(["serve", "--port", "0", "--workers", "2", "--threads", "2", "--seed", "5", "--quiet"]) as running:
        yield running


def cli(server: Running, home: Path, *args: str, json_output: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PIPECAT_")},
        "HOME": str(home),
        "PIPECAT_CONFIG_PATH": str(home / "pipecatcloud.toml"),
        "PIPECAT_API_HOST": server.url,
        "PIPECAT_TOKEN": "private-token",
        "COLUMNS": "200",
    }
    if json_output:
        env["PIPECAT_OUTPUT"] = "json"
    code = "from pipecatcloud.cli.entry_point import entrypoint_cli_typer as cli; cli()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def out(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_start_list_details_stop_status_list(server: Running, tmp_path: Path) -> None:
    started = cli(server, tmp_path, "agent", "start", AGENT, "--force", "--api-key", PUBLIC_KEY, json_output=False)
    assert started.returncode == 0, started.stdout + started.stderr
    assert "Session ID: " in started.stdout
    session_id = started.stdout.split("Session ID: ")[1].split()[0]

    listed = out(cli(server, tmp_path, "agent", "sessions", AGENT))
    ids = [s["sessionId"] for s in listed["sessions"]]
    assert session_id in ids
    assert listed["sessions"][0]["sessionId"] == session_id  # newest first

    details = out(cli(server, tmp_path, "agent", "sessions", AGENT, "--id", session_id))
    assert details["sessionId"] == session_id
    assert details["endedAt"] is None
    assert details["completionStatus"] is None
    assert details["endState"] is None

    status = out(cli(server, tmp_path, "agent", "status", AGENT))
    assert status["ready"] is True
    assert status["activeSessionCount"] >= 1
    plain_status = cli(server, tmp_path, "agent", "status", AGENT, json_output=False)
    assert plain_status.returncode == 0, plain_status.stderr
    assert "Ready" in plain_status.stdout

    agents = out(cli(server, tmp_path, "agent", "list"))
    assert AGENT in [a["name"] for a in agents["agents"]]

    stopped = cli(server, tmp_path, "agent", "stop", AGENT, "--session-id", session_id, "--force", json_output=False)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert "stopped successfully" in stopped.stdout

    ended = out(cli(server, tmp_path, "agent", "sessions", AGENT, "--id", session_id))
    assert ended["endedAt"] is not None
    assert ended["endState"] == "terminated"
    assert ended["events"][0]["eventCode"] == "SESSION_START_INITIATED"
    assert ended["events"][-1]["eventTs"] == ended["endedAt"]
    shown = cli(server, tmp_path, "agent", "sessions", AGENT, "--id", session_id, json_output=False)
    assert shown.returncode == 0, shown.stderr
    assert "Lifecycle" in shown.stdout
    assert "Terminated" in shown.stdout

    after = out(cli(server, tmp_path, "agent", "status", AGENT))
    assert after["activeSessionCount"] == status["activeSessionCount"] - 1
    assert not (tmp_path / ".config").exists()  # hermetic: nothing written under HOME


def test_both_workers_see_one_world(server: Running) -> None:
    headers = {"Authorization": "Bearer t"}
    started = requests.post(f"{server.url}/v1/public/two-workers/start", json={}, headers=headers, timeout=10)
    assert started.status_code == 200, started.text
    session_id = started.json()["sessionId"]
    # Many connections: gunicorn spreads them over both workers; every one sees the started session.
    for _ in range(12):
        with requests.Session() as fresh:
            url = f"{server.url}/v1/agents/two-workers/sessions?status=active"
            listed = fresh.get(url, headers=headers, timeout=10)
            assert session_id in [s["sessionId"] for s in listed.json()["sessions"]]
    stop = requests.delete(f"{server.url}/v1/agents/two-workers/sessions/{session_id}", headers=headers, timeout=10)
    assert stop.json() == {"status": "terminated", "session_id": session_id}
    for _ in range(6):
        with requests.Session() as fresh:
            body = fresh.get(f"{server.url}/v1/agents/two-workers/sessions/{session_id}", headers=headers, timeout=10)
            assert body.json()["endedAt"] is not None
    again = requests.delete(f"{server.url}/v1/agents/two-workers/sessions/{session_id}", headers=headers, timeout=10)
    assert again.status_code == 404
    assert "cannot be stopped again" in again.json()["error"]
    assert requests.post(f"{server.url}/__admin/reset", timeout=10).status_code == 200
    forgotten = requests.get(f"{server.url}/v1/agents/two-workers/sessions?status=active", headers=headers, timeout=10)
    assert session_id not in [s["sessionId"] for s in forgotten.json()["sessions"]]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_the_world_survives_its_workers_being_killed() -> None:
    import signal
    import time

    args = ["serve", "--port", "0", "--workers", "2", "--threads", "1", "--seed", "5", "--quiet"]
    with run_cli(args) as running:
        headers = {"Authorization": "Bearer t"}
        started = requests.post(f"{running.url}/v1/public/survivor/start", json={}, headers=headers, timeout=10)
        session_id = started.json()["sessionId"]
        deadline = time.monotonic() + 60
        while len(workers := _children(running.proc.pid)) < 2:  # both booted
            assert time.monotonic() < deadline, "gunicorn did not start its two workers"
            time.sleep(0.2)
        for pid in workers:  # the server's own workers, by id; gunicorn starts new ones
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while set(_children(running.proc.pid)) & set(workers) or len(_children(running.proc.pid)) < 2:
            assert time.monotonic() < deadline, "gunicorn did not replace its workers"
            time.sleep(0.2)
        listed = requests.get(f"{running.url}/v1/agents/survivor/sessions?status=active", headers=headers, timeout=10)
        assert session_id in [s["sessionId"] for s in listed.json()["sessions"]]
