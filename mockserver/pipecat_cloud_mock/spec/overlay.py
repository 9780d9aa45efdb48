"""Apply an OpenAPI Overlay 1.0 document (https://spec.openapis.org/overlay/v1.0.0) to a spec.

Only what the bundled overlays need: targets that name one node by a simple JSONPath (`$`, `$.paths`,
`$.paths['/a/{b}'].get`), with `update` (merged recursively; lists are appended) or `remove: true`.
Anything else is refused with a clear error rather than half-applied.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from pipecat_cloud_mock.errors import SpecError

_SEGMENT = re.compile(r"""\.([A-Za-z_][\w-]*)|\['((?:[^'\\]|\\.)*)'\]""")


def apply_overlay(document: Mapping[str, Any], overlay: Mapping[str, Any], source: object) -> dict[str, Any]:
    """A copy of `document` with the overlay's actions applied in order; SpecError names the bad action."""
    if not str(overlay.get("overlay", "")).startswith("1."):
        raise SpecError(source, f"not an Overlay 1.x document (overlay: {overlay.get('overlay')!r})")
    result = copy.deepcopy(dict(document))
    for index, action in enumerate(overlay.get("actions") or []):
        where = f"actions[{index}]"
        if not isinstance(action, Mapping) or not isinstance(action.get("target"), str):
            raise SpecError(source, f"{where}: needs a `target` (a JSONPath such as $.paths)")
        keys = _parse_target(action["target"], source, where)
        if action.get("remove") is True:
            parent = _walk(result, keys[:-1], source, where) if keys else None
            if not isinstance(parent, dict) or keys[-1] not in parent:
                raise SpecError(source, f"{where}: target {action['target']} names nothing to remove")
            del parent[keys[-1]]
        elif "update" in action:
            node = _walk(result, keys, source, where)
            if not isinstance(node, dict) or not isinstance(action["update"], Mapping):
                raise SpecError(source, f"{where}: `update` merges a mapping into a mapping target")
            _merge(node, action["update"])
        else:
            raise SpecError(source, f"{where}: an action needs `update` or `remove: true`")
    return result


def _parse_target(target: str, source: object, where: str) -> list[str]:
    if not target.startswith("$"):
        raise SpecError(source, f"{where}: target {target!r} must start with $")
    keys, position = [], 1
    while position < len(target):
        match = _SEGMENT.match(target, position)
        if not match:
            raise SpecError(
                source, f"{where}: target {target!r} is not supported. Valid values: $, $.name, $['key'] chains."
            )
        keys.append(match.group(1) if match.group(1) is not None else re.sub(r"\\(.)", r"\1", match.group(2)))
        position = match.end()
    return keys


def _walk(node: Any, keys: list[str], source: object, where: str) -> Any:
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            raise SpecError(source, f"{where}: target has no node at {key!r}")
        node = node[key]
    return node


def _merge(target: dict[str, Any], update: Mapping[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        elif isinstance(value, list) and isinstance(target.get(key), list):
            target[key].extend(copy.deepcopy(value))
        else:
            target[key] = copy.deepcopy(value)
