"""The report's plain parts without a run: coverage from counts, the gap line, where the Markdown goes, and
the docs' options table naming every option with its variable."""

from __future__ import annotations

from pathlib import Path

from pipecat_cloud_mock import load_spec
from pipecat_cloud_mock.contract.coverage import coverage, gap_line
from pipecat_cloud_mock.contract.options import OPTIONS
from pipecat_cloud_mock.contract.report_files import markdown_path

from tests.support import REPO

DOCS = REPO / "docs" / "contract-kit.md"


def test_coverage_lists_every_documented_status_and_every_returned_one() -> None:
    operation = load_spec().operation("getSession")
    report = coverage([operation], {("getSession", 200): 3, ("getSession", 418): 2, ("other", 500): 9})
    statuses = report["operations"][0]["statuses"]
    assert statuses["200"] == {"documented": True, "served": 3}
    assert statuses["418"] == {"documented": False, "served": 2}
    assert statuses["500"] == {"documented": True, "served": 0}  # another operation's 500 is not this one's
    assert report["summary"] == {
        "documented": 4,
        "documented_served": 1,
        "ratio": 0.25,
        "missing": ["getSession 401", "getSession 404", "getSession 500"],
    }
    assert gap_line(report, 26) == (
        "coverage gap: 25.0% of the documented statuses returned, below --contract-min-coverage 26; "
        "missing: getSession 401, getSession 404, getSession 500"
    )
    assert gap_line(report, 25) is None
    assert gap_line(report, None) is None


def test_the_markdown_summary_goes_beside_the_json() -> None:
    assert markdown_path(Path("out/contract.json")) == Path("out/contract.md")
    assert markdown_path(Path("out/contract")) == Path("out/contract.md")
    assert markdown_path(Path("report.txt")) == Path("report.txt.md")


def test_the_docs_table_names_every_option_with_its_variable() -> None:
    rows = [line for line in DOCS.read_text(encoding="utf-8").splitlines() if line.startswith("| `--contract-")]
    for option in OPTIONS:
        assert any(option.flag in row and option.env in row for row in rows), option.flag
