"""The kit's report of a run: coverage of the target (which documented statuses it returned, which it never
showed), the --contract-min-coverage gate, and --contract-report's JSON and Markdown files beside pytest's JUnit XML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.contract_faults import SELFTEST_KEY
from tests.support.contract_runs import KNOWN, Run

KEY = ("--contract-api-key", SELFTEST_KEY)


def test_the_summary_says_which_documented_statuses_the_target_returned(run_kit: Run) -> None:
    result = run_kit("none", *KEY)
    out = result.stdout.str()
    assert "coverage: getSession returned 200, 401, 404, 500\n" in out
    assert "coverage: 4 of 4 documented statuses returned (100.0%)" in out


def test_a_coverage_gap_fails_the_run_with_the_missing_statuses(run_kit: Run) -> None:
    # Without the Prefer: code= tests the mock is never asked for a 500.
    gap = run_kit("none", *KEY, "-k", "not prefer", "--contract-min-coverage", "100")
    out = gap.stdout.str()
    assert gap.ret == pytest.ExitCode.TESTS_FAILED, out
    assert "coverage: 3 of 4 documented statuses returned (75.0%); never returned: getSession 500" in out
    assert (
        "coverage gap: 75.0% of the documented statuses returned, below --contract-min-coverage 100; "
        "missing: getSession 500"
    ) in out
    assert "contract verdict: BROKEN: the target's coverage is below --contract-min-coverage" in out
    enough = run_kit("none", *KEY, "-k", "not prefer", "--contract-min-coverage", "60")
    assert enough.ret == pytest.ExitCode.OK, enough.stdout.str()
    assert "coverage gap" not in enough.stdout.str()


def test_the_report_files_have_the_documented_shape(run_kit: Run, tmp_path: Path) -> None:
    report, junit = tmp_path / "out" / "contract.json", tmp_path / "junit.xml"
    result = run_kit("drift", *KEY, "--contract-report", str(report), f"--junitxml={junit}")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    data = json.loads(report.read_text())
    assert {"verdict", "checks", "findings", "drift", "coverage", "repetitions", "target", "seed"} <= set(data)
    assert data["verdict"]["broken"] is False
    assert data["verdict"]["line"].startswith("contract verdict: kept")
    assert data["checks"]["schema"]["failed"] == 0
    assert data["checks"]["schema"]["passed"] > 0
    assert data["checks"]["drift"]["warned"] > 0
    paths = {(d["kind"], d["path"]) for d in data["drift"]["items"]}
    assert {("undocumented", "endState"), ("missing", "meetingIds")} <= paths
    assert any(f["check"] == "drift" and f["state"] == "warned" for f in data["findings"])
    getsession = next(op for op in data["coverage"]["operations"] if op["operationId"] == "getSession")
    assert getsession["statuses"]["404"] == {"documented": True, "served": getsession["statuses"]["404"]["served"]}
    assert getsession["statuses"]["401"]["documented"] is True
    assert data["coverage"]["summary"] == {"documented": 4, "documented_served": 4, "ratio": 1.0, "missing": []}
    assert data["repetitions"]["requests"] > 0
    summary = (tmp_path / "out" / "contract.md").read_text()
    assert summary.startswith("### Contract kit: kept\n")
    assert "| `schema` |" in summary
    assert "| `getSession` | 500 | yes |" in summary
    assert "undocumented `endState`" in summary
    assert f"contract report: {report} and {tmp_path / 'out' / 'contract.md'}" in result.stdout.str()
    assert re.search(r'<testsuite [^>]*tests="\d+"', junit.read_text())  # pytest's own JUnit XML, as before


def test_a_broken_run_reports_its_failures_and_never_the_key(run_kit: Run, tmp_path: Path) -> None:
    report = tmp_path / "contract-report"
    result = run_kit("intermittent", *KNOWN, "--contract-report", str(report), "--contract-min-coverage", "100")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    data = json.loads(report.read_text())
    assert data["verdict"]["broken"] is True
    assert data["checks"]["schema"]["failed"] > 0
    assert any(f["check"] == "schema" and "botStartSeconds" in f["message"] for f in data["findings"])
    assert data["coverage_gap"].endswith("missing: getSession 500")
    markdown = (tmp_path / "contract-report.md").read_text()
    assert markdown.startswith("### Contract kit: BROKEN\n")
    assert "**Failures**" in markdown
    assert SELFTEST_KEY not in report.read_text() + markdown


def test_an_unwritable_report_is_a_clear_error(run_kit: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run_kit("none", *KEY, "-k", "spec", "--contract-report", str(blocker / "report.json"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"contract report: cannot write {blocker / 'report.json'}" in result.stdout.str()


def test_a_bad_min_coverage_is_a_usage_error(run_kit: Run) -> None:
    result = run_kit("none", "--contract-min-coverage", "120")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--contract-min-coverage '120' is not valid. Valid values: a percentage from 0*"])
