"""The admin state every worker shares: sessions, stubs, sequence positions and the request journal, in SQLite.

WAL mode lets workers read while one writes. Sessions and stubs are re-read only after an admin write bumped
the generation. When the file is private to one server (the default temporary file) the generation also lives
in shared memory made before gunicorn forks, so a request checks it without a query, and so does the journal
(`_journal_ring`: a ring of the newest entries, a few microseconds per request, visible to every worker at
once). A file that other servers may share (--state-db) is asked with one indexed SELECT per request and gets
one journal INSERT per request, its bound kept by a trigger that trims by id. A stub's position in its
sequence advances in one UPDATE ... RETURNING, atomic across processes.
"""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

import orjson

from pipecat_cloud_mock.admin_client import JournalEntry, JournalFilters, journal_matches
from pipecat_cloud_mock.errors import ConfigError
from pipecat_cloud_mock.locks import ProcessLock
from pipecat_cloud_mock.mocker.world import LifecycleRow, LifecycleState
from pipecat_cloud_mock.state.coverage import ServedCounts, ServedRow
from pipecat_cloud_mock.state.journal import READ_BATCH, JournalRing
from pipecat_cloud_mock.state.model import FixtureSet, SessionKey, Stub

SCHEMA_VERSION = 4  # bump when a table changes: a --state-db from an older version is rebuilt, not misread
_TABLES = (
    "meta",
    "sessions",
    "stubs",
    "journal",
    "served",
    "lifecycle_sessions",
    "lifecycle_agents",
    "lifecycle_clock",
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    agent TEXT NOT NULL, session_id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (agent, session_id));
CREATE TABLE IF NOT EXISTS stubs (
    id TEXT PRIMARY KEY, rank INTEGER NOT NULL, rule TEXT NOT NULL, source TEXT NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY, time REAL NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
    query TEXT NOT NULL, headers TEXT NOT NULL, status INTEGER NOT NULL, stub TEXT, operation TEXT, source TEXT);
CREATE TABLE IF NOT EXISTS served (
    operation TEXT NOT NULL, status INTEGER NOT NULL, source TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (operation, status, source));
INSERT OR IGNORE INTO meta VALUES ('generation', 0);
"""


@dataclass(frozen=True)
class State:
    """Sessions and stubs as of one generation; stubs in match order (the first that matches answers)."""

    generation: int
    sessions: Mapping[SessionKey, Mapping[str, Any]] = field(default_factory=dict)
    stubs: tuple[Stub, ...] = ()


def _stamp(seconds: float) -> str:
    """A journal time as RFC 3339 with milliseconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds * 1000) % 1000:03d}Z"


