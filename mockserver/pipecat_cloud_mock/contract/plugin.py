"""The contract kit's pytest plugin: options, the target and request plan of the run, the `contract` fixture,
the failure blocks and the verdict.

Loaded by contract_tests/conftest.py, so `pytest contract_tests` needs no set-up, and by
`pipecat-mock contract` from an installed wheel.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import InvalidArgument

from pipecat_cloud_mock.contract.contract import CHECKED_OPERATION, MOCK_AGENT, MOCK_SESSION_ID, Contract
from pipecat_cloud_mock.contract.coverage import coverage
from pipecat_cloud_mock.contract.failures import BudgetSpent, ContractBroken, TargetError, failure_text, kit_failure
from pipecat_cloud_mock.contract.options import OPTIONS
from pipecat_cloud_mock.contract.plan import Cost, Plan, make_plan
from pipecat_cloud_mock.contract.report import Tally
from pipecat_cloud_mock.contract.report_files import write_report
from pipecat_cloud_mock.contract.run_settings import RunSettings, settings_from
from pipecat_cloud_mock.contract.target import (
    Budget,
    HTTPTarget,
    SpawnedMockTarget,
    Target,
    WSGITarget,
    in_process_mock,
)
from pipecat_cloud_mock.contract.target import load_wsgi as _load_wsgi
from pipecat_cloud_mock.contract.verdict import RunFacts, broken, summary
from pipecat_cloud_mock.spec.loader import Operation, load_spec

__all__ = [
    "MOCK_AGENT",
    "MOCK_SESSION_ID",
    "Contract",
    "ContractBroken",
    "RunSettings",
    "TargetError",
    "contract",
    "contract_tally",
    "contract_target",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_report_header",
    "pytest_runtest_logreport",
    "pytest_runtest_makereport",
    "pytest_sessionfinish",
    "pytest_sessionstart",
    "pytest_terminal_summary",
    "pytest_unconfigure",
    "request_settings",
]

MARKERS = (
    "contract_requests(n): requests one call of the test (one example of a Hypothesis test) sends to the target",
    "contract_needs(*what): 'key', 'mock' or 'session': the test skips without it, so the plan gives it no budget",
    "contract_repeated(n): n of the requests of one call (one example) are sent --contract-repeat times",
)
# Without a marker, a test that uses the `contract` fixture is planned at this many requests per call or example.
DEFAULT_REQUESTS = 1
# Against a target over HTTP each example is a round trip: no shrinking, no replaying of an example database.
_HTTP_PHASES = (Phase.explicit, Phase.generate)


@dataclass
class RunState:
    run: RunSettings
    tally: Tally = field(default_factory=Tally)
    target: Target | None = None
    plan: Plan | None = None
    items: list[str] = field(default_factory=list)
    reported: set[str] = field(default_factory=set)
    skips: dict[str, list[str]] = field(default_factory=dict)
    budget_spent: str | None = None
    report_lines: list[str] = field(default_factory=list)

    def get_target(self) -> Target:
        if self.target is None:
            self.target = _make_target(self.run)
        return self.target

    def facts(self) -> RunFacts:
        target = self.target
        return RunFacts(
            target="\n".join([self.run.describe(), *_warnings(self.run)]),
            replay=self.run.replay,
            strict=self.run.strict,
            has_key=target.has_key if target else self.run.api_key is not None or self.run.target in ("", "mock"),
            is_mock=target.is_mock if target else False,
            skips=self.skips,
            not_planned=self.plan.line() if self.plan else None,
            budget_spent=self.budget_spent,
            not_run=[n for n in self.items if n not in self.reported] if self.budget_spent else (),
            coverage=coverage(_checked_operations(), self.tally.served) if self.tally.served else None,
            min_coverage=self.run.min_coverage,
        )


def _checked_operations() -> list[Operation]:
    """The operations the kit sends requests to: coverage is of these."""
    return [load_spec().operation(CHECKED_OPERATION)]


_state_key = pytest.StashKey[RunState]()
_previous_state_key = pytest.StashKey["RunState | None"]()
_current_state: RunState | None = None  # for pytest_runtest_logreport, which gets no config


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "pipecat contract kit (each option also read from its environment variable)")
    for option in OPTIONS:
        group.addoption(option.flag, **option.argument())


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    global _current_state
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)
    _register_profiles()
    run = settings_from(config)
    # Runs before Hypothesis' own plugin reads the option: the run's seed is the one in force.
    config.option.hypothesis_seed = str(run.seed)
    config.option.contract_api_key = None  # the raw key lives on only inside a Secret
    config.stash[_previous_state_key] = _current_state
    config.stash[_state_key] = _current_state = RunState(run)


def pytest_unconfigure(config: pytest.Config) -> None:
    global _current_state
    _current_state = config.stash.get(_previous_state_key, None)
    state = config.stash.get(_state_key, None)
    if state is not None and state.target is not None:
        state.target.close()


def _register_profiles() -> None:
    """The project's conftest registers these; an installed kit (`pipecat-mock contract`) needs its own."""
    try:
        settings.get_profile("thorough")  # "default" and "ci" are built into Hypothesis
    except InvalidArgument:
        common: dict[str, Any] = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
        settings.register_profile("default", max_examples=20, **common)
        settings.register_profile("ci", max_examples=60, **common)
        settings.register_profile("thorough", max_examples=2000, **common)
        settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def request_settings(share: int = DEFAULT_REQUESTS) -> pytest.MarkDecorator:
    """For a test that sends `share` requests per call (per example). The run plans its budget from it."""
    return pytest.mark.contract_requests(share)


