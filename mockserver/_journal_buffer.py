"""The journal's write-behind buffer: a request appends its entry in memory, a thread per process commits them.

One SQLite transaction per request (~15-25 us, and a write lock every worker contends for) became one per batch
(a few us per entry). What must not change is what an admin reader sees: every request answered before the read.

- Each entry takes its id from a ticket counter in shared memory (made before gunicorn forks), so ids follow the
  order in which requests were recorded across all workers, whatever order their batches are committed in.
- Each process owns a slot in shared memory: how many entries it has buffered and how many it has committed.
  A reader (any worker) first commits its own buffer, then waits until every live process has committed what
  it had buffered when the read began; the flush thread commits within FLUSH_DELAY of an entry, so the wait
  is a few ms. A process that died with entries buffered lost them; readers stop waiting for it.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

SLOTS = 256  # processes writing one journal at once (workers, and their replacements once the old ones exit)
FLUSH_DELAY = 0.002  # seconds an entry may wait so that others join its batch
WAIT_LIMIT = 10.0  # seconds a reader waits for another process's commit before reading what is there
_POLL = 0.0005

Row = tuple[Any, ...]  # the entry's columns after its id


class FlushBarrier:
    """Shared-memory tickets and per-process counters; create before forking."""

    def __init__(self) -> None:
        self._lock = multiprocessing.Lock()
        self._ticket = multiprocessing.RawValue("q", 0)
        self.pids = multiprocessing.RawArray("q", SLOTS)
        self.buffered = multiprocessing.RawArray("q", SLOTS)  # each written by its owner only
        self.committed = multiprocessing.RawArray("q", SLOTS)

    def next_ticket(self) -> int:
        with self._lock:
            number = int(self._ticket.value) + 1
            self._ticket.value = number
        return number

    def claim(self, pid: int) -> int | None:
        """A slot for process `pid` (a free one, or one whose process has exited); None when all are in use."""
        with self._lock:
            for slot in range(SLOTS):
                owner = self.pids[slot]
                if owner == 0 or owner == pid or not _alive(owner):
                    self.pids[slot] = pid
                    self.buffered[slot] = self.committed[slot] = 0
                    return slot
        return None

    def release(self, slot: int, pid: int) -> None:
        with self._lock:
            if self.pids[slot] == pid:
                self.pids[slot] = 0

    def wait(self, limit: float = WAIT_LIMIT) -> None:
        """Until every process has committed what it had buffered when this call began."""
        pending = [
            (slot, owner, self.buffered[slot])
            for slot in range(SLOTS)
            if (owner := self.pids[slot]) and self.committed[slot] < self.buffered[slot]
        ]
        deadline = time.monotonic() + limit
        while pending and time.monotonic() < deadline:
            time.sleep(_POLL)
            pending = [
                (slot, owner, wanted)
                for slot, owner, wanted in pending
                if self.pids[slot] == owner and self.committed[slot] < wanted and _alive(owner)
            ]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JournalBuffer:
    """One process's buffer and flush thread; `commit(rows)` writes (id, *row) tuples in one transaction."""

    def __init__(self, barrier: FlushBarrier, commit: Callable[[Sequence[Row]], None]) -> None:
        self._barrier = barrier
        self._commit = commit
        self.pid = os.getpid()
        claimed = barrier.claim(self.pid)
        self._slot = -1 if claimed is None else claimed
        self._rows: list[Row] = []
        self._lock = threading.Lock()  # guards _rows and this slot's `buffered`
        self._flush_lock = threading.Lock()  # one commit at a time, in order
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        if self._slot >= 0:
            self._thread = threading.Thread(target=self._run, name="pipecat-mock-journal", daemon=True)
            self._thread.start()
            atexit.register(self.close)

    @property
    def usable(self) -> bool:
        """False in a forked child (make its own) or when every slot was taken (write directly)."""
        return self._slot >= 0 and self.pid == os.getpid() and not self._stopping

    def add(self, row: Row) -> None:
        entry = (self._barrier.next_ticket(), *row)
        with self._lock:
            self._rows.append(entry)
            self._barrier.buffered[self._slot] += 1
        if not self._wake.is_set():
            self._wake.set()

    def flush(self) -> None:
        if self._slot < 0:
            return
        with self._flush_lock:
            with self._lock:
                rows, self._rows = self._rows, []
                upto = self._barrier.buffered[self._slot]
            try:
                if rows:
                    self._commit(rows)
            finally:  # committed or lost (a failed write is reported once): readers must not wait for it
                self._barrier.committed[self._slot] = upto

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait()
            time.sleep(FLUSH_DELAY)
            self._wake.clear()
            try:
                self.flush()
            except Exception as exc:  # the thread must outlive one failed write
                print(f"pipecat-mock: journal entries lost: {exc}", file=sys.stderr, flush=True)

    def close(self) -> None:
        """Commits what is buffered and stops the thread (in the process that made it)."""
        if self.pid != os.getpid() or self._slot < 0 or self._stopping:
            return
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()
        self._barrier.release(self._slot, self.pid)
        atexit.unregister(self.close)
