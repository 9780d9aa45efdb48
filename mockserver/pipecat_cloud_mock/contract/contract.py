"""`Contract`, what a test uses: send a request to the run's target, check the answer, record it, raise."""

from __future__ import annotations

import json

import pytest

from pipecat_cloud_mock.contract.checks import Context, Exchange, Finding, Outcome, evaluate, response_drift
from pipecat_cloud_mock.contract.failures import BudgetSpent, ContractBroken, TargetError
from pipecat_cloud_mock.contract.report import Tally, failure_message
from pipecat_cloud_mock.contract.run_settings import RunSettings
from pipecat_cloud_mock.contract.target import BudgetExhausted, Request, Target
from pipecat_cloud_mock.spec.loader import load_spec
from pipecat_cloud_mock.spec.openapi import default_validator

CHECKED_OPERATION = "getSession"  # the operation every request of the kit goes to
MOCK_AGENT = "contract-kit-agent"
MOCK_SESSION_ID = "3f0c8a52-7d1e-4b8a-9c6f-2e5d4a1b0c9d"
NEEDS_A_KEY = "needs an API key: pass --contract-api-key or set PIPECAT_API_KEY"
NEEDS_THE_MOCK = "applies to pipecat-mock only; the target is not pipecat-mock"
NEEDS_A_SESSION = (
    "needs a session you know exists: pass --contract-agent and --contract-session-id "
    "(or set PIPECAT_CONTRACT_AGENT and PIPECAT_CONTRACT_SESSION_ID)"
)


def _nth(answer: tuple[int, int]) -> str:
    earlier = " (the earlier answers kept it)" if answer[0] > 1 else ""
    return f"answer {answer[0]} of {answer[1]} to the same request{earlier}: the target breaks intermittently"


def ended_session(ex: Exchange) -> bool:
    """A 200 whose body says the session has ended: the spec gives it an `endedAt`, after which nothing changes."""
    if ex.response.status != 200:
        return False
    try:
        body = ex.response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("endedAt"), str)


def first_difference(first: Exchange, other: Exchange) -> str | None:
    if first.response.status != other.response.status:
        return f"status {other.response.status}, not {first.response.status}"
    try:
        a, b = first.response.json(), other.response.json()
    except ValueError:
        return None if first.response.body == other.response.body else "the body changed"
    if a == b:
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        for name in sorted(set(a) | set(b)):
            if a.get(name) != b.get(name):
                return f"{name} is {_short(b.get(name))}, was {_short(a.get(name))}"
    return "the body changed"


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


class Contract:
    def __init__(self, target: Target, run: RunSettings, tally: Tally, full_budget: int | None = None) -> None:
        spec = load_spec()
        self.target = target
        self.run = run
        self.tally = tally
        self.full_budget = full_budget  # the budget a full run needs, suggested when this one runs out
        known = (run.agent, run.session_id) if run.agent and run.session_id else None
        if known is None and target.is_mock:
            known = (MOCK_AGENT, MOCK_SESSION_ID)
        self.context = Context(
            spec, spec.operation(CHECKED_OPERATION), default_validator(), strict=run.strict, known_session=known
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
            self.tally.record("connection", [finding], key=self.request_key(request))
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
            f"budget of {self.target.budget.limit} requests spent after {self.tally.responses} checks; raise it "
            f"with --contract-max-requests{raise_to} (or PIPECAT_CONTRACT_MAX_REQUESTS)"
        )

    def check(
        self, request: Request, only: tuple[str, ...] | None = None, answer: tuple[int, int] = (1, 1)
    ) -> Exchange:
        """Send, run every per-response check (or `only` these), record the outcomes, raise on a failure.
        `answer` is (n, of) for the n-th of `of` answers to a repeated request."""
        ex = self.send(request)
        outcomes = evaluate(self.context, ex)
        if only is not None:
            outcomes = {k: v for k, v in outcomes.items() if k in only}
        drift = response_drift(self.context, ex) if only is None or "drift" in only else None
        key = self.key(ex) + (f"  [answer {answer[0]} of {answer[1]}]" if answer[0] > 1 else "")
        self.tally.record_exchange(key, ex, outcomes, drift, self.context.operation.operation_id, answer[0])
        try:
            self.raise_failures(ex, outcomes)
        except ContractBroken as broken:
            if answer[1] > 1:
                raise ContractBroken(f"{broken}\n  repeat:   {_nth(answer)}") from None
            raise
        return ex

    def check_repeated(self, request: Request) -> list[Exchange]:
        """The same request `--contract-repeat` times: every answer keeps the contract, and where the spec says
        answers are stable (a session that has ended) they agree with each other."""
        times = self.run.repeat
        exchanges = [self.check(request, answer=(n, times)) for n in range(1, times + 1)]
        if times > 1:
            self.check_stable(exchanges)
        return exchanges

    def check_stable(self, exchanges: list[Exchange]) -> None:
        first = exchanges[0]
        if not ended_session(first):
            return  # a running session, or an error: its answers may change from one to the next
        found = []
        for n, ex in enumerate(exchanges[1:], start=2):
            difference = first_difference(first, ex)
            if difference:
                found.append(
                    Finding(
                        "stable",
                        "fail",
                        f"answer {n} of {len(exchanges)} differs from the first: {difference}",
                        "the same answer each time: the session has ended",
                    )
                )
                break
        self.tally.record("stable", found, key=self.key(first))
        if found:
            self.fail(exchanges[n - 1], *found)

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
