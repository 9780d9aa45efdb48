from __future__ import annotations

import pytest

from tests.support import contract_faults
from tests.support.contract_runs import TARGET, Run, run_in_process


@pytest.fixture
def run_kit(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Run:
    """The kit against the fault app with CONTRACT_PLANTED_FAULT=fault, its answer counts fresh."""

    def run(fault: str, *args: str, paths: tuple[str, ...] = ()) -> pytest.RunResult:
        monkeypatch.setenv("CONTRACT_PLANTED_FAULT", fault)
        monkeypatch.setattr(contract_faults.app, "answers", contract_faults.Answers())
        return run_in_process(pytester, monkeypatch, TARGET, *args, paths=paths)

    return run
