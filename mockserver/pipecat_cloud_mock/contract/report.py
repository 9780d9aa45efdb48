"""What the run found: per-check counts, the drift report, and failure messages a person can act on."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipecat_cloud_mock.contract.checks import AUTH_STATUSES, CHECKS, DriftItem, Exchange, Finding, Outcome
from pipecat_cloud_mock.contract.target import Target

# Checks recorded by tests rather than per response, listed after the per-response ones.
OTHER_CHECKS = (
    "connection",  # a request that got no HTTP answer at all
    "spec-valid",
    "spec-refs",
    "spec-examples",
    "payload-positive",
    "payload-negative",
    "determinism",
    "prefer-code",
    "seeds",
    "stable",  # an ended session's repeated answers agree with each other
)
_BODY_EXCERPT = 600


@dataclass
class DriftEntry:
    kind: str
    path: str
    example: Any
    statuses: Counter[int] = field(default_factory=Counter)


@dataclass
class AuthSeen:
    """What the answers say about credentials: the valid key refused, bad credentials let through."""

    with_key: int = 0
    key_refused: Counter[int] = field(default_factory=Counter)  # status -> count
    let_through: Counter[str] = field(default_factory=Counter)  # credentials label -> 2xx answers

    def see(self, ex: Exchange) -> None:
        status, credentials = ex.response.status, ex.request.credentials
        if credentials.valid:
            self.with_key += 1
            if status in AUTH_STATUSES:
                self.key_refused[status] += 1
        elif 200 <= status < 300:
            self.let_through[credentials.label] += 1

    @property
    def key_always_refused(self) -> bool:
        return self.with_key > 0 and sum(self.key_refused.values()) == self.with_key


@dataclass
class Tally:
    """Counts each check once per distinct request (Hypothesis replays while shrinking are not recounted)."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    drift: dict[tuple[str, str], DriftEntry] = field(default_factory=dict)
    compared: Counter[int] = field(default_factory=Counter)  # responses compared for drift, by status
    messages: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)  # (check, state) -> messages
    first_failure: dict[str, str] = field(default_factory=dict)  # check -> its first failed request (curl)
    auth: AuthSeen = field(default_factory=AuthSeen)
    responses: int = 0
    elapsed_ms: float = 0.0
    served: Counter[tuple[str, int]] = field(default_factory=Counter)  # (operationId, status) -> answers
    repeated: int = 0  # answers asked for again, beyond the first, of a repeated request
    repeated_requests: int = 0  # distinct requests the run repeated
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def record(self, check: str, outcome: Outcome, key: str) -> None:
        if outcome is None or (check, key) in self._seen:
            return
        self._seen.add((check, key))
        if any(f.severity == "fail" for f in outcome):
            state = "failed"
            self.first_failure.setdefault(check, key)
        elif outcome:
            state = "warned"
        else:
            state = "passed"
        self.counts.setdefault(check, Counter())[state] += 1
        for finding in outcome:
            self.messages.setdefault((check, state), Counter())[finding.message] += 1

    def record_exchange(
        self,
        key: str,
        ex: Exchange,
        outcomes: Mapping[str, Outcome],
        drift: list[DriftItem] | None,
        operation: str = "",
        answer: int = 1,
    ) -> None:
        if ("<exchange>", key) in self._seen:
            return
        if operation:
            self.served[(operation, ex.response.status)] += 1
        if answer > 1:
            self.repeated += 1
            self.repeated_requests += answer == 2
        for check, outcome in outcomes.items():
            self.record(check, outcome, key)
        self._seen.add(("<exchange>", key))
        self.auth.see(ex)
        self.responses += 1
        self.elapsed_ms += ex.response.elapsed_ms
        if drift is None:
            return
        self.compared[ex.response.status] += 1
        for item in {(d.path, d.kind): d for d in drift}.values():
            entry = self.drift.setdefault((item.kind, item.path), DriftEntry(item.kind, item.path, item.example))
            entry.statuses[item.status] += 1

    def failed(self) -> bool:
        return any(c["failed"] for c in self.counts.values())

    def summary_lines(self, strict: bool) -> list[str]:
        rows = [(n, self.counts[n]) for n in self.ordered(self.counts)]
        if not rows:
            return []
        lines = [f"{'check':<18}{'passed':>8}{'failed':>8}{'warned':>8}"]
        lines += [f"{n:<18}{c['passed']:>8}{c['failed']:>8}{c['warned']:>8}" for n, c in rows]
        if self.responses:
            mean = self.elapsed_ms / self.responses
            lines.append(f"{self.responses} distinct responses checked, {mean:.1f} ms mean response time")
        if self.repeated:
            lines.append(
                f"repetitions: {self.repeated_requests} request(s) asked again, {self.repeated} more answer(s) checked"
            )
        lines += self.drift_lines(strict)
        return lines

    def drift_lines(self, strict: bool) -> list[str]:
        if not self.compared:
            return []
        seen = ", ".join(f"{n} x {s}" for s, n in sorted(self.compared.items()))
        verdict = "failures (--contract-strict)" if strict else "warnings (--contract-strict makes them failures)"
        if not self.drift:
            return [f"drift: none; every property sent is documented and every documented one was sent ({seen})"]
        lines = [f"drift against the spec ({seen} responses compared); {verdict}:"]
        for entry in sorted(self.drift.values(), key=lambda e: (e.kind, e.path)):
            where = ", ".join(f"{n}/{self.compared[s]} of {s}" for s, n in sorted(entry.statuses.items()))
            example = f"  e.g. {_excerpt(entry.example, 50)}" if entry.kind == "undocumented" else ""
            lines.append(f"  {entry.kind:<13} {entry.path:<34} in {where}{example}")
        return lines

    def findings_lines(self, state: str, limit: int = 5, leave_out: tuple[str, ...] = ()) -> list[str]:
        """Each check that `state` ("failed" or "warned"), with its distinct messages and how often each came."""
        lines = []
        for check in self.ordered(c for c, s in self.messages if s == state and c not in leave_out):
            messages = self.messages[(check, state)]
            counts = self.counts[check]
            lines.append(f"  {check} ({state} {counts[state]} of {sum(counts.values())}):")
            for message, n in messages.most_common(limit):
                lines.append(f"    {message}" + (f"  (x{n})" if n > 1 else ""))
            if len(messages) > limit:
                lines.append(f"    ... and {len(messages) - limit} other message(s)")
            if state == "failed" and check in self.first_failure and self.first_failure[check].startswith("curl "):
                lines.append(f"    first seen: {self.first_failure[check]}")
        return lines

    @staticmethod
    def ordered(checks: Iterable[str]) -> list[str]:
        order = [name for name, _ in CHECKS] + list(OTHER_CHECKS)
        return sorted(set(checks), key=lambda c: (order.index(c) if c in order else len(order), c))


def failure_message(target: Target, ex: Exchange, findings: Iterable[Finding]) -> str:
    """The kit's failure block: per finding the check, what was expected and what came; the request; the body."""
    findings = list(findings)
    response = ex.response
    lines = [f"contract broken: {', '.join(dict.fromkeys(f.check for f in findings))}"]
    for f in findings:
        lines.append(f"  check:    {f.check}: {f.message}")
        if f.expected:
            lines.append(f"  expected: {f.expected}")
    lines.append(f"  got:      {response.status} {response.content_type or '(no Content-Type)'}")
    lines.append(f"  request:  {target.curl(ex.request)}  ({ex.request.credentials.label})")
    lines.append(f"  body:     {_body_excerpt(response.body)}")
    text = "\n".join(lines)
    return target.api_key.redact(text) if target.api_key else text


def _body_excerpt(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    return text if len(text) <= _BODY_EXCERPT else text[:_BODY_EXCERPT] + f"... ({len(body)} bytes)"


def _excerpt(value: Any, limit: int) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."
