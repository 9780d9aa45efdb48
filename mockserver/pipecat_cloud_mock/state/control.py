"""What the user controls, as the pipeline sees it: fixture sessions, stubs, and the request journal.

Built once per MockPipeline: loads the fixtures (FixtureError before anything starts), opens the shared store,
and answers the pipeline's questions with plain data. No Flask here.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Unpack

from pipecat_cloud_mock.admin_client import JournalEntry, JournalFilters
from pipecat_cloud_mock.errors import ConfigError
from pipecat_cloud_mock.spec.loader import Operation, Spec
from pipecat_cloud_mock.state.coverage import ServedRow
from pipecat_cloud_mock.state.files import load_fixtures
from pipecat_cloud_mock.state.model import FixtureSet, Stub, StubResponse
from pipecat_cloud_mock.state.parse import FixtureParser, Report
from pipecat_cloud_mock.state.redact import redact as redact_headers
from pipecat_cloud_mock.state.store import LifecycleStore, State, Store


@dataclass(frozen=True)
class StubHit:
    stub: Stub
    response: StubResponse
    position: int  # how many matching requests came before this one


def redact(headers: Mapping[str, str], extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Headers fit for the journal: every credential header (`_redact`'s rule, plus `extra` names) masked."""
    return redact_headers(headers, extra)


class Control:
    redacted_names: tuple[str, ...] = ()  # header names the user asked to redact, beyond the rule (--redact-header)

    def __init__(self, spec: Spec, fixtures_dir: Path | None, journal_size: int, state_db: Path | None) -> None:
        self.parser = FixtureParser(spec)
        self.initial = load_fixtures(fixtures_dir, parser=self.parser) if fixtures_dir else FixtureSet()
        self._session_ops = {op.operation_id for op in spec.operations if _serves_sessions(op)}
        self._temp_dir: str | None = None
        private = state_db is None  # a temporary file no other server can know of
        if state_db is None:
            self._temp_dir = tempfile.mkdtemp(prefix="pipecat-mock-")
            state_db = Path(self._temp_dir) / "state.sqlite3"
            # Forked workers inherit this handler: only the process that made the directory removes it.
            atexit.register(_remove_dir, self._temp_dir, os.getpid())
        try:
            operations = [op.operation_id for op in spec.operations]
            self.store = Store(state_db, journal_size, private=private, operations=operations)
            self.store.start(self.initial)  # a shared --state-db keeps what other servers put there
            self.lifecycle_store = LifecycleStore(self.store)
        except sqlite3.Error as exc:
            raise ConfigError(
                f"cannot use {state_db} as the state database ({exc}). Valid values: a writable path for an "
                "SQLite file (it is created if missing), or leave --state-db out for a temporary one."
            ) from None
        # gunicorn forks workers after this: none may inherit an open SQLite connection (each opens its own).
        self.store.close()

    def serves_sessions(self, operation: Operation) -> bool:
        return operation.operation_id in self._session_ops

    def state(self) -> State:
        """Sessions and stubs for one request: read once, then pass to match_stub and session."""
        return self.store.state()

    def match_stub(self, state: State, params: Mapping[str, str], headers: Mapping[str, str]) -> StubHit | None:
        for stub in state.stubs:
            if stub.match.matches(params, headers):
                position = self.store.advance(stub.id)  # counts hits for every stub, positions for sequences
                return StubHit(stub, stub.response_at(position), position)
        return None

    def session(self, state: State, params: Mapping[str, str]) -> Mapping[str, Any] | None:
        """The fields a fixture gives for this session, or None when no fixture defines it."""
        return state.sessions.get((params.get("agentName", ""), params.get("sessionId", "")))

    def record(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        status: int,
        stub: Stub | None = None,
        operation: str | None = None,
        source: str | None = None,
    ) -> None:
        journaled = redact(headers, self.redacted_names)
        self.store.record(method, path, dict(query), journaled, status, stub.id if stub else None, operation, source)

    # --- what the admin API reads and changes: checked first, then written whole ----------------------

    def check_session(self, agent: str, session_id: str, body: Any, report: Report) -> dict[str, Any] | None:
        """The given fields of a session to define, or None with every problem in `report`."""
        return self.parser.session(agent, session_id, body, report, ())

    def check_stub(self, body: Any, report: Report, default_id: str) -> Stub | None:
        """A stub rule to add, or None with every problem in `report`."""
        return self.parser.stub(body, report, (), default_id=default_id)

    def put_session(self, agent: str, session_id: str, given: Mapping[str, Any]) -> bool:
        """True when the session is new."""
        return self.store.put_session(agent, session_id, given)

    def delete_session(self, agent: str, session_id: str) -> bool:
        return self.store.delete_session(agent, session_id)

    def clear_sessions(self) -> None:
        self.store.clear_sessions()

    def add_stub(self, stub: Stub) -> bool:
        """False when a stub with its id exists."""
        return self.store.add_stub(stub)

    def delete_stub(self, stub_id: str) -> bool:
        return self.store.delete_stub(stub_id)

    def clear_stubs(self) -> None:
        self.store.clear_stubs()

    def stub_hits(self) -> dict[str, int]:
        return self.store.stub_hits()

    def requests(self, limit: int | None = None, **filters: Unpack[JournalFilters]) -> Iterator[JournalEntry]:
        """The journal, newest first, streamed a batch at a time."""
        return self.store.iter_requests(limit, **filters)

    def clear_requests(self) -> None:
        self.store.clear_requests()

    def served(self) -> list[ServedRow]:
        return self.store.served()

    def clear_served(self) -> None:
        self.store.clear_served()

    def reset(self) -> None:
        self.store.replace_all(self.initial)
        self.lifecycle_store.clear()

    def close(self) -> None:
        self.store.close()
        self.store.release()
        if self._temp_dir is not None:
            _remove_dir(self._temp_dir, os.getpid())


def _serves_sessions(op: Operation) -> bool:
    names = {p.name for p in op.parameters if p.location == "path"}
    response = op.responses.get("200")
    media = response.media_type() if response else None
    return (
        {"agentName", "sessionId"} <= names
        and op.method == "GET"
        and media is not None
        and media.schema_name in ("SessionResponse", "SdkSessionResponse")
    )


def _remove_dir(path: str, owner_pid: int) -> None:
    if os.getpid() == owner_pid:
        shutil.rmtree(path, ignore_errors=True)
