"""The `record` subcommand's parser: light to import; the recorder (requests, openapi-core) loads on run."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from pipecat_cloud_mock.config import Option
from pipecat_cloud_mock.errors import ConfigError
from pipecat_cloud_mock.secret import Secret


def _port(raw: str) -> int:
    if not raw.isdigit() or not 0 <= int(raw) <= 65535:
        raise ValueError("Valid values: 0 (any free port) to 65535")
    return int(raw)


def _seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ValueError("Valid values: a number of seconds above 0, such as 30")
    return value


_KEY = "PIPECAT_API_KEY"
OPTIONS = (
    Option("--target", "target", str, "the API to record, e.g. https://api.pipecat.daily.co/v1", "URL", variable=""),
    Option(
        "--api-key", "api_key", Secret, "the real API's key (prefer the variable)", "KEY", variable="PIPECAT_API_KEY"
    ),
    Option("--out", "out", Path, "directory for recorded.yaml", "DIR", variable=""),
    Option("--host", "host", str, "interface to listen on (default 127.0.0.1)", "HOST", variable=""),
    Option("--port", "port", _port, "port to listen on; 0 picks a free one (default 4010)", "PORT", variable=""),
    Option("--timeout", "timeout", _seconds, "upstream timeout in seconds (default 30)", "SECONDS", variable=""),
)
DEFAULTS: dict[str, Any] = {"host": "127.0.0.1", "port": 4010, "timeout": 30.0, "api_key": Secret("")}
REQUIRED = ("target", "out")


def register_record(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `record` subcommand, for cli.main's COMMANDS."""
    parser = sub.add_parser(
        "record",
        help="proxy the real API, check its answers against the spec, write them as fixtures",
        description="Forward requests to the real API, print every spec violation and undocumented field, "
        "and write the exchanges to DIR/recorded.yaml for `pipecat-mock serve --fixtures DIR`.",
    )
    for option in OPTIONS:
        parser.add_argument(option.flag, **option.argument())
    parser.set_defaults(run=run_record)


def run_record(args: argparse.Namespace) -> int:
    from pipecat_cloud_mock.record.proxy import RecordConfig, Recorder, serve_recorder

    values = dict(DEFAULTS)
    for option in OPTIONS:
        raw = getattr(args, option.field, None)
        source = f"{option.flag} {raw!r}" if not option.secret else option.flag  # a key is never echoed
        if raw is None and option.env:
            raw, source = os.environ.get(option.env) or None, option.env
        if raw is not None:
            values[option.field] = option.convert(raw, source)
    missing = [f"--{name}" for name in REQUIRED if name not in values]
    if missing:
        raise ConfigError(f"{' and '.join(missing)} must be given: the API to record and the directory to write to.")
    config = RecordConfig(
        values["target"], values["api_key"], values["out"], values["host"], values["port"], values["timeout"]
    )
    serve_recorder(Recorder(config))
    return 0
