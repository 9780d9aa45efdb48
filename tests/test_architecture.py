"""The stages of the pipeline stay free of HTTP frameworks, so they remain testable with plain values."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mockserver

PACKAGE = Path(mockserver.__file__).parent
HTTP_FRAMEWORKS = {"flask", "werkzeug", "gunicorn"}
# The only modules allowed to know about HTTP servers and frameworks.
HTTP_SHELL = {"_app", "_wsgi_shell", "_admin", "_server", "_cli", "pytest_plugin"}


def _imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


# Every module at any depth, so moving modules into subpackages cannot leave this test checking nothing.
MODULES = sorted(PACKAGE.rglob("*.py"))
MIN_MODULES = 30
STAGE_MODULES = [p for p in MODULES if p.stem not in HTTP_SHELL]


def test_the_scan_finds_every_module() -> None:
    assert len(MODULES) >= MIN_MODULES, f"only {len(MODULES)} modules found under {PACKAGE}: is the walk broken?"
    assert PACKAGE / "__init__.py" in STAGE_MODULES


@pytest.mark.parametrize("path", STAGE_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_stage_modules_do_not_import_http_frameworks(path: Path) -> None:
    leaked = _imported_top_levels(path) & HTTP_FRAMEWORKS
    assert not leaked, f"{path.name} imports {sorted(leaked)}; only {sorted(HTTP_SHELL)} may"


def test_the_rule_sees_imports() -> None:
    # Guard against a parser that finds nothing: the shell really does import Flask.
    assert "flask" in _imported_top_levels(PACKAGE / "_app.py")
