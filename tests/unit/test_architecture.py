"""ARCHITECTURE.md's layer table is the rule, and this test enforces it over every module of the package.

Each module belongs to a layer: a subpackage (`pipeline`, `state`, ...) or a top-level module (`faults`, ...).
A module may import its own layer and the layers its row names, nothing else of the package; only the HTTP
layers may import a web framework or server; no layer imports another's private names; the layers form no
cycle; and the longest chain of module imports (the floors) stays short.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pipecat_cloud_mock
import pytest

PACKAGE = Path(pipecat_cloud_mock.__file__).parent
NAME = "pipecat_cloud_mock"
MAIN = NAME + ".__main__"
ARCHITECTURE = PACKAGE.parents[1] / "ARCHITECTURE.md"
HTTP_FRAMEWORKS = {"flask", "werkzeug", "gunicorn", "granian"}
# contract: its in-process target drives the app through werkzeug's test client.
WEB_LAYERS = {"http", "cli", "pytest_plugin", "contract"}
MAX_FLOORS = 10
_ROW = re.compile(r"^\|\s*(?P<layers>`[^|]+)\|\s*(?P<allowed>[^|]*)\|", re.M)
_NAME = re.compile(r"`([a-z_]+)`")


def layer_table() -> dict[str, set[str]]:
    """layer -> the package layers it may import, read from ARCHITECTURE.md ("anything" allows all)."""
    section = ARCHITECTURE.read_text(encoding="utf-8").split("## Layers", 1)[1].split("\n## ", 1)[0]
    table: dict[str, set[str]] = {}
    for row in _ROW.finditer(section):
        allowed = set(_NAME.findall(row["allowed"]))
        if "anything" in row["allowed"]:
            allowed = {"*"}
        for layer in _NAME.findall(row["layers"]):
            table[layer] = allowed
    return table


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found[".".join((NAME, *parts)).removesuffix(".__init__")] = path
    return found


def layer_of(module: str) -> str:
    rest = module.removeprefix(NAME).lstrip(".")
    if not rest:
        return "__init__"
    return rest.split(".")[0]


def imports(module: str, path: Path) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(imported module, names) for every import in the file, at any depth (lazy imports count too)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0]
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            yield target, tuple(alias.name for alias in node.names)


def package_targets(target: str, names: tuple[str, ...], known: dict[str, Path]) -> set[str]:
    """The package's modules an import statement reaches: `from a.b import c` may name module a.b.c."""
    if target != NAME and not target.startswith(NAME + "."):
        return set()
    reached = {f"{target}.{name}" for name in names if f"{target}.{name}" in known}
    return reached or {target}


MODULES = modules()
TABLE = layer_table()


def test_the_rule_sees_the_whole_package() -> None:
    # Guards against a rule that passes vacuously: every subpackage is seen, and the table names every layer.
    assert len(MODULES) >= 40, sorted(MODULES)
    layers = {layer_of(m) for m in MODULES}
    assert {"pipeline", "state", "mocker", "http", "spec", "cli", "contract", "record"} <= layers
    assert layers - {"__init__", "__main__"} <= set(TABLE), (
        f"layers missing from ARCHITECTURE.md: {layers - set(TABLE)}"
    )
    assert "flask" in {t for t, _ in imports(f"{NAME}.http.app", MODULES[f"{NAME}.http.app"])}


@pytest.mark.parametrize("module", sorted(MODULES), ids=lambda m: m.removeprefix(NAME + "."))
def test_a_module_imports_only_what_its_layer_may(module: str) -> None:
    own = layer_of(module)
    allowed = TABLE.get(own, {"*"} if own in ("__init__", "__main__") else set())
    problems = []
    for target, names in imports(module, MODULES[module]):
        top = target.split(".")[0]
        if top in HTTP_FRAMEWORKS and own not in WEB_LAYERS:
            problems.append(f"imports {target}: only {sorted(WEB_LAYERS)} may know the web stack")
        for reached in package_targets(target, names, MODULES):
            other = layer_of(reached)
            if other == "__init__" and own != "__init__":
                problems.append(f"imports the package root ({target}); import the module that defines the name")
            elif other not in (own, "__init__") and "*" not in allowed and other not in allowed:
                problems.append(f"imports {reached} (layer {other}); layer {own} may import {sorted(allowed)}")
            if other != own and reached == target:
                private = [n for n in names if n.startswith("_")]
                if private:
                    problems.append(f"imports private names {private} from {reached}")
    assert not problems, f"{module}: " + "; ".join(problems)


def _module_level(tree: ast.Module) -> Iterator[ast.stmt]:
    """The statements that run when the module is imported (not functions, not `if TYPE_CHECKING:`)."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
            todo += [*node.body, *node.orelse]
        elif isinstance(node, ast.Try):
            todo += [*node.body, *node.orelse, *node.finalbody, *(s for h in node.handlers for s in h.body)]


def _graph(at_import: bool = False) -> dict[str, set[str]]:
    """Module -> the package modules it imports; `at_import`: only those loaded when it is imported."""
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        reached: set[str] = set()
        found = imports(module, path)
        if at_import:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            kept = {id(n) for n in _module_level(tree)}
            found = (
                pair for pair, node in zip(imports(module, path), _import_nodes(tree), strict=True) if id(node) in kept
            )
        for target, names in found:
            reached |= package_targets(target, names, MODULES)
        graph[module] = reached - {module}
    return graph


def _import_nodes(tree: ast.Module) -> Iterator[ast.stmt]:
    """The import statements in the order `imports` yields their targets (one per alias for `import a, b`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (node for _ in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node


def test_the_layers_form_no_cycle() -> None:
    edges = {(layer_of(a), layer_of(b)) for a, bs in _graph().items() for b in bs if layer_of(a) != layer_of(b)}
    edges = {(a, b) for a, b in edges if "__init__" not in (a, b) and "__main__" not in (a, b)}
    layers = {x for edge in edges for x in edge}
    order: list[str] = []
    remaining = set(layers)
    while remaining:
        free = {x for x in remaining if not any(a == x and b in remaining for a, b in edges)}
        assert free, f"the layers form a cycle among {sorted(remaining)}"
        order += sorted(free)
        remaining -= free


def floors() -> tuple[int, list[str]]:
    """The longest chain of imports made when a module is imported (the package root and __main__ not counted)."""
    graph = {m: {d for d in ds if d != NAME} for m, ds in _graph(at_import=True).items() if m not in (NAME, MAIN)}

    @cache
    def longest(module: str) -> tuple[str, ...]:
        below = [longest(d) for d in graph.get(module, ()) if d != module]
        return (module, *max(below, key=len, default=()))

    chain = max((longest(m) for m in graph), key=len)
    return len(chain), list(chain)


def test_the_import_floors_stay_few() -> None:
    count, chain = floors()
    assert count <= MAX_FLOORS, f"{count} floors: " + " -> ".join(chain)
