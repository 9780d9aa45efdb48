"""The serve flags this feature adds, each with its PIPECAT_MOCK_* variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipecat_cloud_mock import Config, ConfigError
from pipecat_cloud_mock.cli.main import build_parser, config_from_args

from tests.support.mocks import MockFactory


def test_flags_reach_the_config() -> None:
    argv = "serve --fixtures fx --only-fixtures --no-admin --admin-token s3cr3t-value --journal-size 5 --state-db s.db"
    args = build_parser().parse_args(argv.split())
    config = config_from_args(args)
    assert config.fixtures == Path("fx")
    assert config.only_fixtures
    assert not config.admin
    assert config.admin_token is not None
    assert config.admin_token.reveal() == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(config)
    assert config.journal_size == 5
    assert config.state_db == Path("s.db")


def test_environment_variables() -> None:
    environ = {
        "PIPECAT_MOCK_FIXTURES": "fx",
        "PIPECAT_MOCK_ONLY_FIXTURES": "true",
        "PIPECAT_MOCK_ADMIN_TOKEN": "tok",
        "PIPECAT_MOCK_JOURNAL_SIZE": "7",
    }
    config = Config.from_env(environ)
    assert (config.fixtures, config.only_fixtures, config.journal_size) == (Path("fx"), True, 7)
    assert config.admin_token is not None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("journal_size", 0, "too small. Valid values: 1 to 1,000,000"),
        ("journal_size", 1_000_001, "too large. Valid values: 1 to 1,000,000"),
        ("admin_token", "", "empty"),
    ],
)
def test_bad_values_say_what_is_accepted(field: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Config(**{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["missing-dir/state.db", "not-a-db.txt"])
def test_an_unusable_state_db_is_a_clear_error(make_mock: MockFactory, tmp_path: Path, name: str) -> None:

    (tmp_path / "not-a-db.txt").write_text("hello, this is not SQLite " * 100)
    with pytest.raises(ConfigError, match=r"cannot use .* as the state database .*Valid values"):
        make_mock.pipeline(state_db=tmp_path / name)