def _json_text(value: Mapping[str, str]) -> str:
    """orjson, far faster than json.dumps on headers; json.dumps for what orjson refuses (lone surrogates)."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


class _ServerLock:
    """A shared flock on `<state file>.lock` held while a server runs: whoever gets it exclusively is alone.

    flock belongs to the open file, which forked workers inherit, so the lock lasts as long as the server's
    processes and is dropped by the kernel however they end."""

    def __init__(self, path: Path) -> None:
        try:
            self._fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:  # reported as SQLite would report the file itself
            raise sqlite3.OperationalError(f"cannot open {path}.lock: {exc.strerror}") from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.alone = True
        except BlockingIOError:
            self.alone = False
        fcntl.flock(self._fd, fcntl.LOCK_SH)  # from exclusive: others may now join
        self.release = weakref.finalize(self, os.close, self._fd)  # once: on release(), collection or exit


class Store:
    """One SQLite file; one connection per process (opened lazily, so it is never shared across a fork).

    private=True: only this process and the processes it forks after this call use the file.
    """

    def __init__(
        self,
        path: Path,
        journal_size: int,
        private: bool = False,
        operations: Sequence[str] = (),
    ) -> None:
        if journal_size < 1:
            raise ValueError("journal_size must be at least 1")
        # Bumped (under its lock) after every committed admin write; read without the lock per request.
        self._changes = multiprocessing.RawValue("q", 0) if private else None
        self._changes_lock = ProcessLock()  # given back by the kernel when a worker dies holding it
        self._changes_seen = self._changes
        self._ring = JournalRing(journal_size) if private else None
        # What was served per (operation, status, source), never trimmed: in shared memory, or the served table.
        self._served = ServedCounts(operations) if private else None
        self.path = path
        self.journal_size = journal_size
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        self._state = State(-1)
        self._session_cache: dict[str, Any] = {}
        self._stub_cache: dict[tuple[str, str], Stub] = {}  # (rule, source) -> parsed: a write re-parses only new rows
        # A shared file: hold its companion lock file (shared) while this server runs; `alone` says no other did.
        self._users = None if private else _ServerLock(path)
        alone = self._users is None or self._users.alone
        try:
            with self._locked() as db:
                db.execute("PRAGMA journal_mode=WAL")
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version != SCHEMA_VERSION:
                    if not alone:
                        raise ConfigError(
                            f"--state-db {path}: the state file has schema version {version}, this pipecat-mock writes "
                            f"{SCHEMA_VERSION}, and another server is using it; stop it or choose another file",
                        )
                    for table in _TABLES:  # an older layout cannot be read: rebuilt, only when no other server uses it
                        db.execute(f"DROP TABLE IF EXISTS {table}")
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.executescript(_SCHEMA)
                if not private:  # a private server's journal is the ring in shared memory
                    self._share_journal_size(db, journal_size, alone)
                    db.execute("DROP TRIGGER IF EXISTS journal_served")
                    db.execute(
                        "CREATE TRIGGER journal_served AFTER INSERT ON journal WHEN NEW.operation IS NOT NULL BEGIN "
                        "INSERT INTO served VALUES (NEW.operation, NEW.status, COALESCE(NEW.source, 'generated'), 1) "
                        "ON CONFLICT DO UPDATE SET n = n + 1; END"
                    )
        except BaseException:
            self.close()
            self.release()
            raise

    def _share_journal_size(self, db: sqlite3.Connection, journal_size: int, alone: bool) -> None:
        """The journal's bound is the file's, not one server's: the first server sets it, the others must agree."""
        row = db.execute("SELECT value FROM meta WHERE key = 'journal_size'").fetchone()
        if row is not None and int(row[0]) != journal_size and not alone:
            raise ConfigError(
                f"--state-db {self.path}: --journal-size {journal_size} conflicts with {int(row[0])}, the size of "
                f"this shared file's journal, set by a server still using it; give --journal-size {int(row[0])} "
                "or another --state-db",
            )
        if row is None or int(row[0]) != journal_size:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('journal_size', ?)", (journal_size,))
            db.execute("DROP TRIGGER IF EXISTS journal_bound")
            # The ring buffer: each insert drops whatever fell out of the newest `journal_size` rows.
            keep = int(journal_size)  # the only value formatted into SQL: an int
            bound = f"DELETE FROM journal WHERE id <= NEW.id - {keep};"  # noqa: S608
            db.execute(f"CREATE TRIGGER journal_bound AFTER INSERT ON journal BEGIN {bound} END")

    # --- connection ------------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None or self._pid != os.getpid():
                # After a fork the parent's connection must not be used (SQLite's rule); open our own.
                self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
                self._conn.execute("PRAGMA busy_timeout=30000")
                # A throwaway file for one server run: durability across power loss buys nothing here.
                self._conn.execute("PRAGMA synchronous=OFF")
                self._pid = os.getpid()
            yield self._conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that also bumps the generation, so every worker re-reads sessions and stubs."""
        with self._locked() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        if self._changes is not None:  # after the commit: whoever sees the new value reads the new rows
            with self._changes_lock:
                self._changes.value += 1

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    def release(self) -> None:
        """This server no longer uses a shared file (at exit; the kernel also drops the lock with the process)."""
        if self._users is not None:
            self._users.release()

    # --- sessions and stubs ----------------------------------------------------------------------

    def state(self) -> State:
        """The current sessions and stubs; re-read from the file only when an admin write changed them."""
        if self._changes_seen is not None:
            generation = self._changes_seen.value  # read before the rows: a write after this re-reads next time
            if generation == self._state.generation:
                return self._state
        with self._locked() as db:
            if self._changes is None:
                generation = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
                if generation == self._state.generation:
                    return self._state
            parsed = self._session_cache  # body text -> parsed: a write decodes only the sessions it changed
            bodies = db.execute("SELECT agent, session_id, body FROM sessions ORDER BY rowid").fetchall()
            self._session_cache = {body: parsed.get(body) or json.loads(body) for _, _, body in bodies}
            sessions = {(agent, sid): self._session_cache[body] for agent, sid, body in bodies}
            rows = db.execute("SELECT rule, source FROM stubs ORDER BY rank").fetchall()
        cache = self._stub_cache
        stubs = tuple(cache.get((rule, source)) or Stub.from_plain(json.loads(rule), source) for rule, source in rows)
        self._stub_cache = {(rule, source): stub for (rule, source), stub in zip(rows, stubs, strict=True)}
        self._state = State(generation, sessions, stubs)
        return self._state

    def start(self, fixtures: FixtureSet) -> None:
        """A server's start-up fixtures. A private file becomes exactly `fixtures`; a shared one (--state-db) keeps
        what other servers put there: these sessions and stubs are added or replaced by key, nothing is deleted
        and the journal goes on. (POST /__admin/reset, through any server, clears the shared file on purpose.)"""
        if self._users is None:
            self.replace_all(fixtures)
            return
        with self._write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO sessions VALUES (?, ?, ?)",
                [(agent, sid, json.dumps(body)) for (agent, sid), body in fixtures.sessions.items()],
            )
            rank = db.execute("SELECT COALESCE(MAX(rank), 0) + 1 FROM stubs").fetchone()[0]
            for offset, stub in enumerate(fixtures.stubs):  # behind any added through the admin API
                db.execute(
                    "INSERT INTO stubs (id, rank, rule, source) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
                    "SET rule = excluded.rule, source = excluded.source",
                    (stub.id, rank + offset, json.dumps(stub.to_plain()), stub.source),
                )

    def replace_all(self, fixtures: FixtureSet) -> None:
        """Sessions and stubs become exactly `fixtures`; positions in sequences, the journal and coverage start over."""
        if self._ring is not None:
            self._ring.clear()
        if self._served is not None:
            self._served.clear()
        with self._write() as db:
            db.execute("DELETE FROM sessions")
            db.execute("DELETE FROM stubs")
            db.execute("DELETE FROM journal")  # a shared file's journal; a private server's is the ring
            db.execute("DELETE FROM served")  # a shared file's coverage counts; a private server's are in memory
            db.executemany(
                "INSERT INTO sessions VALUES (?, ?, ?)",
                [(agent, sid, json.dumps(body)) for (agent, sid), body in fixtures.sessions.items()],
            )
            db.executemany(
                "INSERT INTO stubs (id, rank, rule, source) VALUES (?, ?, ?, ?)",
                [(s.id, rank, json.dumps(s.to_plain()), s.source) for rank, s in enumerate(fixtures.stubs)],
            )

    def put_session(self, agent: str, session_id: str, given: Mapping[str, Any]) -> bool:
        """Create or replace; True when it was created."""
        with self._write() as db:
            existed = db.execute(
                "SELECT 1 FROM sessions WHERE agent = ? AND session_id = ?", (agent, session_id)
            ).fetchone()
            db.execute("INSERT OR REPLACE INTO sessions VALUES (?, ?, ?)", (agent, session_id, json.dumps(given)))
        return existed is None

    def delete_session(self, agent: str, session_id: str) -> bool:
        with self._write() as db:
            cursor = db.execute("DELETE FROM sessions WHERE agent = ? AND session_id = ?", (agent, session_id))
        return cursor.rowcount > 0

    def clear_sessions(self) -> None:
        with self._write() as db:
            db.execute("DELETE FROM sessions")

    def add_stub(self, stub: Stub) -> bool:
        """Adds `stub` ahead of every other (the newest rule wins); False when its id is taken."""
        with self._write() as db:
            if db.execute("SELECT 1 FROM stubs WHERE id = ?", (stub.id,)).fetchone():
                return False
            rank = db.execute("SELECT COALESCE(MIN(rank), 0) - 1 FROM stubs").fetchone()[0]
            db.execute(
                "INSERT INTO stubs (id, rank, rule, source) VALUES (?, ?, ?, ?)",
                (stub.id, rank, json.dumps(stub.to_plain()), stub.source),
            )
        return True

    def delete_stub(self, stub_id: str) -> bool:
        with self._write() as db:
            cursor = db.execute("DELETE FROM stubs WHERE id = ?", (stub_id,))
        return cursor.rowcount > 0

    def clear_stubs(self) -> None:
        with self._write() as db:
            db.execute("DELETE FROM stubs")

    def stub_hits(self) -> dict[str, int]:
        with self._locked() as db:
            return dict(db.execute("SELECT id, hits FROM stubs").fetchall())

    def advance(self, stub_id: str) -> int:
        """Counts one more matching request and returns how many came before it (the sequence position)."""
        with self._locked() as db:
            row = db.execute("UPDATE stubs SET hits = hits + 1 WHERE id = ? RETURNING hits", (stub_id,)).fetchone()
        return 0 if row is None else int(row[0]) - 1

    # --- journal ---------------------------------------------------------------------------------

    def record(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        status: int,
        stub: str | None = None,
        operation: str | None = None,
        source: str | None = None,
    ) -> None:
        if self._ring is not None:
            self._ring.record((time.time(), method, path, query, headers, status, stub, operation, source))
            if operation is not None and self._served is not None:
                self._served.add(operation, status, source or "generated")
            return
        with self._locked() as db:  # the journal_served trigger counts what was served
            db.execute(
                "INSERT INTO journal (time, method, path, query, headers, status, stub, operation, source) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), method, path, _json_text(query), _json_text(headers), status, stub, operation, source),
            )

    def requests(self, limit: int | None = None, **filters: Unpack[JournalFilters]) -> list[JournalEntry]:
        """Newest first."""
        return list(self.iter_requests(limit, **filters))

    def iter_requests(self, limit: int | None = None, **filters: Unpack[JournalFilters]) -> Iterator[JournalEntry]:
        """Newest first, read a batch at a time: a reader holds one batch in memory, not the whole journal."""
        wanted = self.journal_size if limit is None else limit
        if wanted <= 0:
            return
        found = 0
        for entry in self._journal():
            if journal_matches(entry, filters):
                yield entry
                found += 1
                if found >= wanted:
                    return

    def _journal(self) -> Iterator[JournalEntry]:
        """Every entry held, newest first."""
        if self._ring is not None:
            for entry_id, row in self._ring.entries():
                when, method, path, query, headers, status, *rest = row
                stub, operation, source = (*rest, None, None, None)[:3]  # older rows lack the last ones
                yield JournalEntry(
                    method, path, query, headers, status, _stamp(when), stub, operation, source, entry_id
                )
            return
        # A shared file's journal, read a batch at a time (by id, newest first) as the ring is.
        sql = (
            "SELECT id, time, method, path, query, headers, status, stub, operation, source FROM journal "
            "WHERE id < ? ORDER BY id DESC"
        )
        before = 2**63 - 1
        while True:
            with self._locked() as db:
                rows = db.execute(sql + " LIMIT ?", (before, READ_BATCH)).fetchall()
            for i, t, m, p, q, h, s, b, o, r in rows:
                yield JournalEntry(m, p, json.loads(q), json.loads(h), s, _stamp(t), b, o, r, id=i)
            if len(rows) < READ_BATCH:
                return
            before = rows[-1][0]

    def journal_count(self) -> int:
        if self._ring is not None:
            return self._ring.count()
        with self._locked() as db:
            return int(db.execute("SELECT COUNT(*) FROM journal").fetchone()[0])

    def clear_requests(self) -> None:
        if self._ring is not None:
            self._ring.clear()
            return
        with self._locked() as db:
            db.execute("DELETE FROM journal")

    # --- what was served, for coverage -----------------------------------------------------------

    def served(self) -> list[ServedRow]:
        """(operationId, status, source, how many) for every answer recorded since the last reset."""
        if self._served is not None:
            return self._served.rows()
        with self._locked() as db:
            rows = db.execute("SELECT operation, status, source, n FROM served").fetchall()
        return [(str(o), int(s), str(r), int(n)) for o, s, r, n in rows]

    def clear_served(self) -> None:
        if self._served is not None:
            self._served.clear()
            return
        with self._locked() as db:
            db.execute("DELETE FROM served")


# --- the session lifecycle: started and stopped sessions, agents' readiness, the clock ----------
# (tables of their own, created on first use; see _world.py for what they mean)

_LIFECYCLE_SCHEMA = """
CREATE TABLE IF NOT EXISTS lifecycle_sessions (
    agent TEXT NOT NULL, session_id TEXT NOT NULL, seq INTEGER NOT NULL, created_ms INTEGER NOT NULL,
    stopped_ms INTEGER, info TEXT NOT NULL, changed INTEGER NOT NULL, PRIMARY KEY (agent, session_id));
