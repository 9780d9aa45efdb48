"""The request journal of one server: the newest entries in a ring in shared memory made before gunicorn forks.

Recording an entry encodes it and copies it into a byte ring under one lock (`_proclock`, given back when a
holder dies): a few microseconds, with no thread, no SQLite transaction and nothing for a reader to wait for (an
entry is in the ring before its request is answered, so every worker's reader sees it). An index of `size` slots
maps ids to byte ranges; an entry is gone once `size` newer ones exist, or once newer bytes have overwritten its
own. The byte ring holds `size` entries of BYTES_PER_ENTRY each, within MIN_BYTES..MAX_BYTES, so only requests
far larger than any a client sends (or, near the largest sizes, more entries than fit in MAX_BYTES) push out
older ones early; an entry larger than half the ring is kept with its longest values cut (see `_fitted`).
"""

from __future__ import annotations

import json
import mmap
import multiprocessing
from collections.abc import Iterator
from typing import Any

import orjson

from pipecat_cloud_mock.errors import ConfigError
from pipecat_cloud_mock.locks import ProcessLock

BYTES_PER_ENTRY = 4096
MIN_BYTES = 16 * 1024 * 1024
MAX_BYTES = 512 * 1024 * 1024  # ~1,000,000 entries of a typical ~500 bytes; pages are touched only as written
CUT_TO = 4096  # characters an over-large entry keeps of each long value
READ_BATCH = 256  # entries a reader copies per hold of the lock

# time, method, path, query, headers (credentials already redacted), status, the id of the stub that answered,
# then optionally the operationId routed to and the answer's source (what a row was recorded with comes back)
Row = tuple[Any, ...]

_LAST, _WRITTEN, _CLEARED = 0, 1, 2  # meta: the newest id, bytes ever written, the newest id a clear removed


class JournalRing:
    """Create before forking; `record` and the readers are safe from any thread of any forked process."""

    def __init__(self, size: int, data_bytes: int | None = None) -> None:
        """`data_bytes` overrides the byte ring's size, for tests: a cut entry (up to ~9 KB) must fit in half of it."""
        if size < 1:
            raise ValueError("a journal holds at least 1 entry")
        self.size = size
        self.capacity = data_bytes or min(MAX_BYTES, max(MIN_BYTES, size * BYTES_PER_ENTRY))
        self._lock = ProcessLock()  # given back by the kernel when a worker dies holding it
        self._meta = multiprocessing.RawArray("q", 3)
        self._index = multiprocessing.RawArray("q", 3 * size)  # per slot: id, byte position, length
        try:
            self._data = mmap.mmap(-1, self.capacity)  # anonymous and shared: forked workers write the same pages
        except OSError as exc:
            raise ConfigError(
                f"cannot reserve {self.capacity // 2**20} MiB of shared memory for the request journal "
                f"({exc.strerror or exc}). Lower --journal-size."
            ) from None

    def record(self, row: Row) -> int:
        """Appends one entry; returns its id (ids rise by one per entry, in the order entries were recorded)."""
        data = _encode(row)
        if len(data) > self.capacity // 2:
            data = _encode(_fitted(row, self.capacity // 2))
        size, capacity = len(data), self.capacity
        with self._lock:
            meta = self._meta
            entry_id = int(meta[_LAST]) + 1
            position = meta[_WRITTEN]
            start = position % capacity
            head = min(size, capacity - start)
            self._data[start : start + head] = data[:head]
            if head < size:  # wrapped around the end
                self._data[0 : size - head] = data[head:]
            slot = 3 * (entry_id % self.size)
            self._index[slot : slot + 3] = [entry_id, position, size]
            meta[_WRITTEN] = position + size
            meta[_LAST] = entry_id
        return entry_id

    def entries(self) -> Iterator[tuple[int, Row]]:
        """(id, row) newest first. The bytes are copied under the lock a batch at a time, so reading a large
        journal never holds up requests for long; an entry overwritten between batches ends the read."""
        with self._lock:
            entry_id = int(self._meta[_LAST])
        while True:
            with self._lock:
                batch = self._copy(entry_id, READ_BATCH)
            for held_id, data in batch:
                yield held_id, _decode(data)
            if len(batch) < READ_BATCH:
                return
            entry_id = batch[-1][0] - 1

    def count(self) -> int:
        with self._lock:
            last, oldest = int(self._meta[_LAST]), self._oldest_possible()
            # Held-ness only ever ends going back in time, so the oldest entry held is found by bisection.
            low, high = oldest, last + 1
            while low < high:
                middle = (low + high) // 2
                if self._held(middle):
                    high = middle
                else:
                    low = middle + 1
            return last - low + 1

    def clear(self) -> None:
        """Every entry recorded so far is gone; ids go on rising."""
        with self._lock:
            self._meta[_CLEARED] = self._meta[_LAST]

    def _oldest_possible(self) -> int:
        return max(int(self._meta[_CLEARED]), int(self._meta[_LAST]) - self.size) + 1

    def _held(self, entry_id: int) -> bool:
        """Whether the entry is still whole in the ring; call with the lock held."""
        slot = 3 * (entry_id % self.size)
        return bool(self._index[slot] == entry_id and self._index[slot + 1] >= self._meta[_WRITTEN] - self.capacity)

    def _copy(self, newest: int, limit: int) -> list[tuple[int, bytes]]:
        """Up to `limit` entries from id `newest` back, while they are held; call with the lock held."""
        capacity, out = self.capacity, []
        for entry_id in range(newest, max(self._oldest_possible(), newest - limit + 1) - 1, -1):
            if not self._held(entry_id):
                break  # overwritten: so is every older entry
            slot = 3 * (entry_id % self.size)
            position, size = self._index[slot + 1], self._index[slot + 2]
            start = position % capacity
            head = min(size, capacity - start)
            data = self._data[start : start + head]
            if head < size:
                data += self._data[0 : size - head]
            out.append((entry_id, data))
        return out


def _encode(row: Row) -> bytes:
    try:
        return orjson.dumps(row)
    except orjson.JSONEncodeError:  # text orjson refuses (a lone surrogate from a percent-decoded query)
        return json.dumps(row).encode()


def _decode(data: bytes) -> Row:
    try:
        value: Any = orjson.loads(data)
    except orjson.JSONDecodeError:  # what _encode wrote with json.dumps
        value = json.loads(data)
    return tuple(value)


def _fitted(row: Row, limit: int) -> Row:
    """An entry too large for the ring, with every value longer than CUT_TO characters cut and marked."""

    def cut(text: str) -> str:
        return text if len(text) <= CUT_TO else f"{text[:CUT_TO]}... ({len(text) - CUT_TO} more characters)"

    time, method, path, query, headers, status, *answer = row
    fitted: Row = (
        time,
        method,
        cut(path),
        {cut(k): cut(v) for k, v in query.items()},
        {k: cut(v) for k, v in headers.items()},
        status,
        *answer,
    )
    if len(_encode(fitted)) > limit:  # still too large: thousands of long values; keep their count only
        omitted = {"x-pipecat-mock-journal": f"{len(headers)} headers and {len(query)} query parameters omitted"}
        fitted = (time, method, cut(path), {}, omitted, status, *answer)
    return fitted
