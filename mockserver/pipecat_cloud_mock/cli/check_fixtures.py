"""`pipecat-mock check-fixtures DIR`: the start-up check of `serve --fixtures DIR`, alone."""

from __future__ import annotations

import argparse
from pathlib import Path


def register_check_fixtures(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = sub.add_parser(
        "check-fixtures",
        help="check a fixtures directory against the format and the spec",
        description="Check every fixture file in DIR as `serve --fixtures DIR` would; exit 2 listing every problem.",
    )
    check.add_argument("directory", metavar="DIR")
    check.add_argument("--spec", type=Path, default=None, help="OpenAPI document (default: the bundled spec)")
    check.set_defaults(run=_run_check)


def _run_check(args: argparse.Namespace) -> int:
    from pipecat_cloud_mock.spec.loader import load_spec
    from pipecat_cloud_mock.state.files import load_fixtures  # heavy (openapi validators): only when the command runs

    fixtures = load_fixtures(args.directory, load_spec(args.spec))
    print(f"{args.directory}: OK: {len(fixtures.sessions)} session(s), {len(fixtures.stubs)} stub(s)")
    return 0
