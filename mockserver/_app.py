"""The thin HTTP shell: werkzeug request -> MockRequest, MockResponse -> Flask response, one access-log line."""

from __future__ import annotations

import time
from urllib.parse import quote

from flask import Flask, Response, request

from . import _access_log
from ._admin import admin_blueprint
from ._config import Config
from ._environ import EnvironHeaders
from ._pipeline import Mock, MockRequest

access_log = _access_log.access_log
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def create_app(config: Config | None = None) -> Flask:
    """The mock as a Flask app, for a WSGI server or `app.test_client()`. Raises SpecError on a broken spec."""
    mock = Mock(config or Config())
    app = Flask("mockserver")
    app.extensions["pipecat_mock"] = mock
    app.register_blueprint(admin_blueprint(mock))

    def dispatch(path: str) -> Response:
        started = time.perf_counter()
        environ = request.environ
        method = environ.get("REQUEST_METHOD", "GET").upper()
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        raw_path = raw_uri.split("?", 1)[0] if raw_uri else quote(request.path)
        result = mock.handle(
            MockRequest(
                method=method,
                path=raw_path,
                query=request.args.to_dict(flat=True) if environ.get("QUERY_STRING") else {},
                headers=EnvironHeaders(environ),
            )
        )
        response = Response(
            result.body, status=result.status, headers=list(result.headers), content_type=result.media_type
        )
        if mock.config.access_log:
            _access_log.record(method, raw_path, result.status, (time.perf_counter() - started) * 1000)
        return response

    app.add_url_rule("/", "mock_root", dispatch, defaults={"path": ""}, methods=_ALL_METHODS)
    app.add_url_rule("/<path:path>", "mock", dispatch, methods=_ALL_METHODS)
    return app
