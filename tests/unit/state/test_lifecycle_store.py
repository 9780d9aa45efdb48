"""The lifecycle store as two workers see it: a reader re-reads only the rows written since its last read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pipecat_cloud_mock.state import store as store_module
from pipecat_cloud_mock.state.store import LifecycleStore, Store


def _pair(tmp_path: Path) -> tuple[LifecycleStore, LifecycleStore]:
    db = tmp_path / "state.db"
    return LifecycleStore(Store(db, 10)), LifecycleStore(Store(db, 10))  # a shared file, as two workers


def _fresh_rows(store: LifecycleStore, tmp_path: Path) -> dict[Any, Any]:
    return dict(LifecycleStore(Store(tmp_path / "state.db", 10)).state().rows)


def test_a_reader_sees_every_start_stop_and_clear_the_other_worker_made(tmp_path: Path) -> None:
    writer, reader = _pair(tmp_path)
    names = iter(f"00000000-0000-4000-8000-{n:012d}" for n in range(100))
    for step in range(12):
        row = writer.start("bot", lambda seq: next(names), 1_000 * step, {"transport": "daily"})
        if step % 3 == 1:
            writer.stop("bot", row.session_id, row.created_ms, row.created_ms + 5, {})
        if step == 7:
            writer.clear()
        writer.stop("other", f"gen-{step}", 0, 10, {"base": {"createdAt": "2026-01-01T00:00:00.000Z"}})
        assert dict(reader.state().rows) == _fresh_rows(writer, tmp_path)
    assert len(reader.state().rows) == 4 + 5  # started and stopped-generated ones since the clear (at step 7)


def test_after_the_first_read_only_new_rows_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer, reader = _pair(tmp_path)
    for n in range(50):
        writer.start("bot", lambda seq, n=n: f"00000000-0000-4000-8000-{n:012d}", n, {})
    assert len(reader.state().rows) == 50
    built: list[object] = []
    real = store_module.LifecycleRow

    def counted(*args: Any) -> Any:
        built.append(args)
        return real(*args)

    writer.start("bot", lambda seq: "00000000-0000-4000-8000-999999999999", 99, {})
    monkeypatch.setattr(store_module, "LifecycleRow", counted)
    assert len(reader.state().rows) == 51
    assert len(built) == 1  # the new row, not all 51
