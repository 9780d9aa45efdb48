"""The package behaves in a user's project: its own `mockserver` and `contract_tests` modules shadow nothing.

`python -m pytest` puts the project's folder first on sys.path, so an import name the project also uses
would be the project's module, and the pytest11 entry point would fail before any test ran.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.support.commands import run_command

USER_TEST = """
import requests

def test_the_fixture_answers(pipecat_mock):
    import mockserver, contract_tests
    assert mockserver.MINE and contract_tests.MINE
    url = pipecat_mock.session_url("my-agent", "800d444a-e67e-4686-afb3-b0de509cccb3")
    assert requests.get(url, headers=pipecat_mock.headers, timeout=5).status_code == 200
"""


def test_a_project_with_its_own_mockserver_module_keeps_a_working_pytest(tmp_path: Path) -> None:
    (tmp_path / "mockserver.py").write_text("MINE = True\n")
    (tmp_path / "contract_tests").mkdir()
    (tmp_path / "contract_tests" / "__init__.py").write_text("MINE = True\n")
    (tmp_path / "test_user.py").write_text(USER_TEST)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "HYPOTHESIS_"))}
    result = run_command(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"], cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
