"""The `record` subcommand's parser: light to import; the recorder (requests, openapi-core) loads on run."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pipecat_cloud_mock.errors import ConfigError
from pipecat_cloud_mock.secret import Secret


def register_record(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `record` subcommand, for _cli.COMMANDS."""
    parser = sub.add_parser(
        "record",
        help="proxy the real API, check its answers against the spec, write them as fixtures",
        description="Forward requests to the real API, print every spec violation and undocumented field, "
        "and write the exchanges to DIR/recorded.yaml for `pipecat-mock serve --fixtures DIR`.",
    )
    parser.add_argument(
        "--target", required=True, metavar="URL", help="the API to record, e.g. https://api.pipecat.daily.co/v1"
    )
    parser.add_argument("--api-key", metavar="KEY", help="the real API's key [env: PIPECAT_API_KEY, preferred]")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="directory for recorded.yaml")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", default="4010", metavar="PORT", help="port to listen on; 0 picks a free one")
    parser.add_argument("--timeout", default="30", metavar="SECONDS", help="upstream timeout (default 30)")
    parser.set_defaults(run=run_record)


def run_record(args: argparse.Namespace) -> int:
    from pipecat_cloud_mock.record.proxy import RecordConfig, Recorder, serve_recorder

    try:
        port, timeout = int(args.port), float(args.timeout)
    except ValueError:
        raise ConfigError(
            f"--port {args.port!r} / --timeout {args.timeout!r}: Valid values: whole port, seconds."
        ) from None
    if not 0 <= port <= 65535:
        raise ConfigError(f"port {port} is out of range. Valid values: 0 (any free port) to 65535.")
    key = Secret(args.api_key or os.environ.get("PIPECAT_API_KEY", ""))
    config = RecordConfig(args.target, key, args.out, args.host, port, timeout)
    serve_recorder(Recorder(config))
    return 0
