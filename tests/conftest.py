from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pipecat_cloud_mock import Config, create_app

SESSION_ID = "800d444a-e67e-4686-afb3-b0de509cccb3"
AUTH = {"Authorization": "Bearer test-token"}


@pytest.fixture(scope="session")
def app() -> Flask:
    return create_app(Config(access_log=False))


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as c:
        yield c
