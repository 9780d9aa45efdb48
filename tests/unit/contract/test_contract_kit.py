"""The contract kit has teeth: run the whole suite in-process against a server with one planted fault and
check that it fails, for the right reason (the failing check's name), and passes with no fault."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.support.contract_faults import FAULTS, SELFTEST_KEY
from tests.support.contract_runs import SUITE, Run, Table, failed_checks, summary_table

# fault -> (checks that must fail, checks that may also fail because of it)
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "none": (set(), set()),
    "wrong_type": ({"schema"}, set()),
    "wrong_content_type": ({"content-type"}, set()),
    "error_shape": ({"shape"}, {"schema"}),  # ErrorResponse requires error and code
    "auth_ignored": ({"auth"}, set()),
    "session_mismatch": ({"invariants"}, {"known-session"}),
    "server_error": ({"no-5xx"}, {"known-session", "prefer-code"}),  # Prefer: code=200 answered 500
}
# Planted faults whose suite-level run would repeat another's: the same check, reached the same way, and the
# check's own catch is in test_contract_units (bad_date_time: "bad-date-time" beside wrong_type's schema run;
# percentiles: "percentiles" beside session_mismatch's invariants run). drift has its own test below.
SAME_AS_ANOTHER = ("bad_date_time", "percentiles", "drift")
RunSuite = Callable[..., tuple[pytest.RunResult, Table]]


@pytest.fixture
def run_suite(run_kit: Run) -> RunSuite:
    """The whole suite against one planted fault, with its summary table."""

    def run(fault: str, *args: str) -> tuple[pytest.RunResult, Table]:
        result = run_kit(fault, "--hypothesis-seed=1", "-q", *args)
        return result, summary_table(result)

    return run


@pytest.mark.parametrize("fault", [fault for fault in FAULTS if fault not in SAME_AS_ANOTHER])
def test_each_planted_fault_fails_the_suite_for_its_own_reason(run_suite: RunSuite, fault: str) -> None:
    result, table = run_suite(fault, "--contract-api-key", SELFTEST_KEY)
    must, may = EXPECTED[fault]
    failed = failed_checks(table)
    assert table, "the suite printed no summary table:\n" + result.stdout.str()
    # contract_tests/test_lifecycle.py reads sessions too (list, details): it may catch a session fault as well.
    also = {"lifecycle"} if must else set()
    assert must <= failed <= must | may | also, f"{fault}: failed checks {sorted(failed)}, expected {sorted(must)}"
    assert (result.ret == 0) == (not must), result.stdout.str()
    if not must:
        result.assert_outcomes(passed=result.parseoutcomes()["passed"])  # nothing failed, nothing errored
        assert "contract verdict: kept" in result.stdout.str()
    assert SELFTEST_KEY not in result.stdout.str() + result.stderr.str()


def test_drift_fails_only_with_strict(run_suite: RunSuite) -> None:
    result, table = run_suite("drift", "--contract-api-key", SELFTEST_KEY)
    assert result.ret == 0, result.stdout.str()  # drift only warns unless --contract-strict
    assert failed_checks(table) == set()
    assert table["drift"][2] > 0  # warned
    assert SELFTEST_KEY not in result.stdout.str() + result.stderr.str()
    assert "undocumented  endState" in result.stdout.str()
    assert re.search(r"missing\s+meetingIds", result.stdout.str())
    strict, strict_table = run_suite("drift", "--contract-api-key", SELFTEST_KEY, "--contract-strict")
    assert failed_checks(strict_table) == {"drift"}
    assert strict.ret != 0


def test_without_a_key_the_tests_that_need_one_are_skipped_with_the_option_to_set(run_suite: RunSuite) -> None:
    result, table = run_suite("none", "-rs")
    assert "needs an API key: pass --contract-api-key or set PIPECAT_API_KEY" in result.stdout.str()
    assert result.ret == 0
    assert table["auth"][0] > 0  # the credential checks still ran


def test_a_live_url_without_the_base_path_gets_a_hint(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(
        SUITE, "--contract-target", "http://127.0.0.1:9", "--co", "-p", "no:cacheprovider"
    )
    result.stdout.fnmatch_lines(["*does not end with /v1*did you mean http://127.0.0.1:9/v1?*"])
    assert "at most 100 requests at 5/s" in result.stdout.str()


def test_a_bad_option_value_is_a_usage_error_saying_what_is_accepted(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(SUITE, "--contract-target", "ftp://x", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--contract-target 'ftp://x' is not valid. Valid values:*"])
