"""Mocks built for a test and closed after it: each one owns a temporary directory, an SQLite file and a
shared-memory map until `Control.close()` releases them."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pipecat_cloud_mock import Config, create_app
from pipecat_cloud_mock.pipeline.mock import MockPipeline
from pipecat_cloud_mock.spec.loader import Spec


class MockFactory:
    """Builds apps and pipelines from Config fields (the access log off unless asked for) and closes them all.

    `make(**fields)` an app, `make.client(**fields)` its test client, `make.pipeline(**fields, spec=...)` the
    pipeline alone; pass `config=` to use a Config as it is. As a context manager (`with MockFactory() as
    make:`) it closes what it built at the end of the block: for Hypothesis tests, which take no
    function-scoped fixtures and should not keep one mock per example open.
    """

    def __init__(self) -> None:
        self._built: list[MockPipeline] = []

    def __call__(self, config: Config | None = None, **fields: Any) -> Flask:
        app = create_app(_config(config, fields))
        self._built.append(app.extensions["pipecat_mock"])
        return app

    def client(self, config: Config | None = None, **fields: Any) -> FlaskClient:
        return self(config, **fields).test_client()

    def pipeline(self, config: Config | None = None, spec: Spec | None = None, **fields: Any) -> MockPipeline:
        pipeline = MockPipeline(_config(config, fields), spec)
        self._built.append(pipeline)
        return pipeline

    def __enter__(self) -> MockFactory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        while self._built:
            self._built.pop().control.close()


def _config(config: Config | None, fields: dict[str, Any]) -> Config:
    if config is not None:
        return config.with_changes(**fields) if fields else config
    return Config(**{"access_log": False, **fields})
