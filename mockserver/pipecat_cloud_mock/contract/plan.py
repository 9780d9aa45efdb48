"""The request plan: a live target's request budget divided across the run's tests before the run starts.

Plain data in, plain data out (no pytest): each test says how many requests one call sends (a fixed test)
or one example sends (a Hypothesis test); the plan gives each test its minimum, cheapest first, spreads what is
left over the Hypothesis tests, and names the tests the budget does not reach.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PROBE_REQUESTS = 1  # the one GET of /__admin/health that tells whether the target is pipecat-mock


@dataclass(frozen=True)
class Cost:
    test: str  # the test's id
    requests: int  # per call, or per example for a Hypothesis test
    generated: bool = False  # a Hypothesis test

    def minimum(self) -> int:
        # One example, and one more run of it: Hypothesis replays a failing example once to report it.
        return 2 * self.requests if self.generated else self.requests


@dataclass(frozen=True)
class Plan:
    budget: int
    examples: dict[str, int]  # Hypothesis test -> examples it may run
    left_out: tuple[str, ...]  # tests the budget does not reach
    needed: int  # the budget a full run needs (every Hypothesis test at the profile's max_examples)
    reach_all: int  # the budget that reaches every test (each Hypothesis test with one example)
    planned: int  # requests the plan expects to send, at most

    def line(self) -> str | None:
        """The "not checked" line, or None when the budget reaches every test."""
        if not self.left_out:
            return None
        tests = [test.rsplit("::", 1)[-1] for test in self.left_out]
        names = ", ".join(tests[:6]) + (f" and {len(tests) - 6} more" if len(tests) > 6 else "")
        return (
            f"not checked: a budget of {self.budget} requests does not reach {len(tests)} test(s): {names}; "
            f"raise it with --contract-max-requests {self.reach_all} (or PIPECAT_CONTRACT_MAX_REQUESTS) to reach "
            f"every test, {self.needed} for a full run"
        )


def make_plan(budget: int, costs: Sequence[Cost], max_examples: int) -> Plan:
    available = budget - PROBE_REQUESTS
    kept: list[Cost] = []
    left_out: list[str] = []
    for cost in sorted(costs, key=Cost.minimum):  # the cheapest first: a small budget reaches the most tests
        if cost.minimum() <= available:
            available -= cost.minimum()
            kept.append(cost)
        else:
            left_out.append(cost.test)
    generated = [c for c in kept if c.generated and c.requests]
    per_round = sum(c.requests for c in generated)
    extra = available // per_round if per_round else 0
    examples = {c.test: min(max_examples, 1 + extra) for c in generated}
    examples.update({c.test: 1 for c in kept if c.generated and not c.requests})
    planned = PROBE_REQUESTS + sum((examples[c.test] + 1) * c.requests if c.generated else c.requests for c in kept)
    needed = PROBE_REQUESTS + sum((max_examples + 1) * c.requests if c.generated else c.requests for c in costs)
    reach_all = PROBE_REQUESTS + sum(c.minimum() for c in costs)
    order = {cost.test: i for i, cost in enumerate(costs)}
    return Plan(budget, examples, tuple(sorted(left_out, key=order.__getitem__)), needed, reach_all, planned)
