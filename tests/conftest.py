from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.mocks import MockFactory


@pytest.fixture
def make_mock() -> Iterator[MockFactory]:
    """Apps and pipelines for one test, every one closed when it ends (see MockFactory)."""
    factory = MockFactory()
    yield factory
    factory.close()


@pytest.fixture(scope="module")
def make_module_mock() -> Iterator[MockFactory]:
    """The same, for mocks a whole module shares: closed after its last test."""
    factory = MockFactory()
    yield factory
    factory.close()


@pytest.fixture
def refuse_to_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    """For `main(["serve", ...])` in this process: a bad value let through fails the test instead of starting a
    server that would run until killed."""

    def accepted(*_: object) -> None:
        raise AssertionError("the bad value was accepted and serve() was called")

    monkeypatch.setattr("pipecat_cloud_mock.http.server.serve", accepted)


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    factory = MockFactory()
    yield factory()
    factory.close()


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
