"""Local `$ref`s followed to any depth: a reference to a reference, references inside what one points to, and
recursive schemas (a tree node whose children are nodes), which expand to a graph that points back at itself.

What cannot be served is a SpecError naming the reference: one that points at nothing, or a chain of references
that comes back to where it started with nothing in between (A -> B -> A), which names no value at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipecat_cloud_mock.errors import SpecError

MAX_NESTING = 256  # levels of mappings and lists, references not counted


def follow(document: Mapping[str, Any], ref: str) -> Any:
    """What one local reference (`#/a/b~1c/0`) points at."""
    if not ref.startswith("#/"):
        raise SpecError("spec", f"only local $refs (#/...) are supported, found {ref!r}")
    node: Any = document
    walked = "#"
    for part in ref[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, Mapping) and key in node:
            node = node[key]
        else:
            raise SpecError("spec", f"the $ref {ref!r} points at nothing: {walked!r} has no {key!r}")
        walked += "/" + part
    return node


def _ref_of(node: Any) -> str | None:
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    return ref if isinstance(ref, str) else None


def target(document: Mapping[str, Any], node: Any) -> Any:
    """The node a chain of references ends at (`node` itself when it is no reference)."""
    return _chain(document, node)[1]


def _chain(document: Mapping[str, Any], node: Any) -> tuple[list[str], Any]:
    chain: list[str] = []
    while (ref := _ref_of(node)) is not None:
        if ref in chain:
            loop = " -> ".join([*chain[chain.index(ref) :], ref])
            problem = f"the $ref {chain[0]!r} leads back to itself with nothing in between ({loop}): it names no value"
            raise SpecError("spec", problem)
        chain.append(ref)
        node = follow(document, ref)
    return chain, node


def check_refs(document: Mapping[str, Any], node: Any) -> None:
    """Every reference under `node`, and under what each points to, resolves and ends somewhere."""
    seen: set[str] = set()
    visited: set[int] = set()  # YAML aliases can make a document share (or contain) its own nodes
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping | list):
            if id(item) in visited:
                continue
            visited.add(id(item))
        if isinstance(item, Mapping):
            ref = _ref_of(item)
            if ref is not None:
                if ref not in seen:
                    seen.add(ref)
                    stack.append(target(document, item))
                continue
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def resolve_refs(document: Mapping[str, Any], node: Any) -> Any:
    """A copy of `node` with every local `$ref` replaced by what it points to.

    A reference met again inside its own expansion (a recursive schema) is the very mapping being built, so the
    copy is a finite graph with a cycle; any other reference gets a copy of its own.
    """
    return _Expansion(document).copy(node, 0)


class _Expansion:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.open: dict[str, Any] = {}  # references being expanded on the current path -> their copy

    def copy(self, node: Any, depth: int) -> Any:
        if depth > MAX_NESTING:
            raise SpecError("spec", f"the document nests deeper than {MAX_NESTING} levels; the mock cannot expand it")
        if isinstance(node, Mapping):
            ref = _ref_of(node)
            if ref is not None:
                return self._expand(ref, node, depth)
            return {key: self.copy(value, depth + 1) for key, value in node.items()}
        if isinstance(node, list):
            return [self.copy(value, depth + 1) for value in node]
        return node

    def _expand(self, ref: str, node: Mapping[str, Any], depth: int) -> Any:
        if ref in self.open:
            return self.open[ref]
        chain, found = _chain(self.document, node)
        opened = next((self.open[name] for name in chain if name in self.open), None)
        if opened is not None:  # a reference to a reference being expanded: the same recursion
            return opened
        if not isinstance(found, Mapping):
            return self.copy(found, depth + 1)
        out: dict[str, Any] = {}
        self.open.update(dict.fromkeys(chain, out))  # every name of the chain stands for this one copy
        try:
            out.update((key, self.copy(value, depth + 1)) for key, value in found.items())
        finally:
            for name in chain:
                del self.open[name]
        return out
