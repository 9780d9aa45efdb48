"""`pipecat-mock contract`: run the installed contract kit (contract_tests) with pytest.

pytest and Hypothesis are the `[contract]` extra: the mock itself does not need them, so they are
imported only when this subcommand runs, and their absence is a clear error, not a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys

from pipecat_cloud_mock.errors import MockError

INSTALL_HINT = "pip install 'pipecat-cloud-mock[contract]'"


def register_contract(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from pipecat_cloud_mock.contract.options import OPTIONS

    parser = sub.add_parser(
        "contract",
        help="check a server against the spec (the contract kit)",
        description="Run the contract suite against the mock or the real API. Extra pytest arguments go "
        "after `--`, e.g. `pipecat-mock contract --contract-target mock -- -x --junitxml=contract.xml`.",
    )
    for option in OPTIONS:
        parser.add_argument(option.flag, **option.argument())
    parser.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS", help="passed to pytest as they are")
    parser.set_defaults(run=run_contract)


def pytest_arguments(args: argparse.Namespace, environ: dict[str, str]) -> list[str]:
    """The pytest command line for `args`; a key given as a flag moves to `environ`, out of any argv."""
    from pipecat_cloud_mock.contract import suite_dir
    from pipecat_cloud_mock.contract.options import OPTIONS

    suite = suite_dir()
    argv = [str(suite), "-c", str(suite / "pytest-contract.ini"), "--rootdir", str(suite), "-p", "no:cacheprovider"]
    # Quiet progress: one line of dots, not an installed package's long paths per file; the contract summary
    # says what the header would (target, seed). A -v among the pytest arguments gives the long form back.
    argv.append("-q")
    for option in OPTIONS:
        value = getattr(args, option.field, None)
        if value in (None, False):
            continue
        if option.secret:
            environ[option.env] = str(value)
        elif option.switch:
            argv.append(option.flag)
        else:
            argv += [option.flag, str(value)]
    return argv + list(args.pytest_args)


def run_contract(args: argparse.Namespace) -> int:
    missing = [name for name in ("pytest", "hypothesis") if importlib.util.find_spec(name) is None]
    if missing:
        raise MockError(f"`pipecat-mock contract` needs pytest and hypothesis ({missing[0]} missing): {INSTALL_HINT}")
    from pipecat_cloud_mock.contract.options import CLI_MARK

    environ: dict[str, str] = {CLI_MARK: "1"}
    argv = pytest_arguments(args, environ)
    # A fresh interpreter: this one has imported pipecat_cloud_mock and contract_tests already, and pytest can only
    # rewrite the asserts of plugin modules it imports itself.
    return subprocess.call([sys.executable, "-m", "pytest", *argv], env={**os.environ, **environ})
