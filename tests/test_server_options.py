from __future__ import annotations

import pytest

from mockserver._config import Config
from mockserver._server import gunicorn_options
from mockserver.errors import ConfigError


def test_threads_choose_the_gunicorn_worker_class() -> None:
    assert gunicorn_options(Config(threads=1))["worker_class"] == "sync"
    assert gunicorn_options(Config(threads=8))["worker_class"] == "gthread"
    assert gunicorn_options(Config(threads=8))["threads"] == 8
    assert Config.from_env({"PIPECAT_MOCK_THREADS": "3"}).threads == 3


def test_threads_below_one_are_refused_with_the_accepted_values() -> None:
    with pytest.raises(ConfigError, match="Valid values: 1 or more"):
        Config(threads=0)


def test_default_is_the_measured_fast_setting() -> None:
    # bench/ chose it: gthread (keep-alive; a delayed answer blocks one thread, not a worker).
    options = gunicorn_options(Config())
    assert (options["worker_class"], options["threads"]) == ("gthread", 8)
