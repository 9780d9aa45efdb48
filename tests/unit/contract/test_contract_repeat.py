"""The kit catches intermittent breaks: the known session and a sample of the generated requests are asked
--contract-repeat times, every answer must keep the contract, and an ended session's answers must agree. A
faithful server (compliant, with `; charset=utf-8`, with sessions still running) passes every mode."""

from __future__ import annotations

import re

import pytest

from tests.support import contract_faults
from tests.support.contract_faults import SELFTEST_KEY
from tests.support.contract_runs import KNOWN, Run, run_in_process, run_with_budget, summary_table
from tests.support.servers import serve_in_thread


def _broken(run_kit: Run, variant: str, check: str) -> tuple[pytest.RunResult, str]:
    """The kit against `variant`, told the known session: a red run in which `check` failed."""
    result = run_kit(variant, *KNOWN)
    out = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, out
    assert summary_table(result)[check][1] > 0, out
    return result, out


def test_the_default_run_catches_a_target_that_breaks_one_answer_in_three(run_kit: Run) -> None:
    result, out = _broken(run_kit, "intermittent", "schema")
    # The schema check sees the break; the lifecycle check may see it too, in a list item.
    assert re.search(r"contract verdict: BROKEN: \d check\(s\) failed \((lifecycle, )?schema(, lifecycle)?\)", out), out
    assert re.search(r"  repeat:   answer [23] of 3 to the same request \(the earlier answers kept it\)", out), out
    assert re.search(r"^repetitions: \d+ request\(s\) asked again, \d+ more answer\(s\) checked$", out, re.M), out
    assert SELFTEST_KEY not in out + result.stderr.str()


def test_the_known_session_shows_the_break_only_when_asked_again(run_kit: Run) -> None:
    """The control: asked once, the known session looks fine; asked three times (the default), it breaks."""
    once = run_kit("intermittent", *KNOWN, "--contract-repeat", "1", "-k", "known_session")
    assert once.ret == pytest.ExitCode.OK, once.stdout.str()
    assert "repetitions:" not in once.stdout.str()
    again = run_kit("intermittent", *KNOWN, "-k", "known_session")
    assert again.ret == pytest.ExitCode.TESTS_FAILED, again.stdout.str()
    assert summary_table(again)["known-session"] == (2, 0, 0)  # the break is in the schema; the id stays right
    assert summary_table(again)["schema"][1] == 1


def test_an_ended_session_whose_answers_differ_breaks_the_stable_check(run_kit: Run) -> None:
    _, out = _broken(run_kit, "unstable", "stable")
    assert re.search(r"check:    stable: answer 2 of 3 differs from the first: updatedAt is \"", out), out


@pytest.mark.parametrize("variant", ["none", "charset", "running"])
@pytest.mark.parametrize("mode", [(), ("--contract-strict",)], ids=["default", "strict"])
def test_a_faithful_server_passes_every_mode(run_kit: Run, variant: str, mode: tuple[str, ...]) -> None:
    result = run_kit(variant, *KNOWN, *mode)
    out = result.stdout.str()
    assert result.ret == pytest.ExitCode.OK, out
    assert "contract verdict: kept" in out
    table = summary_table(result)
    assert table["known-session"] == (3, 0, 0), out  # asked three times, each answer checked
    if variant == "running":
        assert "stable" not in table  # a running session's answers may differ: nothing to compare
    else:
        assert table["stable"][0] > 0


def test_the_plan_counts_the_repetitions_of_a_test(pytester: pytest.Pytester, run_kit: Run) -> None:
    # A budget of 4: the probe, the one-request test, and not the repeated one (3 requests): it is named as
    # not reached. A plan that forgot the repetitions would let it run out of budget instead.
    result, out = run_with_budget(
        pytester,
        run_kit,
        4,
        "@pytest.mark.contract_repeated(1)\n"
        "def test_repeated(contract):\n"
        "    contract.check_repeated(session_request('my-agent', ID))\n\n"
        "def test_once(contract):\n"
        "    contract.check(session_request('my-agent', ID))\n",
    )
    assert result.ret == pytest.ExitCode.OK, out
    assert "not checked: a budget of 4 requests does not reach 1 test(s): test_repeated" in out
    assert "spent" not in out


def test_a_bad_repeat_value_is_a_usage_error(run_kit: Run) -> None:
    result = run_kit("none", "--contract-repeat", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--contract-repeat '0' is not valid. Valid values: a whole number, 1 or more*"])


@pytest.mark.parametrize(("variant", "broken"), [("intermittent", True), ("running", False)])
def test_over_http_the_repetitions_stay_within_the_budget(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, variant: str, broken: bool
) -> None:
    monkeypatch.setenv("CONTRACT_PLANTED_FAULT", variant)
    monkeypatch.setattr(contract_faults.app, "answers", contract_faults.Answers())
    with serve_in_thread(contract_faults.app) as url:
        result = run_in_process(pytester, monkeypatch, url + "/v1", *KNOWN, "--contract-rate", "1000")
    out = result.stdout.str()
    assert result.ret == (pytest.ExitCode.TESTS_FAILED if broken else pytest.ExitCode.OK), out
    assert "at most 100 requests" in out
    assert "spent" not in out  # the plan paid for every repetition out of the default budget
    assert re.search(r"^repetitions: \d+ request\(s\) asked again", out, re.M), out
