"""One access-log line per request: method, raw path, status, milliseconds. Never a header: the Authorization
header carries the user's key.

In-process (create_app) the line goes to the `pipecat_cloud_mock.access` logger, for the user's logging setup
and caplog.
`pipecat-mock serve` writes it straight to stderr instead: one os.write per line, unbuffered and whole even with
several threads. The logging machinery (record, handler lock, formatter, flush) cost the server more CPU per
request than anything but the body itself (bench/README.md).
"""

from __future__ import annotations

import logging
import os

access_log = logging.getLogger("pipecat_cloud_mock.access")
_direct_fd: int | None = None


def write_to(fd: int | None) -> None:
    """Send the lines to this file descriptor (None: back to the logger). Only `serve` calls it."""
    global _direct_fd
    _direct_fd = fd


def record(method: str, path: str, status: int, milliseconds: float, suffix: str = "") -> None:
    """`suffix`: anything after the milliseconds, with its leading space (the faults applied)."""
    fd = _direct_fd
    if fd is None:
        access_log.info("%s %s %d %.1fms%s", method, path, status, milliseconds, suffix)
        return
    data = f"{method} {path} {status} {milliseconds:.1f}ms{suffix}\n".encode("utf-8", "backslashreplace")
    try:
        while data:
            data = data[os.write(fd, data) :]
    except OSError:
        pass  # a closed or full stderr must never fail a request
