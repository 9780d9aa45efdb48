"""The run's verdict and the summary under the table: what failed, what warned, what was not checked, why.

Plain data in, lines out. The verdict is the summary's: any failed finding recorded during the run fails it,
whichever test recorded it and however that test ended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipecat_cloud_mock.contract.coverage import coverage_lines, gap_line
from pipecat_cloud_mock.contract.report import AuthSeen, Tally

KEY_HINT = "pass --contract-api-key or set PIPECAT_API_KEY"
# The checks that look at answers to the valid key: a run without a key leaves them out.
CHECKED_WITH_A_KEY = "the answers to a valid key (their status, schema, shape, invariants, consistency, drift)"


@dataclass(frozen=True)
class RunFacts:
    """What the summary needs to know about the run besides the tally."""

    target: str  # the RunSettings' description line
    replay: str  # the flag that replays the run's generated requests
    strict: bool = False
    has_key: bool = True
    is_mock: bool = False
    skips: Mapping[str, Sequence[str]] = field(default_factory=dict)  # reason -> tests
    not_planned: str | None = None  # the plan's "not checked" line
    budget_spent: str | None = None  # the line that stopped the run when the budget ran out
    not_run: Sequence[str] = ()  # tests the run did not reach after that
    coverage: Mapping[str, Any] | None = (
        None  # the target's coverage (pipecat_cloud_mock.contract.coverage), once it answered
    )
    min_coverage: float | None = None  # --contract-min-coverage

    @property
    def coverage_gap(self) -> str | None:
        return gap_line(self.coverage, self.min_coverage) if self.coverage is not None else None


def broken(tally: Tally, facts: RunFacts) -> bool:
    return tally.failed() or facts.budget_spent is not None or facts.coverage_gap is not None


def summary(tally: Tally, facts: RunFacts) -> list[str]:
    lines = tally.summary_lines(facts.strict)
    warned = tally.findings_lines("warned", leave_out=("drift",))  # the drift report above lists its own
    if warned:
        lines += ["warnings:", *warned]
    failed = tally.findings_lines("failed")
    if failed:
        lines += ["failures:", *failed]
    lines += auth_lines(tally.auth, facts)
    lines += skip_lines(facts.skips)
    if facts.coverage is not None:
        lines += coverage_lines(facts.coverage)
    if facts.coverage_gap:
        lines.append(facts.coverage_gap)
    if facts.not_planned:
        lines.append(facts.not_planned)
    if facts.budget_spent:
        lines.append(facts.budget_spent)
        if facts.not_run:
            names = [test.rsplit("::", 1)[-1] for test in facts.not_run]
            shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
            lines.append(f"not checked: {len(facts.not_run)} test(s) after it: {shown}")
    lines.append(facts.target)
    lines.append(verdict_line(tally, facts))
    return lines


def verdict_line(tally: Tally, facts: RunFacts) -> str:
    failed = [check for check, counts in tally.counts.items() if counts["failed"]]
    if failed:
        return (
            f"contract verdict: BROKEN: {len(failed)} check(s) failed ({', '.join(Tally.ordered(failed))}); "
            f"replay the run with {facts.replay}"
        )
    if facts.coverage_gap:
        return f"contract verdict: BROKEN: the target's coverage is below --contract-min-coverage; {facts.replay}"
    if facts.budget_spent:
        return "contract verdict: NOT CHECKED: the request budget ran out before the run ended (see above)"
    skipped = sum(len(tests) for tests in facts.skips.values())
    if facts.not_planned or skipped:
        why = [f"{skipped} test(s) skipped"] if skipped else []
        why += ["the budget did not reach some tests"] if facts.not_planned else []
        unchecked = f" as far as checked ({'; '.join(why)}: see above)"
    else:
        unchecked = ""
    return f"contract verdict: kept{unchecked}; the run's seed: {facts.replay}"


def auth_lines(auth: AuthSeen, facts: RunFacts) -> list[str]:
    lines = []
    if facts.has_key and auth.key_always_refused:
        statuses = "/".join(str(s) for s in sorted(auth.key_refused))
        lines.append(
            f"auth: the API key you gave was refused ({statuses}) on every request; check the key or the target"
        )
    if auth.let_through:
        seen = ", ".join(f"{label} ({n}x)" for label, n in auth.let_through.most_common())
        lines.append(f"auth: the target accepts credentials it must refuse: it answered 2xx to {seen}")
        if facts.is_mock:
            lines.append(
                "  this target is a pipecat-mock (its /__admin/ API answers), which accepts any bearer token "
                "unless started with --api-key. Start it as `pipecat-mock serve --api-key KEY` and give the kit "
                "the same key (PIPECAT_API_KEY=KEY, or --contract-api-key KEY) so the auth checks mean something."
            )
    if not facts.has_key:
        needing = [t for reason, tests in facts.skips.items() if reason.startswith("needs an API key") for t in tests]
        lines.append(
            f"auth: no API key given, so {CHECKED_WITH_A_KEY} were not checked"
            + (f" ({len(needing)} test(s) skipped)" if needing else "")
            + f": {KEY_HINT}"
        )
    return lines


def skip_lines(skips: Mapping[str, Sequence[str]]) -> list[str]:
    if not skips:
        return []
    lines = [f"skipped ({sum(len(t) for t in skips.values())}):"]
    for reason, tests in sorted(skips.items(), key=lambda item: -len(item[1])):
        shown = ", ".join(tests[:4]) + (f" and {len(tests) - 4} more" if len(tests) > 4 else "")
        lines.append(f"  {len(tests)} x {reason}: {shown}")
    return lines
