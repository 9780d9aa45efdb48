"""Hypothesis strategies derived from the spec's schemas, requests to send, and the planted-violation mutator.

hypothesis-jsonschema ignores `nullable` and `format: uuid`, and crashes on object schemas with current
Hypothesis, so schemas are walked here: nullable -> also None, uuid -> st.uuids(), date-time -> aware datetimes.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from pipecat_cloud_mock.contract.target import BAD_CREDENTIALS, VALID_CREDENTIALS, Credentials, Request, session_request
from pipecat_cloud_mock.spec.openapi import json_path

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=20)


def from_schema(schema: Mapping[str, Any] | None, fill: bool = False) -> st.SearchStrategy[Any]:
    """Values valid against an OpenAPI 3.0 schema. `fill`: every property present, arrays non-empty."""
    schema = schema or {}
    if "enum" in schema:
        base: st.SearchStrategy[Any] = st.sampled_from(list(schema["enum"]))
    else:
        base = _typed(schema, fill)
    return st.none() | base if schema.get("nullable") else base


def _typed(schema: Mapping[str, Any], fill: bool) -> st.SearchStrategy[Any]:
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if kind == "object":
        props = {name: from_schema(sub, fill) for name, sub in (schema.get("properties") or {}).items()}
        required = set(schema.get("required") or ()) if not fill else set(props)
        return st.fixed_dictionaries(
            {k: v for k, v in props.items() if k in required},
            optional={k: v for k, v in props.items() if k not in required},
        )
    if kind == "array":
        low = max(int(schema.get("minItems", 0)), 1 if fill else 0)
        return st.lists(from_schema(schema.get("items"), fill), min_size=low, max_size=max(low, 3))
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        return _string(schema)
    return JSON_SCALARS


def _string(schema: Mapping[str, Any]) -> st.SearchStrategy[str]:
    fmt = schema.get("format")
    if fmt == "uuid":
        return st.uuids().map(str)
    if fmt == "date-time":
        return aware_datetimes().map(_rfc3339)
    if fmt == "date":
        return st.dates().map(lambda d: d.isoformat())
    return st.text(min_size=int(schema.get("minLength", 0)), max_size=schema.get("maxLength", 40))


def aware_datetimes() -> st.SearchStrategy[datetime]:
    offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
    return st.datetimes(
        min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC) | offsets
    )


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# ---- the planted-violation mutator (negative payload tests) ----

MALFORMED_DATE_TIMES = (
    "22/10/2025 08:39:20",
    "2025-10-22",
    "2025-10-22T08:39:20",  # no offset: not RFC 3339
    "2025-13-01T00:00:00Z",
    "2025-10-22T25:00:00Z",
    "yesterday",
    "",
)


@dataclass(frozen=True)
class Planted:
    path: str  # where the violation is, in Violation.where notation ("resourceMetrics.timeseries[0].c")
    kind: str
    value: Any


def _mutations(schema: Mapping[str, Any], value: Any) -> list[tuple[str, Any]]:
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    found: list[tuple[str, Any]] = []
    if value is not None and not schema.get("nullable"):
        found.append(("null in a non-nullable field", None))
    if kind == "object":
        found += [("array instead of object", []), ("string instead of object", "object")]
    elif kind == "array":
        found += [("object instead of array", {}), ("string instead of array", "array")]
    elif kind == "integer":
        found += [("string instead of integer", "12"), ("fraction for integer", 1.5), ("boolean for integer", True)]
    elif kind == "boolean":
        found += [("string instead of boolean", "true"), ("integer instead of boolean", 1)]
    elif kind == "string":
        found += [("integer instead of string", 12), ("boolean instead of string", False), ("array for string", [])]
        if schema.get("format") == "date-time":
            found += [(f"malformed date-time {bad!r}", bad) for bad in MALFORMED_DATE_TIMES]
        if schema.get("format") == "uuid":
            found += [("malformed uuid", "not-a-uuid")]
    return found


def _sites(schema: Mapping[str, Any], value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """(path, mutation) for every place in `value` a violation can be planted."""
    sites = [(path, m) for m in _mutations(schema, value)]
    if isinstance(value, dict):
        for name, sub in (schema.get("properties") or {}).items():
            if name in value:
                sites += _sites(sub, value[name], (*path, name))
    elif isinstance(value, list) and schema.get("items"):
        for i, item in enumerate(value):
            sites += _sites(schema["items"], item, (*path, i))
    return sites


def plant_violation(schema: Mapping[str, Any], value: Any, choose: st.DataObject) -> tuple[Any, Planted]:
    """A deep copy of `value` with one violation planted at a site `choose` draws (so Hypothesis can shrink it)."""
    sites = _sites(schema, value)
    path, (kind, bad) = choose.draw(st.sampled_from(sites), label="site")
    mutated = copy.deepcopy(value)
    if not path:
        mutated = bad
    else:
        parent: Any = mutated
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = bad
    return mutated, Planted(json_path(path), kind, bad)


# ---- requests ----

_ODD = "äé日本 -_.~!$&'()*+,;=:@%/?#[]\"<>\\^`{|}"
agent_names: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(["my-agent", "agent_1", "Agent.With.Dots", "a", "x" * 64]),
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")) | st.sampled_from(_ODD),
        min_size=1,
        max_size=40,
    ),
).filter(lambda name: name.strip(".") != "")  # "." and ".." are path segments, not names


def _not_a_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return True
    return len(text) != 36 or any(text[i] != "-" for i in (8, 13, 18, 23))


valid_session_ids: st.SearchStrategy[str] = st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper())
invalid_session_ids: st.SearchStrategy[str] = st.one_of(
    st.uuids().map(lambda u: u.hex),  # no dashes
    st.uuids().map(lambda u: str(u)[:-1]),  # one digit short
    st.uuids().map(lambda u: str(u) + "0"),
    st.uuids().map(lambda u: "{" + str(u) + "}"),
    st.text(min_size=1, max_size=40).filter(lambda t: t.strip(".") != ""),
).filter(_not_a_uuid)
session_ids = valid_session_ids | invalid_session_ids


def credentials(with_key: bool) -> st.SearchStrategy[Credentials]:
    bad = st.sampled_from(BAD_CREDENTIALS)
    return st.just(VALID_CREDENTIALS) | bad if with_key else bad


def requests(with_key: bool) -> st.SearchStrategy[Request]:
    """Session-details requests: odd agent names, valid and invalid ids, good, missing and bad credentials."""
    return st.builds(session_request, agent_names, session_ids, credentials(with_key))