@pytest.hookimpl(wrapper=True)
def pytest_sessionstart(session: pytest.Session) -> Generator[None]:
    yield  # the header is out first: the target line says what was asked for
    state = session.config.stash[_state_key]
    if state.run.live_url:
        state.get_target()  # one probe: an unreachable target ends the run here, in one line


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash.get(_state_key, None)
    if state is None:
        return []
    run = state.run
    return [run.describe(), f"contract seed: {run.seed} ({run.replay} replays this run's requests)", *_warnings(run)]


def _warnings(run: RunSettings) -> list[str]:
    base_path = load_spec().base_path
    if run.live_url and base_path and not urlsplit(run.target).path.rstrip("/").endswith(base_path):
        return [
            f"contract warning: {run.target} does not end with {base_path}, the spec's base path; requests go to "
            f"{run.target.rstrip('/')}/agents/... (did you mean {run.target.rstrip('/')}{base_path}?)"
        ]
    return []


def _sends(item: pytest.Item, repeat: int = 1) -> int | None:
    """Requests one call (one example) of `item` sends, or None when it does not use the target."""
    marker = item.get_closest_marker("contract_requests")
    repeated = item.get_closest_marker("contract_repeated")
    extra = int(repeated.args[0]) * (repeat - 1) if repeated is not None else 0
    if marker is not None:
        return int(marker.args[0]) + extra
    return DEFAULT_REQUESTS + extra if "contract" in getattr(item, "fixturenames", ()) else None


def _met(item: pytest.Item, target: Target, run: RunSettings) -> bool:
    have = {"key": target.has_key, "mock": target.is_mock, "session": bool(run.agent) or target.is_mock}
    return all(have.get(need, False) for m in item.iter_markers("contract_needs") for need in m.args)


def _hypothesis_test(item: pytest.Item) -> Any:
    test = getattr(item, "obj", None)
    return test if getattr(test, "is_hypothesis_test", False) else None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    state = config.stash[_state_key]
    run = state.run
    for item in items:
        test = _hypothesis_test(item)
        if test is None:
            continue
        changes: dict[str, Any] = {"print_blob": False}  # no @reproduce_failure advice: the kit's tests are not theirs
        if _sends(item) and run.over_http:
            changes.update(phases=_HTTP_PHASES, database=None, report_multiple_bugs=False)
        test._hypothesis_internal_use_settings = settings(test._hypothesis_internal_use_settings, **changes)
    if run.max_requests is not None:
        items[:] = _plan(state, config, items)
    state.items = [item.nodeid for item in items]


