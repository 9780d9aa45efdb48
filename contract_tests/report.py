"""What the run found: per-check counts, the drift report, and failure messages a person can act on."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .checks import CHECKS, DriftItem, Exchange, Finding, Outcome
from .target import Target

# Checks recorded by tests rather than per response, listed after the per-response ones.
OTHER_CHECKS = (
    "spec-valid",
    "spec-refs",
    "spec-examples",
    "payload-positive",
    "payload-negative",
    "determinism",
    "prefer-code",
    "seeds",
)
_BODY_EXCERPT = 600


@dataclass
class DriftEntry:
    kind: str
    path: str
    example: Any
    statuses: Counter[int] = field(default_factory=Counter)


@dataclass
class Recorder:
    """Counts each check once per distinct request (Hypothesis replays while shrinking are not recounted)."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    drift: dict[tuple[str, str], DriftEntry] = field(default_factory=dict)
    compared: Counter[int] = field(default_factory=Counter)  # responses compared for drift, by status
    responses: int = 0
    elapsed_ms: float = 0.0
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def record(self, check: str, outcome: Outcome, key: str) -> None:
        if outcome is None or (check, key) in self._seen:
            return
        self._seen.add((check, key))
        if any(f.severity == "fail" for f in outcome):
            state = "failed"
        elif outcome:
            state = "warned"
        else:
            state = "passed"
        self.counts.setdefault(check, Counter())[state] += 1

    def record_exchange(
        self, key: str, ex: Exchange, outcomes: Mapping[str, Outcome], drift: list[DriftItem] | None
    ) -> None:
        if ("<exchange>", key) in self._seen:
            return
        for check, outcome in outcomes.items():
            self.record(check, outcome, key)
        self._seen.add(("<exchange>", key))
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
        names = [name for name, _ in CHECKS] + list(OTHER_CHECKS)
        names += sorted(set(self.counts) - set(names))
        rows = [(n, self.counts[n]) for n in names if n in self.counts]
        if not rows:
            return []
        lines = [f"{'check':<18}{'passed':>8}{'failed':>8}{'warned':>8}"]
        lines += [f"{n:<18}{c['passed']:>8}{c['failed']:>8}{c['warned']:>8}" for n, c in rows]
        if self.responses:
            mean = self.elapsed_ms / self.responses
            lines.append(f"{self.responses} distinct responses checked, {mean:.1f} ms mean response time")
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


def failure_message(target: Target, ex: Exchange, findings: Iterable[Finding]) -> str:
    findings = list(findings)
    lines = ["the contract is broken:"]
    for f in findings:
        lines.append(f"  [{f.check}] {f.message}" + (f"\n      expected: {f.expected}" if f.expected else ""))
    lines.append(f"  request:  {target.curl(ex.request)}  ({ex.request.credentials.label})")
    response = ex.response
    lines.append(f"  got:      {response.status} {response.content_type or '(no Content-Type)'}")
    lines.append(f"  body:     {_body_excerpt(response.body)}")
    text = "\n".join(lines)
    return target.api_key.redact(text) if target.api_key else text


def _body_excerpt(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    return text if len(text) <= _BODY_EXCERPT else text[:_BODY_EXCERPT] + f"... ({len(body)} bytes)"


def _excerpt(value: Any, limit: int) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."
