"""The shared store: the journal's bound, change detection across connections, atomic sequences."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pipecat_cloud_mock import MockPipeline, PipelineRequest
from pipecat_cloud_mock.spec.loader import load_spec
from pipecat_cloud_mock.state.files import load_fixtures
from pipecat_cloud_mock.state.parse import FixtureParser
from pipecat_cloud_mock.state.store import Store

from tests.support import REPO
from tests.support.mocks import MockFactory

EXAMPLES = REPO / "fixtures"
SID = "6f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
FLAKY = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


@pytest.fixture(scope="module")
def parser() -> FixtureParser:
    return FixtureParser(load_spec())


@pytest.fixture
def mock(make_mock: MockFactory, tmp_path: Path) -> MockPipeline:
    return make_mock.pipeline(journal_size=100, state_db=tmp_path / "state.db")


@pytest.mark.parametrize("private", [False, True], ids=["state-db file", "shared-memory ring"])
def test_the_journal_keeps_only_the_newest_entries_over_many_times_its_bound(
    make_mock: MockFactory, tmp_path: Path, private: bool
) -> None:
    mock = make_mock.pipeline(journal_size=10, state_db=None if private else tmp_path / "state.db")
    for i in range(250):  # 25 times round the bound; unrouted paths: the cheapest answers
        mock.handle(PipelineRequest("GET", f"/load/{i}"))
    entries = mock.control.store.requests(limit=100_000)
    assert mock.control.store.journal_count() == 10
    assert [e.path for e in entries] == [f"/load/{i}" for i in range(249, 239, -1)]
    assert [e.id for e in entries] == list(range(250, 240, -1))


def test_the_journal_filters_by_path_and_status_newest_first(mock: MockPipeline) -> None:
    for path in ("/v1/agents/a/sessions/" + SID, "/v1/agents/b/sessions/" + SID, "/nope"):
        mock.handle(PipelineRequest("GET", path, headers={"authorization": "Bearer t"}))
    mock.handle(PipelineRequest("GET", "/v1/agents/a/sessions/" + SID))  # 401
    store = mock.control.store
    assert [e.status for e in store.requests(path="/v1/agents/a/sessions/" + SID)] == [401, 200]
    assert [e.path for e in store.requests(status=404)] == ["/nope"]
    assert len(store.requests()) == 4
    store.clear_requests()
    assert store.requests() == []


@pytest.mark.parametrize("private", [False, True], ids=["state-db file", "shared-memory ring"])
def test_the_journal_never_holds_credentials(make_mock: MockFactory, tmp_path: Path, private: bool) -> None:
    mock = make_mock.pipeline(state_db=None if private else tmp_path / "state.db")
    secret = "sk_live_secret"
    headers = {"authorization": f"Bearer {secret}", "cookie": f"s={secret}", "x-api-key": secret}
    mock.handle(PipelineRequest("GET", f"/v1/agents/a/sessions/{SID}", headers=headers))
    (entry,) = mock.control.store.requests()
    assert entry.headers == {"authorization": "Bearer ***", "cookie": "***", "x-api-key": "***"}
    store = mock.control.store
    files = (store.path, store.path.with_name(store.path.name + "-wal"))  # WAL: new rows are in -wal first
    held = store._ring._data[:] if store._ring is not None else b"".join(f.read_bytes() for f in files)
    assert b"/v1/agents/a/sessions/" in held  # the entry is in what is searched
    assert b"sk_live_secret" not in held


def test_another_connection_sees_writes_and_state_is_cached(tmp_path: Path, parser: FixtureParser) -> None:
    db = tmp_path / "s.db"
    one, two = Store(db, 10), Store(db, 10)  # as two workers would
    one.replace_all(load_fixtures(EXAMPLES, parser=parser))
    first = two.state()
    assert two.state() is first  # nothing changed: no re-read
    two.record("GET", "/x", {}, {}, 200)  # journal traffic does not invalidate the cache
    assert two.state() is first
    one.put_session("new-agent", SID, {"coldStart": True})
    assert two.state().sessions[("new-agent", SID)] == {"coldStart": True}
    one.close()
    two.close()


def test_sequence_positions_advance_atomically_across_connections(tmp_path: Path, parser: FixtureParser) -> None:
    db = tmp_path / "s.db"
    stores = [Store(db, 10) for _ in range(4)]
    stores[0].replace_all(load_fixtures(EXAMPLES, parser=parser))
    positions: list[int] = []
    lock = threading.Lock()

    def worker(store: Store) -> None:
        for _ in range(50):
            position = store.advance("flaky-session")
            with lock:
                positions.append(position)

    threads = [threading.Thread(target=worker, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(positions) == list(range(200))  # each position handed out exactly once
    for store in stores:
        store.close()


def test_the_temporary_state_directory_is_removed_on_close(make_mock: MockFactory) -> None:
    mock = make_mock.pipeline()
    directory = mock.control.store.path.parent
    assert directory.is_dir()
    mock.control.close()
    assert not directory.exists()


def test_a_state_db_from_an_older_schema_is_rebuilt(tmp_path: Path, parser: FixtureParser) -> None:
    import sqlite3

    db = tmp_path / "old.db"
    with sqlite3.connect(db) as old:  # version 0: a journal without the stub column
        old.execute(
            "CREATE TABLE journal (id INTEGER PRIMARY KEY, time REAL, method TEXT, path TEXT, "
            "query TEXT, headers TEXT, status INTEGER)"
        )
    old.close()
    store = Store(db, 10)
    store.record("GET", "/x", {}, {}, 200, stub="s")
    assert [e.stub for e in store.requests()] == ["s"]
    store.close()


def test_a_private_store_sees_a_forked_workers_write_on_its_next_read(tmp_path: Path, parser: FixtureParser) -> None:
    import os

    store = Store(tmp_path / "p.db", 10, private=True)  # the default: the counter lives in shared memory
    store.replace_all(load_fixtures(EXAMPLES, parser=parser))
    first = store.state()
    assert store.state() is first  # nothing changed: no re-read
    store.close()  # as Control does before gunicorn forks
    pid = os.fork()
    if pid == 0:  # the other worker: an admin write
        try:
            store.put_session("forked", SID, {"coldStart": True})
        finally:
            os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    assert store.state().sessions[("forked", SID)] == {"coldStart": True}
    store.close()


def test_a_reader_sees_what_another_worker_answered_in_answer_order(tmp_path: Path, parser: FixtureParser) -> None:
    import os

    store = Store(tmp_path / "p.db", 10, private=True)
    answered, done = os.pipe(), os.pipe()
    pid = os.fork()
    if pid == 0:  # the other worker: records one request, says so, and stays alive
        try:
            store.record("GET", "/from-the-other-worker", {}, {}, 200)
            os.write(answered[1], b"x")
            os.read(done[0], 1)
        finally:
            os._exit(0)
    try:
        assert os.read(answered[0], 1) == b"x"
        store.record("GET", "/from-this-worker", {}, {}, 201)  # answered after the other: newer
        assert [e.path for e in store.requests()] == ["/from-this-worker", "/from-the-other-worker"]
    finally:
        os.write(done[1], b"x")
        os.waitpid(pid, 0)
        store.close()


def test_the_private_journal_keeps_any_text_it_is_given(tmp_path: Path, parser: FixtureParser) -> None:
    store = Store(tmp_path / "p.db", 10, private=True)
    odd = {"x-name": "Zoë €", "x-raw": "\udcff"}  # non-ASCII, and a lone surrogate orjson refuses
    store.record("GET", "/x", {"q": "ü"}, odd, 200)
    (entry,) = store.requests()
    assert (entry.query, entry.headers) == ({"q": "ü"}, odd)
    store.close()


def test_a_state_db_journal_longer_than_one_read_batch_comes_back_whole(make_mock: MockFactory, tmp_path: Path) -> None:
    from pipecat_cloud_mock.state.journal import READ_BATCH

    size = 2 * READ_BATCH + 50
    mock = make_mock.pipeline(journal_size=size, state_db=tmp_path / "state.db")
    for i in range(size + 40):
        mock.handle(PipelineRequest("GET", f"/load/{i}"))
    entries = mock.control.store.requests(limit=10 * size)
    assert [e.path for e in entries] == [f"/load/{i}" for i in range(size + 39, 39, -1)]
