"""Coverage: which statuses each operation documents, which it served, and what produced each answer.

`ServedCounts` keeps the counts of a private server in shared memory made before gunicorn forks (a shared
`--state-db` keeps them in its `served` table instead), so every worker adds to the same numbers and the
journal's bound never drops any. `coverage_report` turns those counts and the spec into the admin API's JSON.
"""

from __future__ import annotations

import mmap
from array import array
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pipecat_cloud_mock.locks import ProcessLock
from pipecat_cloud_mock.spec.loader import Operation, Spec

# What produced an answer: the spec's generator or example, a fixture session, a stub rule, an injected fault,
# the security check (401), or the mock's 422 for a Prefer header it cannot honour.
SOURCES = ("generated", "example", "fixture", "stub", "fault", "security", "preference", "validation", "mock")
LOWEST_STATUS, HIGHEST_STATUS = 100, 599
_STATUSES = HIGHEST_STATUS - LOWEST_STATUS + 1

ServedRow = tuple[str, int, str, int]  # operationId, status, source, how many answers


class ServedCounts:
    """One counter per (operation, status, source); create before forking, then `add` from any process."""

    def __init__(self, operations: Sequence[str]) -> None:
        self._operations = list(dict.fromkeys(operations))
        self._index = {op: i for i, op in enumerate(self._operations)}
        self._sources = {source: i for i, source in enumerate(SOURCES)}
        size = max(1, len(self._operations) * _STATUSES * len(SOURCES)) * 8
        self._data = mmap.mmap(-1, size)  # anonymous and shared; pages are touched only as counted
        self._counts = memoryview(self._data).cast("q")
        self._lock = ProcessLock()  # given back by the kernel when a worker dies holding it

    def add(self, operation: str, status: int, source: str) -> None:
        op, kind = self._index.get(operation), self._sources.get(source)
        if op is None or kind is None or not LOWEST_STATUS <= status <= HIGHEST_STATUS:
            return
        slot = (op * _STATUSES + status - LOWEST_STATUS) * len(SOURCES) + kind
        with self._lock:
            self._counts[slot] += 1

    def rows(self) -> list[ServedRow]:
        counts = array("q")
        with self._lock:
            counts.frombytes(self._data[:])
        per_operation = _STATUSES * len(SOURCES)
        return [
            (
                self._operations[slot // per_operation],
                LOWEST_STATUS + slot % per_operation // len(SOURCES),
                SOURCES[slot % len(SOURCES)],
                n,
            )
            for slot, n in enumerate(counts)
            if n
        ]

    def clear(self) -> None:
        with self._lock:
            self._data[:] = bytes(len(self._data))


def parse_percent(raw: str) -> float:
    """A coverage gate (--min, --contract-min-coverage); ValueError says what is accepted."""
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise ValueError(f"{raw!r} is not valid. Valid values: a percentage from 0 to 100, such as 80.")
    return value


def documents(operation: Operation, status: int) -> bool:
    """Whether the spec documents `status` for the operation: its own code, or a range such as 4XX."""
    return str(status) in operation.responses or f"{status // 100}XX" in {k.upper() for k in operation.responses}


def coverage_report(spec: Spec, served: Iterable[ServedRow]) -> dict[str, Any]:
    """Every operation with every documented status (served or not) and every served one (documented or not)."""
    counts: dict[str, dict[int, dict[str, int]]] = {}
    for operation_id, status, source, n in served:
        sources = counts.setdefault(operation_id, {}).setdefault(status, {})
        sources[source] = sources.get(source, 0) + n
    operations, documented, documented_served = [], 0, 0
    for op in spec.operations:
        seen = counts.get(op.operation_id, {})
        statuses: dict[str, Any] = {}
        for status in sorted(set(op.documented_statuses) | set(seen)):
            sources = seen.get(status, {})
            served_count = sum(sources.values())
            is_documented = documents(op, status)
            if status in op.documented_statuses:
                documented += 1
                documented_served += served_count > 0
            statuses[str(status)] = {
                "documented": is_documented,
                "served": served_count,
                "sources": _ordered(sources),
            }
        operations.append({"operationId": op.operation_id, "method": op.method, "path": op.path, "statuses": statuses})
    ratio = round(documented_served / documented, 2) if documented else 0.0
    return {
        "operations": operations,
        "summary": {"documented": documented, "documented_served": documented_served, "ratio": ratio},
    }


def _ordered(sources: Mapping[str, int]) -> dict[str, int]:
    order = sorted(sources, key=lambda s: (SOURCES.index(s) if s in SOURCES else len(SOURCES), s))
    return {name: sources[name] for name in order}