CREATE INDEX IF NOT EXISTS lifecycle_changed ON lifecycle_sessions (changed);
CREATE INDEX IF NOT EXISTS lifecycle_seq ON lifecycle_sessions (agent, seq);
INSERT OR IGNORE INTO meta VALUES ('lifecycle_cleared', 0);
CREATE TABLE IF NOT EXISTS lifecycle_agents (agent TEXT PRIMARY KEY, ready INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS lifecycle_clock (id INTEGER PRIMARY KEY CHECK (id = 0), frozen_ms INTEGER,
    offset_ms INTEGER NOT NULL);
"""


class LifecycleStore:
    """The lifecycle's tables in the same file and transactions as `Store` (writes bump its generation)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.last = LifecycleState(-1)  # the state as last read; its generation says how current it is
        self._rows_as_of = -1  # the file's generation when last.rows were read (-1: never)
        self._made_for_pid = -1

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self._ensure_tables()
        with self._store._write() as db:
            yield db

    def _ensure_tables(self) -> None:
        if self._made_for_pid != os.getpid():
            with self._store._locked() as db:
                db.executescript(_LIFECYCLE_SCHEMA)
            self._made_for_pid = os.getpid()

    def state(self) -> LifecycleState:
        """Re-read only when some admin or lifecycle write changed the file (one shared counter otherwise)."""
        seen = self._store._changes_seen
        if seen is not None and seen.value == self.last.generation:
            return self.last
        self._ensure_tables()
        with self._store._locked() as db:
            generation = (
                seen.value
                if seen is not None
                else db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
            )
            if generation == self.last.generation:
                return self.last
            # Only the rows written since the last read, unless a clear came in between: thousands of started
            # sessions are read once, not again after every start.
            # Marks are the file's generation (which a private server's shared counter only mirrors), read
            # before the rows: a row written meanwhile is read again next time, never missed.
            written, cleared = (
                db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0]
                for key in ("generation", "lifecycle_cleared")
            )
            since = self._rows_as_of if 0 <= cleared <= self._rows_as_of else -1
            rows = dict(self.last.rows) if since >= 0 else {}
            for a, s, q, c, p, i in db.execute(
                "SELECT agent, session_id, seq, created_ms, stopped_ms, info FROM lifecycle_sessions "
                "WHERE changed > ? ORDER BY rowid",
                (since,),
            ):
                rows[(a, s)] = LifecycleRow(a, s, q, c, p, json.loads(i))
            ready = {a: bool(r) for a, r in db.execute("SELECT agent, ready FROM lifecycle_agents")}
            clock = db.execute("SELECT frozen_ms, offset_ms FROM lifecycle_clock WHERE id = 0").fetchone()
        frozen, offset = clock if clock else (None, 0)
        self._rows_as_of = written
        self.last = LifecycleState(generation, rows, ready, frozen, offset)
        return self.last

    def start(self, agent: str, session_id_for: Any, created_ms: int, info: Mapping[str, Any]) -> LifecycleRow:
        """Adds the agent's next started session; `session_id_for(seq)` names it (atomic across workers)."""
        with self._write() as db:
            seq = db.execute(
                "SELECT COUNT(*) FROM lifecycle_sessions WHERE agent = ? AND seq >= 0", (agent,)
            ).fetchone()[0]
            session_id = session_id_for(seq)
            db.execute(
                "INSERT OR REPLACE INTO lifecycle_sessions VALUES (?, ?, ?, ?, NULL, ?, "
                "(SELECT value + 1 FROM meta WHERE key = 'generation'))",
                (agent, session_id, seq, created_ms, json.dumps(dict(info))),
            )
        return LifecycleRow(agent, session_id, seq, created_ms, None, info)

    def stop(self, agent: str, session_id: str, created_ms: int, stopped_ms: int, info: Mapping[str, Any]) -> bool:
        """Marks the session stopped (adding a row for a session not started here); False if it already was."""
        with self._write() as db:
            row = db.execute(
                "SELECT stopped_ms FROM lifecycle_sessions WHERE agent = ? AND session_id = ?", (agent, session_id)
            ).fetchone()
            if row is not None and row[0] is not None:
                return False
            if row is None:
                db.execute(
                    "INSERT INTO lifecycle_sessions VALUES (?, ?, -1, ?, ?, ?, "
                    "(SELECT value + 1 FROM meta WHERE key = 'generation'))",
                    (agent, session_id, created_ms, stopped_ms, json.dumps(dict(info))),
                )
            else:
                db.execute(
                    "UPDATE lifecycle_sessions SET stopped_ms = ?, "
                    "changed = (SELECT value + 1 FROM meta WHERE key = 'generation') "
                    "WHERE agent = ? AND session_id = ?",
                    (stopped_ms, agent, session_id),
                )
        return True

    def set_ready(self, agent: str, ready: bool) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO lifecycle_agents VALUES (?, ?)", (agent, int(ready)))

    def set_clock(self, frozen_ms: int | None, offset_ms: int) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO lifecycle_clock VALUES (0, ?, ?)", (frozen_ms, offset_ms))

    def clear(self) -> None:
        """Forget every started and stopped session, readiness mark and clock setting (a reset)."""
        with self._write() as db:
            db.execute("DELETE FROM lifecycle_sessions")
            db.execute(
                "UPDATE meta SET value = (SELECT value + 1 FROM meta WHERE key = 'generation') "
                "WHERE key = 'lifecycle_cleared'"
            )
            db.execute("DELETE FROM lifecycle_agents")
            db.execute("DELETE FROM lifecycle_clock")
