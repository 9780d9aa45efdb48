"""`pipecat-mock contract`: the installed kit's entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipecat_cloud_mock.cli.contract import INSTALL_HINT, pytest_arguments
from pipecat_cloud_mock.cli.main import build_parser, main

from tests.support.commands import run_command
from tests.support.servers import CLI


def test_the_options_become_pytest_arguments_and_the_key_never_enters_argv() -> None:
    args = build_parser().parse_args(
        ["contract", "--contract-target", "mock", "--contract-api-key", "k-secret", "--contract-strict", "--", "-x"]
    )
    environ: dict[str, str] = {}
    argv = pytest_arguments(args, environ)
    assert environ == {"PIPECAT_API_KEY": "k-secret"}
    assert "k-secret" not in " ".join(argv)
    assert argv[argv.index("--contract-target") + 1] == "mock"
    assert "--contract-strict" in argv
    assert argv[-1] == "-x"
    assert Path(argv[0], "test_target.py").is_file()  # the installed suite's own directory


def test_without_pytest_the_subcommand_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pytest" else real(name, *a))
    assert main(["contract"]) == 2
    assert INSTALL_HINT in capsys.readouterr().err


@pytest.mark.e2e
def test_the_console_script_runs_the_suite() -> None:
    done = run_command([CLI, "contract", "--", "-q", "-k", "spec_is_valid or refused"])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "contract summary" in done.stdout
    assert "spec-valid" in done.stdout


@pytest.mark.e2e
def test_the_spawned_mock_keeps_answering_past_a_full_pipe_and_is_stopped() -> None:
    from pipecat_cloud_mock.contract.target import SpawnedMockTarget, session_request

    target = SpawnedMockTarget()
    agent = "a" * 4_000  # each access-log line names it: 30 of them overflow a 64 KiB pipe
    try:
        # A server whose output nobody drains blocks here.
        for i in range(30):
            assert target.send(session_request(agent, f"00000000-0000-4000-8000-{i:012d}")).status == 200
    finally:
        target.close()
    assert target._process.poll() is not None
