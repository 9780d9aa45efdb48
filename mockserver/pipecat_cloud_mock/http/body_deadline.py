"""A request body has until a deadline to arrive; a late one is answered 408 and its thread freed.

gunicorn's threads block reading a body for as long as the client takes to send it. `with_body_deadline` reads
the body before the app runs, while a per-process watchdog stands by to shut the socket's read side at the
deadline: the blocked read then returns, and the client gets a 408 ErrorResponse. It applies under gunicorn
only (its environ names the socket); small bodies usually never reach a thread unsent (`server.HeadGatedThreadWorker`).
"""

from __future__ import annotations

import contextlib
import heapq
import io
import itertools
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
ErrorBody = Callable[[int, str], bytes]  # (status, message) -> an ErrorResponse body


class Watchdog:
    """One thread per process that shuts the read side of each watched socket whose deadline passed."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._due: list[tuple[float, int, socket.socket]] = []
        self._expired: set[int] = set()
        self._tickets = itertools.count()
        self._pid = 0  # the thread does not survive a fork: each worker starts its own

    @contextlib.contextmanager
    def watching(self, sock: socket.socket, seconds: float) -> Iterator[Callable[[], bool]]:
        """Within the block, `sock` is shut for reading at the deadline; yields "has it expired?"."""
        ticket = next(self._tickets)
        with self._wake:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="body-deadline", daemon=True).start()
            heapq.heappush(self._due, (time.monotonic() + seconds, ticket, sock))
            self._wake.notify()
        try:
            yield lambda: ticket in self._expired
        finally:
            with self._wake:
                self._due = [entry for entry in self._due if entry[1] != ticket]
                heapq.heapify(self._due)
                self._expired.discard(ticket)

    def _run(self) -> None:
        while True:
            with self._wake:
                now = time.monotonic()
                while self._due and self._due[0][0] <= now:
                    _, ticket, sock = heapq.heappop(self._due)
                    self._expired.add(ticket)
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RD)
                self._wake.wait(self._due[0][0] - now if self._due else None)


WATCHDOG = Watchdog()


def with_body_deadline(app: WSGIApp, seconds: float, limit: int, error_body: ErrorBody) -> WSGIApp:
    """`app`, given its request body already read (up to `limit` + 1 bytes) within `seconds`."""

    def wsgi(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        length = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        size = int(length) if length.isdigit() else (limit + 1 if chunked else 0)
        if sock is None or size == 0 or size > limit + 1:  # nothing to wait for, or refused unread by the app
            return app(environ, start_response)
        data: bytes | None
        with WATCHDOG.watching(sock, seconds) as expired:
            try:
                data = environ["wsgi.input"].read(size)
            except Exception:  # gunicorn's errors for a body cut short or badly chunked
                data = None
            late = expired()
        if late or data is None:
            status, reason = (408, "Request Timeout") if late else (400, "Bad Request")
            message = (
                f"the request body did not arrive within {seconds:g} s"
                if late
                else "the request body could not be read: it ended early or its chunked encoding is broken"
            )
            body = error_body(status, f"{reason}: {message}")
            start_response(
                f"{status} {reason.upper()}",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Connection", "close")],
            )
            return (body,)
        environ["wsgi.input"] = io.BytesIO(data)
        return app(environ, start_response)

    return wsgi
