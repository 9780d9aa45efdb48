"""`pipecat-mock record`'s options, read through the one Option table type: what is wrong is named, keys never."""

from __future__ import annotations

import pytest
from pipecat_cloud_mock.cli.main import main


@pytest.fixture(autouse=True)
def refuse_to_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad value let through fails the test instead of starting a proxy that runs until killed."""

    def accepted(*_: object) -> None:
        raise AssertionError("the bad value was accepted and the recorder started")

    monkeypatch.setattr("pipecat_cloud_mock.record.proxy.serve_recorder", accepted)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "rec"], "--target must be given"),
        (["--target", "https://api.example/v1"], "--out must be given"),
        (["--target", "https://api.example/v1", "--out", "rec", "--port", "99999"], "--port '99999': Valid values: 0"),
        (["--target", "https://x/v1", "--out", "rec", "--timeout", "soon"], "--timeout 'soon': Valid values: a number"),
    ],
)
def test_a_bad_record_option_exits_2_naming_it(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["record", *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_the_api_key_is_never_echoed(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PIPECAT_API_KEY", "sk-never-shown")
    assert main(["record", "--target", "https://x/v1", "--out", "rec", "--port", "-1"]) == 2
    assert main(["record", "--api-key", "sk-flag-never-shown", "--out", "rec"]) == 2
    captured = capsys.readouterr()
    assert "never-shown" not in captured.err + captured.out
