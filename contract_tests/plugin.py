"""The contract kit's pytest plugin: options, the target for the run, the `contract` fixture, the summary.

Loaded by contract_tests/conftest.py, so `pytest contract_tests` needs no set-up, and by
`pipecat-mock contract` from an installed wheel.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import InvalidArgument

from mockserver import load_spec
from mockserver._secret import Secret
from mockserver.validation import default_validator

from .checks import Context, Exchange, Finding, Outcome, evaluate, response_drift
from .options import DEFAULT_MAX_REQUESTS, DEFAULT_RATE, OPTIONS, Option
from .report import Recorder, failure_message
from .target import BudgetExhausted, HTTPTarget, Request, SpawnedMockTarget, Target, WSGITarget, in_process_mock
from .target import load_wsgi as _load_wsgi

__all__ = [
    "contract",
    "contract_recorder",
    "contract_target",
    "pytest_addoption",
    "pytest_configure",
    "pytest_report_header",
    "pytest_terminal_summary",
    "pytest_unconfigure",
]

MOCK_AGENT = "contract-kit-agent"
MOCK_SESSION_ID = "3f0c8a52-7d1e-4b8a-9c6f-2e5d4a1b0c9d"


@dataclass(frozen=True)
class RunSettings:
    target: str = ""  # "": the mock in-process
    api_key: Secret | None = None
    agent: str | None = None
    session_id: str | None = None
    strict: bool = False
    max_requests: int | None = None  # None: unlimited (our own mock)
    rate: float | None = None

    @property
    def live_url(self) -> bool:
        return self.target not in ("", "mock") and not self.target.startswith("wsgi:")

    def describe(self) -> str:
        where = {"": "pipecat-mock in-process (Flask test client)", "mock": "pipecat-mock serve (spawned)"}.get(
            self.target, self.target
        )
        limits = f"; at most {self.max_requests} requests at {self.rate:g}/s" if self.live_url else ""
        if self.target in ("", "mock"):
            key = "; the kit's own API key"
        else:
            key = "; API key given" if self.api_key else "; no API key (tests that need one are skipped)"
        return f"contract target: {where}{key}{'; strict' if self.strict else ''}{limits}"


RUN = RunSettings()  # read by test modules at import, through request_settings(); set in pytest_configure
_settings_key = pytest.StashKey[RunSettings]()
_recorder_key = pytest.StashKey[Recorder]()
_previous_run_key = pytest.StashKey[RunSettings]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "pipecat contract kit (each option also read from its environment variable)")
    for option in OPTIONS:
        kwargs: dict[str, Any] = {"dest": option.dest, "default": None, "help": f"{option.help} [env: {option.env}]"}
        if option.switch:
            group.addoption(option.flag, action="store_const", const=True, **kwargs)
        else:
            group.addoption(option.flag, metavar=option.metavar, **kwargs)


def _value(config: pytest.Config, option: Option) -> str | None:
    given = config.getoption(option.dest)
    if given is not None:
        return str(given) if not option.switch else "1"
    raw = os.environ.get(option.env, "").strip()
    return raw or None


def settings_from(config: pytest.Config) -> RunSettings:
    values = {o.dest: _value(config, o) for o in OPTIONS}
    target = values["contract_target"] or ""
    agent, session_id = values["contract_agent"], values["contract_session_id"]
    if (agent is None) != (session_id is None):
        raise pytest.UsageError(
            "--contract-agent and --contract-session-id go together (PIPECAT_CONTRACT_AGENT, "
            "PIPECAT_CONTRACT_SESSION_ID): name the agent and the id of one session you know exists."
        )
    strict_raw = (values["contract_strict"] or "0").lower()
    if strict_raw not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
        raise pytest.UsageError(
            f"PIPECAT_CONTRACT_STRICT={strict_raw!r} is not valid. Valid values: 1, 0, true, false."
        )
    live = target not in ("", "mock") and not target.startswith("wsgi:")
    if live and not target.startswith(("http://", "https://")):
        raise pytest.UsageError(
            f"--contract-target {target!r} is not valid. Valid values: an http(s) base URL with its prefix "
            "(https://api.pipecat.daily.co/v1), 'mock', or 'wsgi:module:app'."
        )
    key = values["contract_api_key"]
    return RunSettings(
        target=target,
        api_key=Secret(key) if key else None,
        agent=agent,
        session_id=session_id,
        strict=strict_raw in ("1", "true", "yes", "on"),
        max_requests=_number(values["contract_max_requests"], "--contract-max-requests", int, DEFAULT_MAX_REQUESTS)
        if live or values["contract_max_requests"]
        else None,
        rate=_number(values["contract_rate"], "--contract-rate", float, DEFAULT_RATE) if live else None,
    )


def _number(raw: str | None, flag: str, kind: Callable[[str], Any], default: Any) -> Any:
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value <= 0:
        raise pytest.UsageError(f"{flag} {raw!r} is not valid. Valid values: a number above 0.")
    return value


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    global RUN
    if config.getoption("hypothesis_seed", None) is None:
        import secrets

        config.option.hypothesis_seed = str(secrets.randbelow(2**32))  # printed in the header: a run can replay
    _register_profiles()
    config.stash[_previous_run_key] = RUN
    RUN = settings_from(config)
    config.option.contract_api_key = None  # the raw key lives on only inside a Secret
    config.stash[_settings_key] = RUN
    config.stash[_recorder_key] = Recorder()


def pytest_unconfigure(config: pytest.Config) -> None:
    global RUN
    RUN = config.stash.get(_previous_run_key, RUN)


def _register_profiles() -> None:
    """The project's conftest registers these; an installed kit (`pipecat-mock contract`) needs its own."""
    try:
        settings.get_profile("thorough")  # "default" and "ci" are built into Hypothesis
    except InvalidArgument:
        common: dict[str, Any] = {"deadline": None, "print_blob": True, "suppress_health_check": [HealthCheck.too_slow]}
        settings.register_profile("default", max_examples=20, **common)
        settings.register_profile("ci", max_examples=60, **common)
        settings.register_profile("thorough", max_examples=2000, **common)
        settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def request_settings(share: int = 2) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """For a test that sends requests. Against a live URL: its share of the request budget and no shrinking
    (each shrink step would be one more request to a production API). Otherwise the profile's settings,
    read when the test runs (a settings object built here would freeze the profile at import)."""
    if RUN.max_requests is None:
        return lambda test: test
    current = settings.get_profile(settings.get_current_profile_name())
    examples = max(1, min(current.max_examples, RUN.max_requests // (share * 3)))
    return settings(max_examples=examples, phases=[Phase.explicit, Phase.reuse, Phase.generate])


def pytest_report_header(config: pytest.Config) -> list[str]:
    run = config.stash.get(_settings_key, None)
    if run is None:
        return []
    seed = config.getoption("hypothesis_seed", None)
    lines = [run.describe(), f"contract seed: --hypothesis-seed={seed} replays this run"]
    base_path = load_spec().base_path
    if run.live_url and base_path and not urlsplit(run.target).path.rstrip("/").endswith(base_path):
        lines.append(
            f"contract warning: {run.target} does not end with {base_path}, the spec's base path; requests go to "
            f"{run.target.rstrip('/')}/agents/... (did you mean {run.target.rstrip('/')}{base_path}?)"
        )
    return lines


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    recorder = config.stash.get(_recorder_key, None)
    run = config.stash.get(_settings_key, RunSettings())
    lines = recorder.summary_lines(run.strict) if recorder else []
    if not lines:
        return
    terminalreporter.write_sep("=", "contract summary")
    for line in lines:
        terminalreporter.write_line(line)


class TargetError(Exception):
    """The target could not be asked (connection refused, reset, a broken HTTP answer)."""


class ContractBroken(AssertionError):
    """A response broke the contract; the message says which check, which request, what was expected."""


class Contract:
    """What a test uses: send a request to the run's target, check the answer, record and raise."""

    def __init__(self, target: Target, run: RunSettings, recorder: Recorder) -> None:
        spec = load_spec()
        self.target = target
        self.run = run
        self.recorder = recorder
        known = (run.agent, run.session_id) if run.agent and run.session_id else None
        if known is None and target.is_mock:
            known = (MOCK_AGENT, MOCK_SESSION_ID)
        self.context = Context(
            spec, spec.operation("getSession"), default_validator(), strict=run.strict, known_session=known
        )

    @property
    def has_key(self) -> bool:
        return self.target.has_key

    @property
    def known_session(self) -> tuple[str, str] | None:
        return self.context.known_session

    def require_key(self) -> None:
        if not self.has_key:
            pytest.skip("needs an API key: pass --contract-api-key or set PIPECAT_API_KEY")

    def require_mock(self) -> None:
        if not self.target.is_mock:
            pytest.skip("applies to pipecat-mock only; the target is not pipecat-mock")

    def send(self, request: Request) -> Exchange:
        if request.credentials.valid:
            self.require_key()
        try:
            response = self.target.send(request)
        except BudgetExhausted as exc:
            pytest.skip(str(exc))
        except Exception as exc:
            # Re-raised without the frames below, whose locals hold the Authorization header (pytest -l shows
            # locals); the message is redacted in case a library quoted the header.
            message = f"{self.target.describe()}: {type(exc).__name__}: {exc}"
            raise TargetError(self.target.api_key.redact(message) if self.target.api_key else message) from None
        return Exchange(request, response)

    def check(self, request: Request, only: tuple[str, ...] | None = None) -> Exchange:
        """Send, run every per-response check (or `only` these), record the outcomes, raise on a failure."""
        ex = self.send(request)
        outcomes = evaluate(self.context, ex)
        if only is not None:
            outcomes = {k: v for k, v in outcomes.items() if k in only}
        drift = response_drift(self.context, ex) if only is None or "drift" in only else None
        self.recorder.record_exchange(self.key(ex), ex, outcomes, drift)
        self.raise_failures(ex, outcomes)
        return ex

    def key(self, ex: Exchange) -> str:
        return self.target.curl(ex.request) + " " + ex.request.credentials.label

    def raise_failures(self, ex: Exchange, outcomes: dict[str, Outcome]) -> None:
        failures = [f for found in outcomes.values() for f in found or () if f.severity == "fail"]
        if failures:
            raise ContractBroken(failure_message(self.target, ex, failures))

    def fail(self, ex: Exchange, *findings: Finding) -> None:
        raise ContractBroken(failure_message(self.target, ex, findings))


def _make_target(run: RunSettings) -> Target:
    if run.target == "":
        return in_process_mock()
    if run.target == "mock":
        return SpawnedMockTarget()
    if run.target.startswith("wsgi:"):
        try:
            app = _load_wsgi(run.target[len("wsgi:") :])
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
        target: Target = WSGITarget(app, run.api_key)
        return WSGITarget(app, run.api_key, mock=target.looks_like_pipecat_mock())
    from .target import Budget

    http = HTTPTarget(run.target, run.api_key, Budget(run.max_requests, run.rate))
    try:
        is_mock = http.looks_like_pipecat_mock()
    except OSError as exc:
        pytest.exit(
            f"--contract-target {run.target} cannot be reached ({type(exc).__name__}: {exc}). "
            "Check the URL (with its prefix, e.g. https://api.pipecat.daily.co/v1) and the network.",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    return HTTPTarget(run.target, run.api_key, http.budget, mock=True) if is_mock else http


@pytest.fixture(scope="session")
def contract_target(pytestconfig: pytest.Config) -> Iterator[Target]:
    target = _make_target(pytestconfig.stash[_settings_key])
    try:
        yield target
    finally:
        target.close()


@pytest.fixture(scope="session")
def contract_recorder(pytestconfig: pytest.Config) -> Recorder:
    return pytestconfig.stash[_recorder_key]


@pytest.fixture(scope="session")
def contract(contract_target: Target, pytestconfig: pytest.Config, contract_recorder: Recorder) -> Contract:
    return Contract(contract_target, pytestconfig.stash[_settings_key], contract_recorder)
