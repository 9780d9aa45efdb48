"""The app: the API's WSGI shell (`_wsgi_shell`) in front of a Flask app that serves the admin API."""

from __future__ import annotations

from flask import Flask, Response, got_request_exception
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed

from pipecat_cloud_mock.config import Config
from pipecat_cloud_mock.errors import ConfigError
from pipecat_cloud_mock.http.admin import admin_blueprint
from pipecat_cloud_mock.http.shell import ApiShell, Environ
from pipecat_cloud_mock.pipeline.mock import MockPipeline
from pipecat_cloud_mock.pipeline.routing import ADMIN_PREFIX


def create_app(config: Config | None = None) -> Flask:
    """The mock as a Flask app, for a WSGI server or `app.test_client()`.

    Raises SpecError on a broken spec, FixtureError on bad fixtures.
    """
    mock = MockPipeline(config or Config())
    # Every base the spec serves (document-, path- and operation-level servers) must stay clear of the admin API.
    for op in mock.spec.operations:
        base = mock.spec.base_path if op.base_path is None else op.base_path
        if (base + "/").startswith(ADMIN_PREFIX + "/"):
            where = "the spec's base path" if op.base_path is None else f"operation {op.operation_id}'s server"
            raise ConfigError(
                f"{where} {base!r} is under {ADMIN_PREFIX}/, the admin API's. Valid values: a server URL whose "
                f"path is not {ADMIN_PREFIX} or below it."
            )
    app = Flask("pipecat_cloud_mock")
    app.extensions["pipecat_mock"] = mock

    def on_error(environ: Environ, exc: Exception) -> None:
        # What Flask does with an exception from a view: signal it (the pytest plugin listens), re-raise it
        # when testing or debugging, else log it.
        got_request_exception.send(app, _async_wrapper=app.ensure_sync, exception=exc)
        if app.config["PROPAGATE_EXCEPTIONS"] or (app.config["PROPAGATE_EXCEPTIONS"] is None and app.testing):
            raise exc
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        app.logger.error("Exception on %s [%s]", path, method, exc_info=exc)

    shell = ApiShell(mock, on_error)
    if not mock.config.admin:
        app.wsgi_app = shell  # type: ignore[method-assign]
        return app
    app.register_blueprint(admin_blueprint(mock))

    def http_error(exc: HTTPException) -> ResponseReturnValue:
        # Werkzeug answers some admin-prefixed requests before any admin view runs: a method no rule lists,
        # a path none matches (e.g. %0A in a segment). Those are for the mock to answer, like any other path.
        if isinstance(exc, WerkzeugMethodNotAllowed | NotFound):
            return shell  # a WSGI app: Flask runs it for this request
        status = exc.code or 400
        result = mock.error(status, exc.description or exc.name)
        return Response(result.body, status=status, headers=list(result.headers), content_type=result.media_type)

    app.register_error_handler(HTTPException, http_error)
    app.wsgi_app = shell.in_front_of(app.wsgi_app, ADMIN_PREFIX)  # type: ignore[method-assign,assignment]
    return app
