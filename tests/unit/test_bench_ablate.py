"""bench/ablate.py runs, switches each shortcut off and back on, and reports every one."""

from __future__ import annotations

import runpy
import uuid

import pytest
from pipecat_cloud_mock.pipeline.mock import PipelineRequest

from tests.support import REPO
from tests.support.mocks import MockFactory

ABLATE = runpy.run_path(str(REPO / "bench" / "ablate.py"), run_name="ablate")


def test_the_ablation_script_reports_every_shortcut(capsys: pytest.CaptureFixture[str]) -> None:
    assert ABLATE["main"](["--requests", "20", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    for name in ABLATE["SWITCHES"]:
        assert name in out


@pytest.mark.parametrize("name", list(ABLATE["SWITCHES"]))
def test_switching_a_shortcut_off_leaves_the_answers_unchanged(name: str, make_mock: MockFactory) -> None:
    mock = make_mock.pipeline()
    request = PipelineRequest("GET", f"/v1/agents/a/sessions/{uuid.uuid4()}", {}, {"authorization": "Bearer b"})
    before = mock.handle(request).body
    with ABLATE["SWITCHES"][name](mock):
        assert mock.handle(request).body == before  # the shortcut is only a shortcut
    assert mock.handle(request).body == before
