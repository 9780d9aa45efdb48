from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pipecat_cloud_mock import Config, create_app


@pytest.fixture(scope="session")
def app() -> Flask:
    return create_app(Config(access_log=False))


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as c:
        yield c


_LAYERS = {"unit": pytest.mark.unit, "e2e": pytest.mark.e2e}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marked by directory: tests/unit/ is `unit`, tests/e2e/ is `e2e` (real processes, real sockets)."""
    here = Path(__file__).parent
    for item in items:
        try:
            layer = item.path.relative_to(here).parts[0]
        except ValueError:
            continue
        if layer in _LAYERS:
            item.add_marker(_LAYERS[layer])
