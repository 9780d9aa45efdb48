from __future__ import annotations

import pytest
from pipecat_cloud_mock.config import Config
from pipecat_cloud_mock.errors import ConfigError
from pipecat_cloud_mock.http.server import gunicorn_options


def test_threads_choose_the_gunicorn_worker_class() -> None:
    assert gunicorn_options(Config(threads=1))["worker_class"] == "sync"
    assert gunicorn_options(Config(threads=8))["worker_class"] == "pipecat_cloud_mock.http.server.HeadGatedThreadWorker"
    assert gunicorn_options(Config(threads=8))["threads"] == 8
    assert Config.from_env({"PIPECAT_MOCK_THREADS": "3"}).threads == 3


def test_threads_below_one_are_refused_with_the_accepted_values() -> None:
    with pytest.raises(ConfigError, match="Valid values: 1 or more"):
        Config(threads=0)


def test_default_is_the_measured_fast_setting() -> None:
    # bench/ chose it: gthread (keep-alive; a delayed answer blocks one thread, not a worker), gated so that
    # a slow request head waits in the poller instead of a thread (tests/test_slow_clients.py).
    options = gunicorn_options(Config())
    assert (options["worker_class"], options["threads"]) == ("pipecat_cloud_mock.http.server.HeadGatedThreadWorker", 8)


def test_the_request_line_limit_is_one_the_installed_parser_enforces() -> None:
    # 0 means "unlimited" to gunicorn's Python parser, which rescans a growing line: quadratic in its length.
    assert 0 < gunicorn_options(Config())["limit_request_line"] <= 8190
