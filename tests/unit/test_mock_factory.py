"""make_mock's factory closes what it builds: no temporary state directory outlives the test."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.support.mocks import MockFactory


def _state_dirs(where: Path) -> list[str]:
    return sorted(p.name for p in where.iterdir() if p.is_dir() and p.name.startswith("pipecat-mock-"))


def test_every_app_and_pipeline_it_built_is_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    factory = MockFactory()
    factory()
    factory.client(seed=3)
    factory.pipeline()
    assert len(_state_dirs(tmp_path)) == 3
    factory.close()
    assert _state_dirs(tmp_path) == []


def test_as_a_context_manager_it_closes_at_the_end_of_the_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with MockFactory() as make:
        assert make.pipeline(seed=1).config.access_log is False  # off unless asked for
        assert make(access_log=True).extensions["pipecat_mock"].config.access_log is True
        assert len(_state_dirs(tmp_path)) == 2
    assert _state_dirs(tmp_path) == []
