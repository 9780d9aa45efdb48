"""Slow and idle clients cannot starve the rest, and the request line has a limit that holds with the parser
gunicorn has here (issue 13, items 3 and 7). Each test runs the real `pipecat-mock serve` (defaults)."""

from __future__ import annotations

import json
import selectors
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import requests
from pipecat_cloud_mock.http.server import head_arrived

from tests.support.answers import AUTH, assert_error_response
from tests.support.servers import Running, run_cli

SESSION = "/v1/agents/slow-check/sessions/800d444a-e67e-4686-afb3-b0de509cccb3"
# Four times the threads of the default 2 workers x 8: each would hold a thread if it could, whichever
# worker won the race to accept it.
SLOW_CLIENTS = 64
NORMAL_REQUESTS = 4  # each on a new connection: any worker may accept it
IDLE_CLIENTS = 200
# Far below what the slow clients would hold a thread for (without the fix: until they finish, i.e. never).
ANSWER_WITHIN = 5
CLIENT_TIMEOUT = 1  # --client-timeout for the tests that wait for it to pass
START = "/v1/public/slow-check/start"


# One server per module: every test closes the connections it opened, and a slow or idle one holds no thread.
@pytest.fixture(scope="module")
def server() -> Iterator[Running]:
    with run_cli(["serve", "--port", "0", "--quiet"]) as running:
        yield running


@pytest.fixture(scope="module")
def quick_server() -> Iterator[Running]:
    with run_cli(["serve", "--port", "0", "--quiet", "--client-timeout", str(CLIENT_TIMEOUT)]) as running:
        yield running


def _address(server: Running) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _read_all(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def _error_answer(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.e2e
def test_clients_trickling_their_request_line_do_not_stop_a_normal_request(server: Running) -> None:
    stop = threading.Event()
    with ExitStack() as stack:
        slow = [stack.enter_context(socket.create_connection(_address(server))) for _ in range(SLOW_CLIENTS)]

        def trickle() -> None:  # a request line one byte at a time, never finished, all through the test
            for byte in b"GET /v1/agents/slow/sessions/" + b"x" * 1000:
                for sock in slow:
                    sock.sendall(bytes([byte]))
                if stop.wait(0.3):
                    return

        sender = threading.Thread(target=trickle, daemon=True)
        sender.start()
        try:
            time.sleep(1.5)  # the workers have seen every slow connection before the normal request comes
            answers = [
                requests.get(server.url + SESSION, headers=AUTH, timeout=ANSWER_WITHIN) for _ in range(NORMAL_REQUESTS)
            ]
        finally:
            stop.set()
            sender.join(5)
        assert [a.status_code for a in answers] == [200] * NORMAL_REQUESTS, answers[-1].text
        assert answers[0].json()["sessionId"] == SESSION.rsplit("/", 1)[1]


@pytest.mark.e2e
def test_idle_connections_do_not_stop_a_normal_request(server: Running) -> None:
    with ExitStack() as stack:
        for _ in range(IDLE_CLIENTS):
            stack.enter_context(socket.create_connection(_address(server)))
        answer = requests.get(server.url + SESSION, headers=AUTH, timeout=ANSWER_WITHIN)
        assert answer.status_code == 200, answer.text


def _start_head(length: int, *extra: bytes) -> bytes:
    lines = [b"POST " + START.encode() + b" HTTP/1.1", b"Host: h", b"Content-Type: application/json", *extra]
    return b"\r\n".join([*lines, b"Content-Length: %d" % length, b"", b""])


@pytest.mark.e2e
@pytest.mark.parametrize(
    "sent",
    [
        b"GET /v1/agents/a/sessions/x HTTP/1.1\r\nHost: h\r\n",  # no blank line: the head goes on
        _start_head(100) + b'{"createDailyRoom": ',  # a small body, never finished: waits without a thread
        _start_head(512 * 1024) + b'{"body": "' + b"x" * 1000,  # a large one: a thread reads it, for a time
    ],
    ids=["head", "small body", "large body"],
)
def test_a_request_that_never_arrives_in_full_is_closed_with_a_408_error_response(
    quick_server: Running, sent: bytes
) -> None:
    with socket.create_connection(_address(quick_server), timeout=CLIENT_TIMEOUT + 20) as sock:
        sock.sendall(sent)
        status, headers, body = _error_answer(_read_all(sock))
    assert status == 408
    assert headers["content-type"] == "application/json"
    error = json.loads(body)
    assert_error_response(error, 408)
    assert f"within {CLIENT_TIMEOUT:g} s" in error["error"]
    started = requests.get(quick_server.url + "/__admin/requests", timeout=5).json()
    assert [e for e in started.get("requests", started) if e.get("method") == "POST"] == []  # nothing was started


@pytest.mark.e2e
def test_clients_trickling_their_bodies_do_not_stop_a_normal_request(server: Running) -> None:
    with ExitStack() as stack:
        for _ in range(SLOW_CLIENTS):
            sock = stack.enter_context(socket.create_connection(_address(server)))
            sock.sendall(_start_head(200) + b'{"createDailyRoom"')
        time.sleep(0.5)  # the workers have seen every slow connection before the normal request comes
        answers = [
            requests.get(server.url + SESSION, headers=AUTH, timeout=ANSWER_WITHIN) for _ in range(NORMAL_REQUESTS)
        ]
    assert [a.status_code for a in answers] == [200] * NORMAL_REQUESTS, answers[-1].text


@pytest.mark.e2e
def test_a_body_sent_in_pieces_or_after_100_continue_is_answered(server: Running) -> None:
    body = json.dumps({"createDailyRoom": False, "body": {"pad": "x" * 300_000}}).encode()
    with socket.create_connection(_address(server), timeout=ANSWER_WITHIN) as sock:
        sock.sendall(_start_head(len(body), b"Authorization: Bearer t", b"Connection: close") + body[:10])
        time.sleep(0.2)
        sock.sendall(body[10:])
        status, _, answer = _error_answer(_read_all(sock))
    assert status == 200, answer
    assert json.loads(answer)["sessionId"]
    small = b'{"createDailyRoom": false}'
    expect = (b"Authorization: Bearer t", b"Connection: close", b"Expect: 100-continue")
    with socket.create_connection(_address(server), timeout=ANSWER_WITHIN) as sock:
        sock.sendall(_start_head(len(small), *expect))
        assert sock.recv(1024).startswith(b"HTTP/1.1 100 Continue")  # the body comes only after this
        sock.sendall(small)
        status, _, answer = _error_answer(_read_all(sock))
    assert status == 200, answer


@pytest.mark.e2e
@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /v1/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: h\r\n\r\n",  # over the 8190-byte limit, complete
        b"GET /v1/" + b"a" * (256 * 1024),  # no line end at all: refused without waiting for one
    ],
    ids=["long line", "line without end"],
)
def test_a_request_line_over_the_limit_gets_a_414_error_response(server: Running, request_bytes: bytes) -> None:
    with socket.create_connection(_address(server), timeout=5) as sock:
        sock.sendall(request_bytes)
        status, headers, body = _error_answer(_read_all(sock))
    assert status == 414
    assert headers["content-type"] == "application/json"
    assert_error_response(json.loads(body), 414)
    assert "8190" in json.loads(body)["error"]


