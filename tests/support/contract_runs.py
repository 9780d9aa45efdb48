"""Runs of the contract kit inside this test process (pytester), for the kit's own tests.

Importing this module registers the "contract-selftest" Hypothesis profile the runs use: few examples and no
shrinking, since a planted fault shows on the first responses and shrinking would only cost time.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

import pytest
from hypothesis import Phase, settings
from pipecat_cloud_mock.contract import suite_dir
from pipecat_cloud_mock.contract.contract import MOCK_AGENT, MOCK_SESSION_ID

from tests.support.contract_faults import SELFTEST_KEY

SUITE = str(suite_dir())
TARGET = "wsgi:tests.support.contract_faults:app"
PLUGIN = ("-p", "pipecat_cloud_mock.contract.plugin")
# The intermittent and running variants hide the admin API, as the real API does: the kit must be told a session.
KNOWN = ("--contract-api-key", SELFTEST_KEY, "--contract-agent", MOCK_AGENT, "--contract-session-id", MOCK_SESSION_ID)
Run = Callable[..., pytest.RunResult]
Table = dict[str, tuple[int, int, int]]  # check -> (passed, failed, warned)
_ROW = re.compile(r"^(?P<check>[a-z0-9-]+)\s+(?P<passed>\d+)\s+(?P<failed>\d+)\s+(?P<warned>\d+)$")
_KIT_ENV = ("PIPECAT_CONTRACT_TARGET", "PIPECAT_API_KEY", "PIPECAT_CONTRACT_STRICT", "PIPECAT_CONTRACT_SEED")

settings.register_profile(
    "contract-selftest", max_examples=5, deadline=None, database=None, phases=[Phase.explicit, Phase.generate]
)


def run_in_process(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, target: str, *args: str, paths: tuple[str, ...] = ()
) -> pytest.RunResult:
    """The kit's suite (or `paths`) in this process against `target`, with few examples and the given args."""
    for name in _KIT_ENV:
        monkeypatch.delenv(name, raising=False)
    # Hypothesis fixes a test's settings when its module is imported: the suite's modules, if this session
    # collected them too, are imported afresh under the self-test profile (and put back afterwards).
    for name in [m for m in sys.modules if m.startswith("contract_tests.test_")]:
        monkeypatch.delitem(sys.modules, name)
    previous = settings.get_current_profile_name()
    try:
        return pytester.runpytest_inprocess(
            *(paths or (SUITE,)),
            "--contract-target",
            target,
            "--hypothesis-profile=contract-selftest",
            "-p",
            "no:cacheprovider",
            *args,
        )
    finally:
        settings.load_profile(previous)


def summary_table(result: pytest.RunResult) -> Table:
    """The kit's summary table, check by check, as printed at the end of the run."""
    rows = (_ROW.match(line.strip()) for line in result.outlines)
    return {m["check"]: (int(m["passed"]), int(m["failed"]), int(m["warned"])) for m in rows if m}


def failed_checks(table: Table) -> set[str]:
    return {check for check, (_, failed, _) in table.items() if failed}


def plugin_test(pytester: pytest.Pytester, body: str) -> str:
    """A test file outside the suite that loads the kit's plugin, to drive one mechanism directly; `ID` in
    it is a session id."""
    path = pytester.makepyfile(
        test_mechanism="import pytest\n"
        "from pipecat_cloud_mock.contract.checks import Finding\n"
        "from pipecat_cloud_mock.contract.target import session_request\n\n"
        "ID = '800d444a-e67e-4686-afb3-b0de509cccb3'\n\n" + body
    )
    return str(path)


def run_with_budget(pytester: pytest.Pytester, run_kit: Run, budget: int, body: str) -> tuple[pytest.RunResult, str]:
    """`body` (see plugin_test) against the faithful mock, with the key and --contract-max-requests `budget`."""
    path = plugin_test(pytester, body)
    result = run_kit(
        "none", "--contract-api-key", SELFTEST_KEY, "--contract-max-requests", str(budget), *PLUGIN, paths=(path,)
    )
    return result, result.stdout.str()
