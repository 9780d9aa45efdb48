"""The thin HTTP shell: werkzeug request -> MockRequest, MockResponse -> Flask response, one access-log line."""

from __future__ import annotations

import time

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed

from . import _access_log
from ._admin import admin_blueprint
from ._config import Config
from ._environ import EnvironHeaders
from ._fault_shell import faulty_stream
from ._pipeline import Mock, MockRequest
from ._routing import ADMIN_PREFIX, raw_request_path
from .errors import ConfigError

access_log = _access_log.access_log
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def create_app(config: Config | None = None) -> Flask:
    """The mock as a Flask app, for a WSGI server or `app.test_client()`.

    Raises SpecError on a broken spec, FixtureError on bad fixtures.
    """
    mock = Mock(config or Config())
    if (mock.spec.base_path + "/").startswith(ADMIN_PREFIX + "/"):
        raise ConfigError(f"the spec's base path {mock.spec.base_path!r} is under {ADMIN_PREFIX}/, the admin API's.")
    app = Flask("mockserver")
    app.extensions["pipecat_mock"] = mock
    if not mock.config.no_admin:
        app.register_blueprint(admin_blueprint(mock))

    def dispatch(path: str) -> Response:
        started = time.perf_counter()
        environ = request.environ
        method = environ.get("REQUEST_METHOD", "GET").upper()
        raw_path = raw_request_path(environ, request.path)
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
        if not result.faults.is_noop:
            stream, length = faulty_stream(result.faults, request.environ, result.body)
            response.response = stream
            if length is None:
                del response.headers["Content-Length"]  # sent chunked, each part as it comes
            else:
                response.headers["Content-Length"] = str(length)
        if mock.config.access_log:
            suffix = "" if result.faults.sequence < 0 else " " + result.faults.describe()
            _access_log.record(method, raw_path, result.status, (time.perf_counter() - started) * 1000, suffix)
        return response

    def http_error(exc: HTTPException) -> Response:
        # Werkzeug answers some requests before any view runs (a method no rule lists, a malformed request);
        # clients of this API parse ErrorResponse JSON, so those answers are JSON too.
        if isinstance(exc, WerkzeugMethodNotAllowed | NotFound):  # e.g. %0A in a segment: <path:> stops at it
            return dispatch(request.path)
        status = exc.code or 400
        result = mock.error(status, exc.description or exc.name)
        return Response(result.body, status=status, headers=list(result.headers), content_type=result.media_type)

    app.register_error_handler(HTTPException, http_error)
    app.add_url_rule("/", "mock_root", dispatch, defaults={"path": ""}, methods=_ALL_METHODS)
    app.add_url_rule("/<path:path>", "mock", dispatch, methods=_ALL_METHODS)
    return app
