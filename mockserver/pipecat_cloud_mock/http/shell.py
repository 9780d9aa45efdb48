"""The mocked API's HTTP shell in plain WSGI: environ -> PipelineRequest, PipelineResponse -> status, headers, body.

`create_app` puts it in front of Flask (`app.wsgi_app`): requests under the admin prefix go on to Flask
(the admin blueprint), every other request is answered here. Flask's request context, URL map and Response
object cost the served mock more CPU per request than generating the session body did, and bought nothing:
the pipeline routes by the spec itself (bench/README.md has the measurements).

The answers are the ones Flask sent: werkzeug's status lines, the headers in the same order, no body for HEAD.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request

from pipecat_cloud_mock.http import access_log as _access_log
from pipecat_cloud_mock.http.environ import EnvironHeaders
from pipecat_cloud_mock.http.wire import faulty_stream
from pipecat_cloud_mock.pipeline.mock import MockPipeline, PipelineRequest
from pipecat_cloud_mock.pipeline.routing import raw_request_path

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]
# Told of an exception the pipeline raised; it may re-raise it (Flask's PROPAGATE_EXCEPTIONS).
ErrorHook = Callable[[Environ, Exception], None]

INTERNAL_ERROR = "Internal server error: the mock failed to answer this request (its log has the traceback)."


class ApiShell:
    """A WSGI app that answers every request with the mock's pipeline."""

    def __init__(self, mock: MockPipeline, on_error: ErrorHook) -> None:
        self.mock = mock
        self._on_error = on_error

    def in_front_of(self, app: WSGIApp, prefix: str) -> WSGIApp:
        """A WSGI app that passes requests under `prefix` (as decoded, like Flask routes them) on to `app`."""
        cut = len(prefix)

        def route(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
            path: str = environ.get("PATH_INFO", "")
            if path.startswith(prefix) and path[cut : cut + 1] in ("", "/"):
                return app(environ, start_response)
            return self(environ, start_response)

        return route

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = raw_request_path(environ)
        query = Request(environ).args.to_dict(flat=True) if environ.get("QUERY_STRING") else {}
        body = _request_body(environ) if method in ("POST", "PUT", "PATCH", "DELETE") else b""
        try:
            result = self.mock.handle(PipelineRequest(method, path, query, EnvironHeaders(environ), body))
        except Exception as exc:  # a bug in the mock: its log and the pytest plugin hear of it, the client gets JSON
            self._on_error(environ, exc)
            result = self.mock.error(500, INTERNAL_ERROR)
        answer: Iterable[bytes] = (result.body,)
        length: int | None = len(result.body)
        if not result.faults.is_noop:
            answer, length = faulty_stream(result.faults, environ, result.body)
        headers = [*result.headers, ("Content-Type", result.media_type)]
        if length is not None:  # None: sent chunked, each part as it comes
            headers.append(("Content-Length", str(length)))
        status = result.status
        start_response(f"{status} {HTTP_STATUS_CODES.get(status, 'unknown').upper()}", headers)
        if self.mock.config.access_log:
            suffix = "" if result.faults.sequence < 0 else " " + result.faults.describe()
            _access_log.record(method, path, status, (time.perf_counter() - started) * 1000, suffix)
        if environ.get("REQUEST_METHOD") == "HEAD":
            return ()  # the headers a GET would have, without its body (RFC 9110 9.3.2)
        return answer


MAX_BODY_BYTES = 2 * 1024 * 1024  # more than any documented request body: the pipeline refuses what is over


def _request_body(environ: Environ) -> bytes:
    """The request's body, read only when one was sent, up to one byte past MAX_BODY_BYTES (so the pipeline
    sees that it is too large); a chunked body is read the same way."""
    length = environ.get("CONTENT_LENGTH")
    if length:
        size = int(length) if length.isdigit() else 0
    elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        size = MAX_BODY_BYTES + 1
    else:
        return b""
    stream = environ.get("wsgi.input")
    data: bytes = stream.read(min(size, MAX_BODY_BYTES + 1)) if stream is not None and size > 0 else b""
    return data
