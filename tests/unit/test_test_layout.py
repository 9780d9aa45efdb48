"""The tests' own layout: a test module never imports another test module; what tests share lives in
tests/support/ (helpers, constants) or in a conftest.py (fixtures); servers are started in one place,
tests/support/servers.py."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import REPO

TESTS = REPO / "tests"


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts)


def _imported(source: str, module: str) -> set[str]:
    """Every module `source` (the text of `module`) imports, at any depth (inside functions too), as dotted names."""
    found: set[str] = set()
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source, filename=module)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import test_x`
    return found


def _is_test_module(name: str) -> bool:
    return name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_")


def test_no_test_module_imports_another() -> None:
    files = sorted(TESTS.rglob("*.py"))
    test_modules = {_module_name(p) for p in files if p.name.startswith("test_")}
    assert len(test_modules) > 50, f"found only {len(test_modules)} test modules under {TESTS}"
    crossings = [
        f"{path.relative_to(REPO)} imports {name}"
        for path in files
        for name in sorted(_imported(path.read_text(), _module_name(path)))
        if _is_test_module(name) and name in test_modules and name != _module_name(path)
    ]
    assert crossings == [], "move what they share to tests/support/ or a conftest.py:\n" + "\n".join(crossings)


def test_the_checker_sees_every_form_of_import() -> None:
    forms = {
        "import tests.unit.mocker.test_realism": "tests.unit.mocker.test_realism",
        "from tests.unit.mocker import test_realism": "tests.unit.mocker.test_realism",
        "from tests.unit.mocker.test_realism import check": "tests.unit.mocker.test_realism",
        "from .test_realism import check": "tests.unit.mocker.test_realism",
        "from ..spec.test_spec_loading import X": "tests.unit.spec.test_spec_loading",
        "def f():\n    from tests.e2e.test_e2e import start": "tests.e2e.test_e2e",
    }
    for source, expected in forms.items():
        assert expected in _imported(source, "tests.unit.mocker.test_probe"), source


SPAWNER = TESTS / "support" / "servers.py"
# Calls that start a long-running server: a process left to run, or a WSGI/HTTP server on a thread.
_STARTS_A_SERVER = {"Popen", "make_server", "HTTPServer", "ThreadingHTTPServer", "WSGIServer", "serve_forever"}


def _server_starts(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in _STARTS_A_SERVER:
                found.append(f"line {node.lineno}: {name}()")
    return found


def test_servers_are_started_only_by_the_one_spawner() -> None:
    files = sorted(TESTS.rglob("*.py"))
    assert SPAWNER in files
    assert _server_starts(SPAWNER.read_text()), "the spawner itself starts no server: is the check blind?"
    elsewhere = [
        f"{path.relative_to(REPO)} {start}"
        for path in files
        if path != SPAWNER
        for start in _server_starts(path.read_text())
    ]
    assert elsewhere == [], "start servers with tests/support/servers.py (run_cli, serve_in_thread):\n" + "\n".join(
        elsewhere
    )
