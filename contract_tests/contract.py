"""`Contract`, what a test uses: send a request to the run's target, check the answer, record it, raise."""

from __future__ import annotations

import pytest

from mockserver import load_spec
from mockserver.validation import default_validator

from .checks import Context, Exchange, Finding, Outcome, evaluate, response_drift
from .failures import BudgetSpent, ContractBroken, TargetError
from .report import Recorder, failure_message
from .run_settings import RunSettings
from .target import BudgetExhausted, Request, Target

MOCK_AGENT = "contract-kit-agent"
MOCK_SESSION_ID = "3f0c8a52-7d1e-4b8a-9c6f-2e5d4a1b0c9d"
NEEDS_A_KEY = "needs an API key: pass --contract-api-key or set PIPECAT_API_KEY"
NEEDS_THE_MOCK = "applies to pipecat-mock only; the target is not pipecat-mock"
NEEDS_A_SESSION = (
    "needs a session you know exists: pass --contract-agent and --contract-session-id "
    "(or set PIPECAT_CONTRACT_AGENT and PIPECAT_CONTRACT_SESSION_ID)"
)


class Contract:
    def __init__(self, target: Target, run: RunSettings, recorder: Recorder, full_budget: int | None = None) -> None:
        spec = load_spec()
        self.target = target
        self.run = run
        self.recorder = recorder
        self.full_budget = full_budget  # the budget a full run needs, suggested when this one runs out
        known = (run.agent, run.session_id) if run.agent and run.session_id else None
        if known is None and target.is_mock:
            known = (MOCK_AGENT, MOCK_SESSION_ID)
        self.context = Context(
            spec, spec.operation("getSession"), default_validator(), strict=run.strict, known_session=known
        )

    def __repr__(self) -> str:  # shown in Hypothesis' "Falsifying example" line
        return f"<contract of {self.target.describe()}>"

    @property
    def has_key(self) -> bool:
        return self.target.has_key

    @property
    def known_session(self) -> tuple[str, str] | None:
        return self.context.known_session

    def require_key(self) -> None:
        if not self.has_key:
            pytest.skip(NEEDS_A_KEY)

    def require_mock(self) -> None:
        if not self.target.is_mock:
            pytest.skip(NEEDS_THE_MOCK)

    def require_known_session(self) -> tuple[str, str]:
        if self.known_session is None:
            pytest.skip(NEEDS_A_SESSION)
        return self.known_session

    def send(self, request: Request) -> Exchange:
        if request.credentials.valid:
            self.require_key()
        try:
            response = self.target.send(request)
        except BudgetExhausted:
            raise BudgetSpent(self.budget_line()) from None
        except Exception as exc:
            # Re-raised without the frames below, whose locals hold the Authorization header (pytest -l shows
            # locals); the message is redacted in case a library quoted the header.
            got = self._redact(f"{type(exc).__name__}: {exc}")
            finding = Finding("connection", "fail", f"no HTTP answer ({got})", "an HTTP answer")
            self.recorder.record("connection", [finding], key=self.request_key(request))
            message = (
                f"contract broken: connection\n  check:    connection: {finding.message}\n"
                f"  expected: {finding.expected}\n  got:      no answer from {self.target.describe()}\n"
                f"  request:  {self.target.curl(request)}  ({request.credentials.label})"
            )
            raise TargetError(message) from None
        return Exchange(request, response)

    def budget_line(self) -> str:
        raise_to = f" {self.full_budget}" if self.full_budget else " N"
        return (
            f"budget of {self.target.budget.limit} requests spent after {self.recorder.responses} checks; raise it "
            f"with --contract-max-requests{raise_to} (or PIPECAT_CONTRACT_MAX_REQUESTS)"
        )

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

    def request_key(self, request: Request) -> str:
        return f"{self.target.curl(request)}  ({request.credentials.label})"

    def key(self, ex: Exchange) -> str:
        return self.request_key(ex.request)

    def raise_failures(self, ex: Exchange, outcomes: dict[str, Outcome]) -> None:
        failures = [f for found in outcomes.values() for f in found or () if f.severity == "fail"]
        if failures:
            raise ContractBroken(failure_message(self.target, ex, failures))

    def fail(self, ex: Exchange, *findings: Finding) -> None:
        raise ContractBroken(failure_message(self.target, ex, findings))

    def _redact(self, text: str) -> str:
        return self.target.api_key.redact(text) if self.target.api_key else text
