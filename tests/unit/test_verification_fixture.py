"""The fixture's verification as a user's suite runs it: assert_called, assert_no_unmatched, strict, coverage."""

from __future__ import annotations

import re

import pytest

from tests.support import REPO

USER_TESTS = """
import re
import pytest
import requests

SID = "800d444a-e67e-4686-afb3-b0de509cccb3"


def get(pipecat_mock, path, method="GET"):
    return requests.request(method, pipecat_mock.api_url + path, headers=pipecat_mock.headers, timeout=10)


def test_called_twice(pipecat_mock):
    get(pipecat_mock, f"/agents/a/sessions/{SID}")
    get(pipecat_mock, f"/agents/b/sessions/{SID}")
    calls = pipecat_mock.assert_called("GET", "/agents/{agentName}/sessions/{sessionId}", times=2)
    assert [c.path for c in calls] == [f"/v1/agents/b/sessions/{SID}", f"/v1/agents/a/sessions/{SID}"]
    pipecat_mock.assert_called("get", f"/v1/agents/a/sessions/{SID}", times=1)
    pipecat_mock.assert_called("GET", re.compile(r"/v1/agents/[ab]/sessions/.*"), times=2)
    pipecat_mock.assert_called("*", f"/agents/a/sessions/{SID}")
    pipecat_mock.assert_called("POST", f"/agents/a/sessions/{SID}", times=0)
    assert pipecat_mock.count(method="GET", path_prefix="/v1/agents/a/") == 1
    pipecat_mock.assert_no_unmatched()


def test_wrong_count(pipecat_mock):
    get(pipecat_mock, f"/agents/a/sessions/{SID}")
    get(pipecat_mock, "/health")
    get(pipecat_mock, f"/agents/a/sessions/{SID}", method="PATCH")
    get(pipecat_mock, f"/agents/b/sessions/{SID}")
    pipecat_mock.assert_called("GET", f"/agents/a/sessions/{SID}", times=2)


def test_never_called(pipecat_mock):
    pipecat_mock.assert_called("GET", "/agents/{agentName}/sessions/{sessionId}")


def test_typo(pipecat_mock):
    get(pipecat_mock, f"/agents/a/sesions/{SID}")
    pipecat_mock.assert_no_unmatched()


def test_coverage_is_this_tests_own(pipecat_mock):
    get(pipecat_mock, f"/agents/a/sessions/{SID}")
    requests.get(pipecat_mock.api_url + f"/agents/a/sessions/{SID}", timeout=10)
    statuses = pipecat_mock.coverage()["operations"][0]["statuses"]
    assert statuses["200"] == {"documented": True, "served": 1, "sources": {"generated": 1}}
    assert statuses["401"] == {"documented": True, "served": 1, "sources": {"security": 1}}
"""


def test_assertions_pass_and_fail_with_what_was_called_instead(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=3)
    out = result.stdout.str()
    assert (
        "expected GET /agents/{agentName}/sessions/{sessionId} to be called at least once, but it was called 0 times"
        in (out)
    )
    assert "Nothing else was called either." in out
    lines = result.stdout.lines
    start = next(
        i
        for i, line in enumerate(lines)
        if "expected GET /agents/a/sessions/800d444a-e67e-4686-afb3-b0de509cccb3 to be called exactly 2 times" in line
    )
    assert "but it was called 1 time." in lines[start]
    sid = "800d444a-e67e-4686-afb3-b0de509cccb3"
    shown = [line.split("E", 1)[1].strip() for line in lines[start + 1 : start + 5]]
    assert shown == [
        "Called instead, closest first:",
        f"PATCH /v1/agents/a/sessions/{sid}  (1 time, answered 405)",
        f"GET /v1/agents/b/sessions/{sid}  (1 time, answered 200)",
        "GET /v1/health  (1 time, answered 404)",
    ]
    assert f"GET /v1/agents/a/sesions/{sid} -> 404  (did you mean GET /v1/agents/{{agentName}}" in out


STRICT_TESTS = """
import pytest
import requests


def test_clean(pipecat_mock):
    requests.get(pipecat_mock.session_url("a", "800d444a-e67e-4686-afb3-b0de509cccb3"), timeout=10)


def test_typo(pipecat_mock):
    requests.get(pipecat_mock.api_url + "/agent/a", headers=pipecat_mock.headers, timeout=10)


@pytest.mark.pipecat_mock_strict(False)
def test_typo_allowed(pipecat_mock):
    requests.post(pipecat_mock.session_url("a", "800d444a-e67e-4686-afb3-b0de509cccb3"), timeout=10)
"""


def test_strict_ini_option_fails_a_test_at_teardown_for_unmatched_calls(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npipecat_mock_strict = true\n")
    pytester.makepyfile(test_strict=STRICT_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--strict-markers", "--strict-config")
    result.assert_outcomes(passed=3, errors=1)
    out = result.stdout.str()
    assert "ERROR at teardown of test_typo" in out
    assert "pipecat_mock_strict: in this test 1 request(s) matched no operation of the spec" in out
    assert "GET /v1/agent/a -> 404" in out
    assert "test_typo_allowed" not in out.split("short test summary info")[-1]
    assert "Bearer" not in out  # the token the test sent is not echoed


def test_strict_marker_alone_turns_it_on_for_one_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_strict=STRICT_TESTS.replace("def test_typo(", "@pytest.mark.pipecat_mock_strict\ndef test_typo(")
        + """

def test_typo_not_strict(pipecat_mock):
    requests.get(pipecat_mock.api_url + "/agent/b", headers=pipecat_mock.headers, timeout=10)
"""
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=4, errors=1)
    assert "ERROR at teardown of test_typo " in result.stdout.str() + " "
    assert "/agent/b" not in result.stdout.str()


def test_the_docs_example_passes(pytester: pytest.Pytester) -> None:
    text = (REPO / "docs" / "verification.md").read_text(encoding="utf-8")
    example = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)[0]
    pytester.makepyfile(test_docs_example=example)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
