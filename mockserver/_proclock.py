"""A lock shared by forked processes that dies with its holder: a POSIX record lock on an unlinked file.

multiprocessing.Lock is a semaphore: a worker killed while holding it (SIGKILL, the OOM killer, gunicorn's
worker-timeout kill) never gives it back, and every other worker then waits forever. The kernel drops a
process's `fcntl` record locks when the process ends, however it ends. Record locks belong to a process, not a
thread, so a per-process threading.Lock orders the threads of one process in front of it.

The data a lock guards must stay consistent when its holder dies at any instruction: the users here write
what a reader follows (the newest id, the byte count) last, so a half-done update is simply never seen.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
import weakref


class ProcessLock:
    """Create before forking; `with lock:` excludes every thread of every process that shares it."""

    def __init__(self) -> None:
        # Unlinked at once: the descriptor, inherited by forked workers, is all that names it.
        self._fd, path = tempfile.mkstemp(prefix="pipecat-mock-lock-")
        os.unlink(path)
        weakref.finalize(self, os.close, self._fd)
        self._threads = threading.Lock()
        self._pid = os.getpid()

    def _thread_lock(self) -> threading.Lock:
        if self._pid != os.getpid():  # a forked child: whatever the parent's threads held is not ours
            self._threads, self._pid = threading.Lock(), os.getpid()
        return self._threads

    def __enter__(self) -> None:
        self._thread_lock().acquire()
        try:
            fcntl.lockf(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *exc: object) -> None:
        fcntl.lockf(self._fd, fcntl.LOCK_UN)
        self._threads.release()
