"""pytest imports the `pipecat_mock` plugin in every run where the package is installed: it must stay light.

The heavy parts (Flask, werkzeug, openapi-core, the app) load when a test first asks for the fixture.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pipecat_cloud_mock
import pytest

from tests.support import REPO

ROOT = REPO
HEAVY = (
    "flask",
    "werkzeug",
    "openapi_core",
    "pipecat_cloud_mock.http.app",
    "pipecat_cloud_mock.pipeline.mock",
    "pipecat_cloud_mock.spec.loader",
)


def modules_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(json.loads(done.stdout))


def test_importing_the_plugin_imports_neither_flask_nor_openapi_core() -> None:
    loaded = modules_after("import pipecat_cloud_mock.pytest_plugin")
    assert "pipecat_cloud_mock.pytest_plugin" in loaded
    assert sorted(loaded & set(HEAVY)) == []


def test_the_guard_sees_a_heavy_import() -> None:
    # The check above must be able to fail: the app's import does pull these in.
    assert set(HEAVY) <= modules_after("import pipecat_cloud_mock.pytest_plugin, pipecat_cloud_mock.http.app")


def test_the_package_names_load_on_first_access() -> None:
    assert modules_after("import pipecat_cloud_mock").isdisjoint(HEAVY)
    assert set(pipecat_cloud_mock.__all__) <= set(dir(pipecat_cloud_mock))
    for name in pipecat_cloud_mock.__all__:
        assert getattr(pipecat_cloud_mock, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = pipecat_cloud_mock.nothing  # type: ignore[attr-defined]


def test_the_benchmark_script_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "plugin_import.py"), "--rounds", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"^pytest \+ plugin / pytest\s+[\d.]+x\s+\(ceiling 1\.15x\)$", done.stdout, re.M), done.stdout
