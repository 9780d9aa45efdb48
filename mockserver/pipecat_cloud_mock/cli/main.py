"""`pipecat-mock`: one subcommand per job; each registers its parser and sets `run`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import MISSING, fields
from importlib.metadata import version
from typing import Any

from pipecat_cloud_mock.cli.check_fixtures import register_check_fixtures
from pipecat_cloud_mock.cli.contract import register_contract
from pipecat_cloud_mock.cli.coverage import register_coverage
from pipecat_cloud_mock.cli.record import register_record
from pipecat_cloud_mock.config import OPTIONS, Config, Option
from pipecat_cloud_mock.errors import MockError

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def default_text(option: Option) -> str | None:
    """Config's default for an option, as `serve --help` shows it; None where the help text says it already."""
    if option.switch or "default" in option.help:
        return None  # a switch is off unless given
    field = next(f for f in fields(Config) if f.name == option.field)
    if field.default is MISSING:
        return None
    value = field.default
    if value is None or value == ():
        return "none"
    return str(value)


def option_help(option: Option) -> str:
    default = default_text(option)
    return f"{option.help} (default: {default})" if default is not None else option.help


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """The serve flags, each defaulting to None so that environment variables can fill the gaps."""
    for option in OPTIONS:
        parser.add_argument(option.flag, **option.argument(option_help(option)))


def config_from_args(args: argparse.Namespace) -> Config:
    overrides: dict[str, Any] = {}
    for option in OPTIONS:
        value = getattr(args, option.field, None)
        if value is None:
            continue
        if option.switch:
            overrides[option.field] = value
        elif option.repeatable:
            overrides[option.field] = tuple(option.parse(v) for v in value)  # never echo a value: keys are secret
        else:
            overrides[option.field] = option.convert(value, source=f"{option.flag} {value!r}")
    return Config.from_env(**overrides)


def _register_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run the mock server", description="Run the mock server until SIGINT/SIGTERM.")
    add_config_options(serve)
    serve.set_defaults(run=_run_serve)


def _run_serve(args: argparse.Namespace) -> int:
    from pipecat_cloud_mock.http.app import create_app
    from pipecat_cloud_mock.http.server import serve

    config = config_from_args(args)
    app = create_app(config)  # a broken spec or bad fixtures fail here, before any worker starts
    if config.fixtures is not None:
        loaded = app.extensions["pipecat_mock"].control.initial
        print(f"Fixtures: {len(loaded.sessions)} session(s), {len(loaded.stubs)} stub(s) from {config.fixtures}")
    serve(app, config)
    return 0


COMMANDS: list[Register] = [
    _register_serve,
    register_check_fixtures,
    register_record,
    register_contract,
    register_coverage,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipecat-mock",
        description="A mock of the Pipecat Cloud session-details API, driven by its OpenAPI spec.",
        epilog="Flags of `serve` (each also read from its environment variable):\n"
        + "\n".join(f"  {o.flag:<16} {o.env:<28} {o.help}" for o in OPTIONS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('pipecat-cloud-mock')}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMANDS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except MockError as exc:
        print(f"pipecat-mock: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return code


if __name__ == "__main__":
    sys.exit(main())
