"""The verdict's pieces without a run: the request plan, the failure text, the auth diagnosis."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure
from pipecat_cloud_mock.contract.checks import Exchange
from pipecat_cloud_mock.contract.failures import ContractBroken, failure_text
from pipecat_cloud_mock.contract.plan import PROBE_REQUESTS, Cost, make_plan
from pipecat_cloud_mock.contract.report import Tally
from pipecat_cloud_mock.contract.target import BAD_CREDENTIALS, Response, session_request
from pipecat_cloud_mock.contract.verdict import RunFacts, auth_lines, verdict_line

ID = "800d444a-e67e-4686-afb3-b0de509cccb3"
costs = st.lists(
    st.builds(Cost, test=st.uuids().map(str), requests=st.integers(0, 4), generated=st.booleans()),
    max_size=12,
    unique_by=lambda c: c.test,
)


@given(budget=st.integers(1, 300), tests=costs, max_examples=st.integers(1, 50))
def test_the_plan_never_sends_more_than_the_budget_and_leaves_out_only_what_does_not_fit(
    budget: int, tests: list[Cost], max_examples: int
) -> None:
    plan = make_plan(budget, tests, max_examples)
    assert plan.planned <= budget
    kept = [c for c in tests if c.test not in plan.left_out]
    spare = budget - PROBE_REQUESTS - sum(c.minimum() for c in kept)
    assert all(c.minimum() > spare for c in tests if c.test in plan.left_out)
    assert all(1 <= plan.examples[c.test] <= max_examples for c in kept if c.generated)
    assert (plan.line() is None) == (not plan.left_out)


def test_the_plan_divides_what_is_left_across_the_generated_tests() -> None:
    tests = [Cost("fixed", 9), Cost("two-per-example", 2, generated=True), Cost("one", 1, generated=True)]
    plan = make_plan(100, tests, max_examples=20)
    # 100 - 1 probe - 9 fixed - (4 + 2) minimums = 84 spare, 3 requests a round: 28 more rounds, capped at 20.
    assert plan.examples == {"two-per-example": 20, "one": 20}
    small = make_plan(20, tests, max_examples=20)
    # 20 - 1 - 9 - 6 = 4 spare: one more round.
    assert small.examples == {"two-per-example": 2, "one": 2}
    # 12 - 1 = 11: the cheapest first reach two tests (2 + 4); the fixed one (9) no longer fits.
    assert make_plan(12, tests, 20).left_out == ("fixed",)
    line = make_plan(12, tests, 20).line()
    assert line is not None
    assert "raise it with --contract-max-requests 16 " in line
    assert "73 for a full run" in line  # 1 + 9 + (20 + 1 replayed) x (2 + 1)


def test_a_failure_that_did_not_repeat_is_still_the_kits_block_and_says_so() -> None:
    broken = ContractBroken("contract broken: no-5xx\n  check:    no-5xx: server error 500")
    flaky = FlakyFailure("Unreliable test results", [broken])
    flaky.add_note("You can reproduce this test case by temporarily adding @reproduce_failure('6', b'AA')")
    broken.add_note("Failing test case: test_x(n=3)")
    text = failure_text(flaky, "--contract-seed 9 -k 'test_x'")
    assert text.startswith("contract broken: no-5xx\n")
    assert "did not repeat when the same request was sent again" in text
    assert "Failing test case: test_x(n=3)" in text
    assert "reproduce_failure" not in text
    assert text.endswith("replay:   --contract-seed 9 -k 'test_x'")


def _recorded(*exchanges: Exchange) -> Tally:
    tally = Tally()
    for i, ex in enumerate(exchanges):
        tally.record_exchange(str(i), ex, {}, None)
    return tally


def _answer(status: int, credentials_index: int | None = None) -> Exchange:
    if credentials_index is None:
        return Exchange(session_request("a", ID), Response(status, {}, b"{}"))
    return Exchange(session_request("a", ID, BAD_CREDENTIALS[credentials_index]), Response(status, {}, b"{}"))


FACTS = RunFacts(target="contract target: x", replay="--contract-seed 1", is_mock=True)


def test_a_key_refused_on_every_request_is_named_but_not_one_refused_among_others() -> None:
    refused = auth_lines(_recorded(_answer(401), _answer(401)).auth, FACTS)
    assert refused == ["auth: the API key you gave was refused (401) on every request; check the key or the target"]
    assert auth_lines(_recorded(_answer(401), _answer(200)).auth, FACTS) == []


def test_a_target_that_lets_a_bad_token_through_is_named_and_a_mock_is_told_how_to_start() -> None:
    tally = _recorded(_answer(200), _answer(200, credentials_index=5))
    lines = auth_lines(tally.auth, FACTS)
    assert (
        lines[0] == "auth: the target accepts credentials it must refuse: it answered 2xx to unknown bearer token (1x)"
    )
    assert "`pipecat-mock serve --api-key KEY`" in lines[1]
    other = auth_lines(tally.auth, RunFacts(target="t", replay="r", is_mock=False))
    assert len(other) == 1  # not a pipecat-mock: no advice about starting one


def test_a_run_without_a_key_says_what_it_left_out() -> None:
    facts = RunFacts(target="t", replay="r", has_key=False, skips={"needs an API key: pass it": ["t1", "t2"]})
    (line,) = auth_lines(Tally().auth, facts)
    assert "no API key given, so the answers to a valid key" in line
    assert "(2 test(s) skipped)" in line


def test_the_verdict_line_names_every_failed_check_in_table_order() -> None:
    tally = Tally()
    tally.record("prefer-code", [], "k")
    from pipecat_cloud_mock.contract.checks import Finding

    tally.record("seeds", [Finding("seeds", "fail", "same")], "k")
    tally.record("auth", [Finding("auth", "fail", "no")], "k")
    line = verdict_line(tally, FACTS)
    assert line == "contract verdict: BROKEN: 2 check(s) failed (auth, seeds); replay the run with --contract-seed 1"