def test_head_arrived_waits_only_for_an_unfinished_head_of_reasonable_size() -> None:
    def peeked(data: bytes) -> bool:
        left, right = socket.socketpair()
        with left, right:
            if data:
                left.sendall(data)
            return head_arrived(right, 8190)

    assert not peeked(b"")  # nothing sent yet: the poller waits, no thread
    assert not peeked(b"GET / HTTP/1.1\r\nHost: h\r\n")
    assert peeked(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    assert peeked(b"GET / HTTP/1.1\nHost: h\n\n")
    assert peeked(b"GET /" + b"a" * 9000)  # a line already past the limit: the parser answers 414
    head = b"POST / HTTP/1.1\r\nHost: h\r\ncontent-LENGTH: 10\r\n"
    assert not peeked(head + b"\r\n12345")  # half the body: still no thread
    assert peeked(head + b"\r\n1234567890")
    assert peeked(head + b"Expect: 100-continue\r\n\r\n")  # the body comes after the thread's 100 Continue
    assert peeked(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12")  # no size: a thread reads
    assert peeked(b"POST / HTTP/1.1\r\nContent-Length: 200000\r\n\r\n123")  # past the peek: a thread, timed
    left, right = socket.socketpair()
    with right:
        left.close()
        assert head_arrived(right, 8190)  # the peer left: a thread reads the end and closes


def test_each_request_on_a_kept_alive_connection_gets_its_own_head_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    from collections import deque
    from types import SimpleNamespace

    from gunicorn.workers.gthread import ThreadWorker
    from pipecat_cloud_mock.http.server import HeadGatedThreadWorker

    handed: list[Any] = []
    monkeypatch.setattr(ThreadWorker, "enqueue_req", lambda self, conn: handed.append(conn))
    worker = HeadGatedThreadWorker.__new__(HeadGatedThreadWorker)  # no arbiter: only the gate is under test
    worker.cfg = SimpleNamespace(is_ssl=False, limit_request_line=8190)
    worker.pending_conns = deque()
    worker.poller = selectors.DefaultSelector()
    client, server_side = socket.socketpair()
    with client, server_side, worker.poller:
        conn = SimpleNamespace(sock=server_side, initialized=False, parser=None, timeout=None)
        client.sendall(b"GET / HTTP/1.1\r\n")
        worker.enqueue_req(conn)  # half a head: it waits in the poller, with a deadline
        assert handed == []
        assert list(worker.pending_conns) == [conn]
        first_deadline = conn.head_deadline
        assert first_deadline == conn.timeout
        worker.pending_conns.clear()
        worker.poller.unregister(server_side)
        client.sendall(b"Host: h\r\n\r\n")
        worker.enqueue_req(conn)  # the head is complete: a thread gets it
        assert handed == [conn]
        assert conn.head_deadline is None
        server_side.recv(1024)  # the thread read that request; the next one starts slowly, later
        time.sleep(0.01)
        client.sendall(b"GET / HTTP/1.1\r\n")
        worker.enqueue_req(conn)
        assert conn.head_deadline > first_deadline  # not the old deadline, which would answer 408 at once
