"""The ceiling: a Flask endpoint that returns precomputed bytes, served with the mock's own gunicorn settings.

Whatever the mock does beyond this (routing, auth, negotiation, generation, JSON, the access log) is its cost.
`--plain-wsgi` serves the same bytes from a bare WSGI function instead: the mock answers its API without
Flask's request handling, so this is the ceiling for the shell it really has.
Usage: python bench/ceiling.py --size BYTES [--plain-wsgi] [serve flags]  (prints `ceiling listening on URL`)
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response
from pipecat_cloud_mock.cli.main import add_config_options, config_from_args
from pipecat_cloud_mock.http.server import gunicorn_options, run_gunicorn


def body_of_size(size: int) -> bytes:
    """A JSON object of exactly `size` bytes (at least the 12 of the empty padding)."""
    frame = len(json.dumps({"pad": ""}, separators=(",", ":")))
    return json.dumps({"pad": "x" * max(0, size - frame)}, separators=(",", ":")).encode()


def ceiling_app(size: int) -> Flask:
    app = Flask("ceiling")
    body = body_of_size(size)

    @app.route("/<path:path>")
    def fixed(path: str) -> Response:
        return Response(body, content_type="application/json")

    return app


def plain_wsgi_app(size: int) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    body = body_of_size(size)
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]

    def fixed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", headers)
        return (body,)

    return fixed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, required=True, help="body size in bytes (the mock's mean body)")
    parser.add_argument("--plain-wsgi", action="store_true", help="a bare WSGI function instead of a Flask endpoint")
    add_config_options(parser)  # the flags of `pipecat-mock serve`: the bench gives both the same (by default none)
    args = parser.parse_args()
    options = gunicorn_options(config_from_args(args))

    def when_ready(server: Any) -> None:
        host, port = server.LISTENERS[0].sock.getsockname()[:2]
        print(f"ceiling listening on http://{host}:{port}", flush=True)

    options["when_ready"] = when_ready
    run_gunicorn(plain_wsgi_app(args.size) if args.plain_wsgi else ceiling_app(args.size), options)


if __name__ == "__main__":
    main()
