"""One --state-db, many servers, nothing lost; admin writes cost what changed; journal reads are streamed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pipecat_cloud_mock import MockPipeline
from pipecat_cloud_mock.errors import ConfigError
from pipecat_cloud_mock.state.model import FixtureSet, Stub
from werkzeug.test import EnvironBuilder

from tests.support import REPO
from tests.support.mocks import MockFactory

SID = "800d5d4a-0fe4-4a3f-b4c8-6a0b86d9b0b5"
FIXTURES = REPO / "fixtures"


def _mock(make_mock: MockFactory, db: Path, **options: Any) -> MockPipeline:
    return make_mock.pipeline(state_db=db, **options)


def test_a_second_server_on_the_same_state_db_keeps_the_first_ones_data(make_mock: MockFactory, tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    first = _mock(make_mock, db)
    first.control.store.put_session("agent", SID, {"coldStart": True})
    stub = first.control.parser.stub({"id": "mine", "respond": {"status": 500}}, _report(), (), default_id="")
    assert stub is not None
    first.control.store.add_stub(stub)
    first.control.store.record("GET", "/v1/x", {}, {}, 200)
    second = _mock(make_mock, db, fixtures=FIXTURES)  # with start-up fixtures of its own
    state = second.control.store.state()
    assert state.sessions[("agent", SID)] == {"coldStart": True}
    assert "mine" in [s.id for s in state.stubs]
    assert len(state.stubs) > 1  # and its own fixtures' stubs
    assert [e.path for e in first.control.store.requests()] == ["/v1/x"]
    assert first.control.store.state().sessions.keys() == state.sessions.keys()
    first.control.close()
    second.control.close()


def test_a_reset_through_one_server_clears_the_shared_state_on_purpose(make_mock: MockFactory, tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    first, second = _mock(make_mock, db), _mock(make_mock, db)
    first.control.store.put_session("agent", SID, {"coldStart": True})
    second.control.reset()
    assert first.control.store.state().sessions == {}
    first.control.close()
    second.control.close()


def test_a_journal_size_that_conflicts_with_a_running_server_is_refused(make_mock: MockFactory, tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    first = _mock(make_mock, db, journal_size=5)
    for i in range(5):
        first.control.store.record("GET", f"/v1/{i}", {}, {}, 200)
    with pytest.raises(ConfigError, match="--journal-size 2 conflicts with 5"):
        _mock(make_mock, db, journal_size=2)
    assert first.control.store.journal_count() == 5  # nothing trimmed
    same = _mock(make_mock, db, journal_size=5)
    same.control.close()
    first.control.close()
    alone = _mock(make_mock, db, journal_size=2)  # no server uses the file any more: its size may change
    alone.control.store.record("GET", "/v1/next", {}, {}, 200)
    assert alone.control.store.journal_count() == 2
    alone.control.close()


def test_an_admin_write_reparses_only_the_rule_it_changed(
    make_mock: MockFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mock = make_mock.pipeline()
    store, parser = mock.control.store, mock.control.parser
    rules = [parser.stub({"id": f"s{i}", "respond": {"status": 500}}, _report(), (), default_id="") for i in range(30)]
    store.replace_all(FixtureSet({}, tuple(r for r in rules if r is not None)))
    assert len(store.state().stubs) == 30
    new = parser.stub({"id": "new", "respond": {"status": 404}}, _report(), (), default_id="")
    assert new is not None
    calls: list[object] = []
    checked: list[object] = []
    read_back = Stub.from_plain

    def counted(plain: Any, source: str = "") -> Stub:
        calls.append(plain)
        return read_back(plain, source)

    monkeypatch.setattr(Stub, "from_plain", counted)
    monkeypatch.setattr(parser, "stub", lambda *args, **kwargs: checked.append(args))
    store.add_stub(new)
    assert [s.id for s in store.state().stubs][:2] == ["new", "s0"]
    assert len(calls) == 1  # the new rule only, not all 31
    assert checked == []  # read back as stored, not validated again
    mock.control.close()


def test_a_journal_read_is_streamed_an_entry_at_a_time(make_mock: MockFactory) -> None:
    app = make_mock(journal_size=2000)
    client = app.test_client()
    for _ in range(600):  # more than one read batch
        client.get(f"/v1/agents/a/sessions/{SID}", headers={"Authorization": "Bearer k"})
    environ = EnvironBuilder(path="/__admin/requests").get_environ()
    pieces = list(app(environ, lambda status, headers, exc_info=None: None))
    assert len(pieces) > 600  # never the whole journal as one document in memory
    entries = json.loads(b"".join(pieces))["requests"]
    assert len(entries) == 600
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)


def _report() -> Any:
    from pipecat_cloud_mock.state.parse import Report

    return Report("admin")


def test_an_admin_write_decodes_only_the_session_it_changed(
    make_mock: MockFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json as real_json
    import types

    import pipecat_cloud_mock.state.store as store_module

    mock = make_mock.pipeline()
    store = mock.control.store
    for i in range(20):
        store.put_session("agent", f"{SID[:-2]}{i:02d}", {"botStartSeconds": i})
    assert len(store.state().sessions) == 20
    decoded: list[str] = []

    def loads(text: str) -> Any:
        decoded.append(text)
        return real_json.loads(text)

    monkeypatch.setattr(store_module, "json", types.SimpleNamespace(loads=loads, dumps=real_json.dumps))
    store.put_session("agent", SID, {"botStartSeconds": 99})
    assert store.state().sessions[("agent", SID)] == {"botStartSeconds": 99}
    assert decoded == ['{"botStartSeconds": 99}']
    mock.control.close()
