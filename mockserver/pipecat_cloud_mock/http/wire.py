"""Apply a FaultPlan on the wire: delay, connection reset, close without an answer, truncated or slow body.

No Flask here: `_app` wraps the stream in its Response. Works under gunicorn (`environ["gunicorn.socket"]`)
and werkzeug's server (`environ["werkzeug.socket"]`).
The body iterator does the socket work and then raises a ConnectionError, which both servers treat as
"the client went away": they log nothing loud and write nothing more. Without a socket (Flask's test
client) the same ConnectionError reaches the caller, which is what a client would see.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import struct
import time
from collections.abc import Iterator, Mapping
from typing import Any

from pipecat_cloud_mock.faults import FaultPlan

SLOW_CHUNKS = 8
SLOW_GAP_SECONDS = 0.2  # between chunks: a slow body takes about 1.4 s after its first chunk


def _socket(environ: Mapping[str, Any]) -> socket.socket | None:
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    return sock if isinstance(sock, socket.socket) else None


def _reset(sock: socket.socket | None) -> None:
    if sock is not None:
        # Linger on, timeout 0: close() aborts the connection with RST instead of the usual FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # SHUT_RD sends nothing; it makes werkzeug's keep-alive loop read EOF and drop its file objects
        # on the socket, which is when (not at close() below) werkzeug's socket really closes.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RD)
        sock.close()
    # With its errno set, both servers take this for a client that went away and log it at debug level.
    raise ConnectionResetError(errno.ECONNRESET, "connection reset by the mock (fault: reset)")


def _close(sock: socket.socket | None, fault: str) -> None:
    if sock is not None:
        with contextlib.suppress(OSError):  # FIN now; the server's next read sees the end and closes
            sock.shutdown(socket.SHUT_RDWR)
    raise BrokenPipeError(errno.EPIPE, f"connection closed by the mock (fault: {fault})")


def faulty_stream(plan: FaultPlan, environ: Mapping[str, Any], body: bytes) -> tuple[Iterator[bytes], int | None]:
    """Sleeps the plan's delay, then gives the body stream and the Content-Length to announce (None: chunked)."""
    if plan.delay_ms:
        time.sleep(plan.delay_ms / 1000)
    sock = _socket(environ)

    def reset() -> Iterator[bytes]:
        _reset(sock)
        yield b""  # never reached: makes this a generator

    def empty() -> Iterator[bytes]:
        _close(sock, "empty")
        yield b""

    def truncate() -> Iterator[bytes]:
        yield body[: len(body) // 2]  # the headers (with the full Content-Length) go out with it
        _close(sock, "truncate")

    def slow() -> Iterator[bytes]:
        size = max(1, -(-len(body) // SLOW_CHUNKS))
        for start in range(0, len(body), size):
            if start:
                time.sleep(SLOW_GAP_SECONDS)
            yield body[start : start + size]

    if plan.fault is None:
        return iter((body,)), len(body)
    stream = {"reset": reset, "empty": empty, "truncate": truncate, "slow": slow}[plan.fault]()
    return stream, None if plan.fault == "slow" else len(body)
