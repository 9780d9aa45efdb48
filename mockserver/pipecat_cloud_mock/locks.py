"""A lock shared by forked processes that dies with its holder: `flock` on a small file each process opens itself.

multiprocessing.Lock is a semaphore: a worker killed while holding it (SIGKILL, the OOM killer, gunicorn's
worker-timeout kill) never gives it back, and every other worker then waits forever. The kernel drops a flock
when the last descriptor of its open file closes, and a process's descriptors close however it ends. Each
process opens the file anew (after a fork the inherited descriptor would be shared with the parent), and a
per-process threading.Lock orders its threads in front of the flock. (POSIX record locks would also die with
their holder, but they belong to a process, and the kernel's deadlock check then refuses a thread's wait with
EDEADLK when another thread of the same process holds a second lock.)

The data a lock guards must stay consistent when its holder dies at any instruction: the users here write
what a reader follows (the newest id, the byte count) last, so a half-done update is simply never seen.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import threading
import weakref

_OPENING = threading.Lock()  # two threads of a fresh worker must not both open the file
_PID = os.getpid()  # kept current by the fork hook: no getpid() call per acquire


def _forked() -> None:
    global _OPENING, _PID
    _OPENING, _PID = threading.Lock(), os.getpid()


os.register_at_fork(after_in_child=_forked)


class ProcessLock:
    """Create before forking; `with lock:` excludes every thread of every process that shares it."""

    def __init__(self) -> None:
        fd, path = tempfile.mkstemp(prefix="pipecat-mock-lock-")
        os.close(fd)
        self._path = path
        self._opened = [-1, -1]  # the pid that opened it, its descriptor
        self._threads = threading.Lock()
        # Closed when the lock is collected or at exit; the file is removed only by the process that made it.
        weakref.finalize(self, _close, self._opened, path, os.getpid())

    def _own(self) -> int:
        """This process's descriptor of the lock file (a forked child opens its own)."""
        pid, fd = self._opened
        if pid == _PID:
            return fd
        with _OPENING:
            if self._opened[0] != _PID:
                self._threads = threading.Lock()  # whatever the parent's threads held is not ours
                self._opened[:] = [_PID, os.open(self._path, os.O_RDWR | os.O_CLOEXEC)]
        return self._opened[1]

    def __enter__(self) -> None:
        fd = self._own()
        self._threads.acquire()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._opened[1], fcntl.LOCK_UN)
        self._threads.release()


def _close(opened: list[int], path: str, maker_pid: int) -> None:
    pid, fd = opened
    if pid == os.getpid():
        with contextlib.suppress(OSError):
            os.close(fd)
    if os.getpid() == maker_pid:
        with contextlib.suppress(OSError):
            os.unlink(path)
