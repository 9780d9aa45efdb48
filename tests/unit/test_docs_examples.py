"""Every example in the docs is a file under docs/examples/, run here the way a user's project runs it.

The pages include these files (pymdownx.snippets), so what the docs show is what passes here; the README's
quick-start test is checked to be the same text as its file.
"""

from __future__ import annotations

import re
import runpy
import shutil

import pytest

from tests.support import REPO

ROOT = REPO
EXAMPLES = ROOT / "docs" / "examples"
# Each example file, and how many tests it holds (None: a plain script).
RUN_HERE = {
    "test_quickstart.py": 1,
    "test_session_summary.py": 3,
    "test_unauthorized.py": 2,
    "conftest_fixtures.py": None,
    "in_process.py": None,
}


def test_every_example_file_is_run_here() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(RUN_HERE)


def test_every_example_file_is_included_by_a_page() -> None:
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    for name in RUN_HERE:
        if name != "test_quickstart.py":  # the README shows that one
            # The block form, which ruff's formatter of Markdown code blocks leaves alone.
            assert f"```python\n--8<--\ndocs/examples/{name}\n--8<--\n```" in pages, name


def test_the_readme_quick_start_is_the_tested_file() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    quick_start = (EXAMPLES / "test_quickstart.py").read_text(encoding="utf-8")
    assert quick_start in blocks
    assert len(quick_start.splitlines()) <= 8


@pytest.mark.parametrize("name", [name for name, tests in RUN_HERE.items() if tests])
def test_the_example_tests_pass(pytester: pytest.Pytester, name: str) -> None:
    shutil.copy(EXAMPLES / name, pytester.path / name)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", name)
    result.assert_outcomes(passed=RUN_HERE[name])


def test_the_conftest_example_loads_a_fixtures_directory(pytester: pytest.Pytester) -> None:
    shutil.copy(EXAMPLES / "conftest_fixtures.py", pytester.path / "conftest.py")
    shutil.copytree(ROOT / "fixtures", pytester.path / "fixtures")  # the example's `fixtures/` beside it
    pytester.makepyfile(
        test_config="""
import requests

def test_only_fixture_sessions_exist(pipecat_mock):
    base = pipecat_mock.api_url + "/agents/support-bot/sessions/"
    known = requests.get(base + "800d444a-e67e-4686-afb3-b0de509cccb3", headers=pipecat_mock.headers, timeout=5)
    assert known.json()["createdAt"] == "2025-10-22T08:39:20.000Z"
    unknown = requests.get(base + "6f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f", headers=pipecat_mock.headers, timeout=5)
    assert unknown.status_code == 404
"""
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_in_process_example_runs() -> None:
    runpy.run_path(str(EXAMPLES / "in_process.py"), run_name="__main__")
