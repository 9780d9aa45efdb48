"""The package as a user meets it: its version, its help, its licence, and the old names it still accepts."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
import warnings

import pipecat_cloud_mock
import pytest
from pipecat_cloud_mock import Config
from pipecat_cloud_mock.cli.main import build_parser, config_from_args

from tests.support import REPO

ROOT = REPO


def test_version_is_the_installed_distribution_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"pipecat-mock {importlib.metadata.version('pipecat-cloud-mock')}\n"
    assert pipecat_cloud_mock.__version__ == importlib.metadata.version("pipecat-cloud-mock")


def test_the_console_script_answers_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pipecat_cloud_mock", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"pipecat-mock {pipecat_cloud_mock.__version__}"


def test_serve_help_shows_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines wherever it likes
    for shown in ("(default: 127.0.0.1)", "(default: 4010)", "(default: 0)", "(default: dynamic)"):
        assert shown in text
    # Options whose default is not a plain value say it in their own words.
    assert "(default: CPU count, at most 4)" in text
    assert "(default 1000, at most 1,000,000)" in text
    assert "[env: PIPECAT_MOCK_PORT]" in text


def test_the_licence_is_the_one_pyproject_names() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


@pytest.mark.parametrize(
    ("old", "new"), [("Mock", "MockPipeline"), ("MockRequest", "PipelineRequest"), ("MockResponse", "PipelineResponse")]
)
def test_the_old_names_still_work_with_a_deprecation_warning(old: str, new: str) -> None:
    with pytest.warns(
        DeprecationWarning, match=f"pipecat_cloud_mock.{old} is deprecated.*use pipecat_cloud_mock.{new}"
    ):
        value = getattr(pipecat_cloud_mock, old)
    assert value is getattr(pipecat_cloud_mock, new)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        getattr(pipecat_cloud_mock, new)  # the new name is silent


def test_admin_is_said_positively_and_the_old_double_negative_still_works() -> None:
    assert Config().admin
    assert not config_from_args(build_parser().parse_args(["serve", "--no-admin"])).admin
    assert not Config.from_env({"PIPECAT_MOCK_NO_ADMIN": "1"}).admin
    with pytest.warns(DeprecationWarning, match=r"Config.no_admin is deprecated.*use Config.admin"):
        old = Config(access_log=False, no_admin=True)
    assert old == Config(access_log=False, admin=False)
    with pytest.warns(DeprecationWarning, match="Config.no_admin is deprecated"):
        assert old.no_admin is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not old.with_changes(seed=1).admin  # copying never touches the old name
