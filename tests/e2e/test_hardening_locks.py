"""A worker killed at any instruction, even while it holds a shared lock, never stops the others."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from pipecat_cloud_mock.faults import RequestCounter
from pipecat_cloud_mock.state.journal import JournalRing

from tests.support.servers import run_cli

HEADERS = {"Authorization": "Bearer k"}
SESSION = "/v1/agents/a/sessions/800d5d4a-0fe4-4a3f-b4c8-6a0b86d9b0b5"


def _die_holding(lock: object) -> None:
    """Fork a child that takes `lock` and is SIGKILLed while holding it."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        with lock:  # type: ignore[attr-defined]
            os.kill(os.getpid(), signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status)


def _finishes(call: Callable[[], object], seconds: float = 20) -> bool:
    thread = threading.Thread(target=call, daemon=True)  # a hung call leaves only a daemon thread behind
    thread.start()
    thread.join(seconds)
    return not thread.is_alive()


def test_the_request_counter_outlives_a_holder_killed_inside_it() -> None:
    counter = RequestCounter()
    assert counter.next() == 0
    _die_holding(counter._lock)
    assert _finishes(counter.next), "the counter's lock stayed with a dead process"
    assert counter.next() == 2  # the dead holder's number was never handed out; nothing is torn


def test_the_journal_ring_outlives_a_holder_killed_inside_it() -> None:
    ring = JournalRing(8)
    ring.record((1.0, "GET", "/a", {}, {}, 200, None))
    _die_holding(ring._lock)
    assert _finishes(lambda: ring.record((2.0, "GET", "/b", {}, {}, 200, None)))
    assert [row[2] for _, row in ring.entries()] == ["/b", "/a"]


def _workers(master: int) -> list[int]:
    """gunicorn's workers: the master's children (Linux lists them per thread; the master's main thread forks)."""
    try:
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.e2e
def test_the_server_answers_after_every_worker_kill_under_load() -> None:
    kills = 20  # the locks' own tests kill a holder inside each lock; this one lands kills anywhere
    with run_cli(["serve", "--port", "0", "--workers", "2", "--threads", "8", "--quiet"]) as server:
        stop = threading.Event()

        def load() -> None:
            with requests.Session() as http:
                while not stop.is_set():
                    with contextlib.suppress(requests.RequestException):  # the connection of a killed worker
                        http.get(server.url + SESSION, headers=HEADERS, timeout=5)

        pumps = [threading.Thread(target=load, daemon=True) for _ in range(16)]
        for pump in pumps:
            pump.start()
        try:
            for kill in range(kills):
                deadline = time.monotonic() + 30
                while len(workers := _workers(server.proc.pid)) < 2 and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert workers, "gunicorn started no worker again"
                time.sleep(0.02 + 0.01 * (kill % 10))  # land the kill at different points of the workers' loops
                os.kill(workers[kill % len(workers)], signal.SIGKILL)
                answered = None
                deadline = time.monotonic() + 30
                while answered is None and time.monotonic() < deadline:
                    try:
                        answered = requests.get(server.url + SESSION, headers=HEADERS, timeout=10).status_code
                        requests.get(server.url + "/__admin/requests?limit=1", timeout=10).raise_for_status()
                    except requests.RequestException:
                        answered = None
                assert answered == 200, f"no answer within 30 s after kill {kill + 1}"
        finally:
            stop.set()
            for pump in pumps:
                pump.join(10)
