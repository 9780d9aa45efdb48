"""The thin HTTP shell: werkzeug request -> MockRequest, MockResponse -> Flask response, one access-log line."""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

from flask import Flask, Response, request

from ._admin import admin_blueprint
from ._config import Config
from ._pipeline import Mock, MockRequest

access_log = logging.getLogger("mockserver.access")
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def create_app(config: Config | None = None) -> Flask:
    """The mock as a Flask app, for a WSGI server or `app.test_client()`. Raises SpecError on a broken spec."""
    mock = Mock(config or Config())
    app = Flask("mockserver")
    app.extensions["pipecat_mock"] = mock
    app.register_blueprint(admin_blueprint(mock))

    def dispatch(path: str) -> Response:
        started = time.perf_counter()
        raw_uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
        raw_path = raw_uri.split("?", 1)[0] if raw_uri else quote(request.path)
        result = mock.handle(
            MockRequest(
                method=request.method,
                path=raw_path,
                query=request.args.to_dict(flat=True),
                headers={k.lower(): v for k, v in request.headers.items()},
            )
        )
        response = Response(
            result.body, status=result.status, headers=list(result.headers), content_type=result.media_type
        )
        if mock.config.access_log:
            # Never the headers: the Authorization header carries the user's key.
            access_log.info(
                "%s %s %d %.1fms", request.method, raw_path, result.status, (time.perf_counter() - started) * 1000
            )
        return response

    app.add_url_rule("/", "mock_root", dispatch, defaults={"path": ""}, methods=_ALL_METHODS)
    app.add_url_rule("/<path:path>", "mock", dispatch, methods=_ALL_METHODS)
    app.register_error_handler(404, lambda _: dispatch(""))  # <path> misses an encoded newline (%0A): route it too
    return app
