"""--client-timeout, and the watchdog that ends a body read at its deadline (tests/e2e/test_slow_clients.py
has them on the wire)."""

from __future__ import annotations

import socket
import time

import pytest
from pipecat_cloud_mock.cli.main import main
from pipecat_cloud_mock.config import Config
from pipecat_cloud_mock.errors import ConfigError
from pipecat_cloud_mock.http.body_deadline import WATCHDOG


@pytest.mark.usefixtures("refuse_to_serve")
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", "--client-timeout 'soon': 'soon' is not a number of seconds, e.g. 10 or 2.5"),
        ("0", "client timeout 0 is out of range. Valid values: more than 0, up to 3600 (seconds)."),
        ("7200", "client timeout 7200 is out of range."),
    ],
)
def test_a_bad_client_timeout_exits_2_with_what_is_accepted(
    value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--client-timeout", value]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_the_client_timeout_comes_from_the_flag_or_the_variable() -> None:
    assert Config().client_timeout == 10
    assert Config.from_env({"PIPECAT_MOCK_CLIENT_TIMEOUT": "2.5"}).client_timeout == 2.5
    with pytest.raises(ConfigError, match="out of range"):
        Config(client_timeout=-1)


def test_the_watchdog_ends_a_blocked_read_at_the_deadline() -> None:
    left, right = socket.socketpair()
    with left, right, WATCHDOG.watching(right, 0.2) as expired:
        assert not expired()
        assert right.recv(10) == b""  # blocked until the watchdog shut the read side
        assert expired()


def test_a_read_done_in_time_leaves_the_socket_alone() -> None:
    left, right = socket.socketpair()
    with left, right:
        with WATCHDOG.watching(right, 0.05) as expired:
            left.sendall(b"body")
            assert right.recv(10) == b"body"
        time.sleep(0.15)  # past the deadline it no longer has
        assert not expired()
        left.sendall(b"next")
        assert right.recv(10) == b"next"  # still readable: not shut