def _plan(state: RunState, config: pytest.Config, items: list[pytest.Item]) -> list[pytest.Item]:
    """Divide the budget across the tests before the run; deselect (and name) the tests it does not reach."""
    target = state.get_target()
    assert state.run.max_requests is not None
    costs, examples_cap = [], 0
    for item in items:
        sends = _sends(item, state.run.repeat)
        if not sends or not _met(item, target, state.run):
            continue
        test = _hypothesis_test(item)
        if test is not None:
            examples_cap = max(examples_cap, test._hypothesis_internal_use_settings.max_examples)
        costs.append(Cost(item.nodeid, sends, generated=test is not None))
    plan = make_plan(state.run.max_requests, costs, examples_cap or 1)
    state.plan = plan
    for item in items:
        test = _hypothesis_test(item)
        if item.nodeid in plan.examples and test is not None:
            current = test._hypothesis_internal_use_settings
            examples = min(current.max_examples, plan.examples[item.nodeid])
            test._hypothesis_internal_use_settings = settings(current, max_examples=examples)
    left_out = [item for item in items if item.nodeid in plan.left_out]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
    return [item for item in items if item.nodeid not in plan.left_out]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    excinfo = call.excinfo
    if excinfo is None:
        return report
    state = item.config.stash[_state_key]
    if isinstance(excinfo.value, BudgetSpent):
        message = str(excinfo.value)
        state.budget_spent = message
        item.session.shouldfail = message  # the run stops here: every later request would be over budget
        report.outcome = "failed"
        report.longrepr = f"not checked to the end: {message}"
    elif kit_failure(excinfo.value) is not None:
        report.longrepr = failure_text(excinfo.value, state.run.replay_test(item.name))
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    state = _current_state
    if state is None:
        return
    state.reported.add(report.nodeid)
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        state.skips.setdefault(reason, []).append(report.nodeid.rsplit("::", 1)[-1])


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The verdict is the summary's: a failed finding fails the run whatever became of the test that found it."""
    state = session.config.stash.get(_state_key, None)
    if state is None:
        return
    ok = (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED)
    facts = state.facts()
    if session.exitstatus in ok and broken(state.tally, facts):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if state.run.report:
        _write_report(session, state, facts)


def _write_report(session: pytest.Session, state: RunState, facts: RunFacts) -> None:
    assert state.run.report is not None
    key = state.target.api_key if state.target else state.run.api_key
    try:
        written = write_report(state.run.report, state.tally, facts, key.redact if key else str)
    except OSError as exc:
        state.report_lines = [f"contract report: cannot write {state.run.report} ({exc.strerror or exc})"]
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
        return
    state.report_lines = [f"contract report: {' and '.join(str(p) for p in written)}"]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(_state_key, None)
    if state is None or not (state.tally.counts or state.budget_spent or state.plan):
        return
    terminalreporter.write_sep("=", "contract summary")
    for line in summary(state.tally, state.facts()):
        terminalreporter.write_line(line)
    for line in state.report_lines:
        terminalreporter.write_line(line)


def _make_target(run: RunSettings) -> Target:
    budget = Budget(run.max_requests, run.rate)
    if run.target == "":
        return in_process_mock(budget)
    if run.target == "mock":
        return SpawnedMockTarget()
    if run.target.startswith("wsgi:"):
        try:
            app = _load_wsgi(run.target[len("wsgi:") :])
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
        probe = WSGITarget(app, run.api_key)
        return WSGITarget(app, run.api_key, mock=probe.looks_like_pipecat_mock(), budget=budget)
    http = HTTPTarget(run.target, run.api_key, budget)
    try:
        is_mock = http.looks_like_pipecat_mock()
    except OSError as exc:
        raise pytest.UsageError(
            f"--contract-target {run.target} cannot be reached ({type(exc).__name__}: {exc}). "
            "Check the URL (with its prefix, e.g. https://api.pipecat.daily.co/v1) and the network."
        ) from None
    return HTTPTarget(run.target, run.api_key, http.budget, mock=True) if is_mock else http


@pytest.fixture(scope="session")
def contract_target(pytestconfig: pytest.Config) -> Iterator[Target]:
    target = pytestconfig.stash[_state_key].get_target()
    try:
        yield target
    finally:
        target.close()  # and again in pytest_unconfigure, for a target built but never used (close is idempotent)


@pytest.fixture(scope="session")
def contract_tally(pytestconfig: pytest.Config) -> Tally:
    return pytestconfig.stash[_state_key].tally


@pytest.fixture(scope="session")
def contract(contract_target: Target, pytestconfig: pytest.Config, contract_tally: Tally) -> Contract:
    state = pytestconfig.stash[_state_key]
    return Contract(contract_target, state.run, contract_tally, state.plan.needed if state.plan else None)
