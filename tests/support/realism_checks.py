"""Checks of the realism rules, written from the rules as the docs state them (docs/realism.md), not from the
generator's code: `rule_violations` for any schema (its own patterns, its own pairs, loose bounds), and
`check_session` for every rule of one Pipecat SessionResponse."""

from __future__ import annotations

import itertools
import math
import random
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
URL = re.compile(r"(https?|wss?)://[^\s/]+(/\S*)?")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}")
JWT = re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w.-]+")
KINDS = {"uuid": UUID, "date-time": RFC3339, "uri": URL, "email": EMAIL, "token": JWT}
EARLIER_LATER = [
    ("createdAt", "updatedAt"),
    ("createdAt", "deletedAt"),
    ("createdAt", "endedAt"),
    ("createdAt", "startedAt"),
    ("createdAt", "completedAt"),
    ("startedAt", "completedAt"),
    ("startedAt", "endedAt"),
]
EARLIER_LATER += [(_a.replace("At", "_at").lower(), _b.replace("At", "_at").lower()) for _a, _b in EARLIER_LATER]


def _kind(example: Any) -> str | None:
    return next((k for k, p in KINDS.items() if isinstance(example, str) and p.fullmatch(example)), None)


def _when(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def rule_violations(
    schema: Mapping[str, Any] | None, value: Any, params: Mapping[str, str] | None = None, where: str = "body"
) -> list[str]:
    """Every general rule `value` breaks, each as 'where: what'."""
    found: list[str] = []
    _check(schema or {}, value, dict(params or {}), where, found)
    return found


def _merged(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    if "allOf" in schema:
        out: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = _merged(part)
            out["properties"] = {**out.get("properties", {}), **(part.get("properties") or {})}
            out["required"] = [*out.get("required", []), *(part.get("required") or [])]
            out.update({k: v for k, v in part.items() if k not in ("properties", "required")})
        return out
    for combinator in ("oneOf", "anyOf"):
        if schema.get(combinator):
            return _merged(schema[combinator][0])
    return schema


def _check(schema: Mapping[str, Any], value: Any, params: dict[str, str], where: str, found: list[str]) -> None:
    schema = _merged(schema)
    if value is None:
        if not (schema.get("nullable") or "null" in (schema.get("type") or []) or None in schema.get("enum", [])):
            found.append(f"{where}: null, but the schema is not nullable")
        return
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} is not in the enum")
    listed = re.search(r"one of:? ((?:`[^`]+`(?:, | or | and )?)+)", str(schema.get("description") or ""))
    if listed and isinstance(value, str) and value not in re.findall(r"`([^`]+)`", listed.group(1)):
        found.append(f"{where}: {value!r} is not one of the values its description lists")
    example = schema.get("example")
    kind = _kind(example) if isinstance(value, str) and "format" not in schema else None
    if kind and not KINDS[kind].fullmatch(value):
        found.append(f"{where}: {value!r} is not a {kind} like its example {example!r}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        _check_number(schema, value, where, found)
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check(schema.get("items") or {}, item, params, f"{where}[{i}]", found)
    if isinstance(value, dict):
        _check_object(schema, value, params, where, found)


def _check_number(schema: Mapping[str, Any], value: float, where: str, found: list[str]) -> None:
    if "minimum" in schema and value < schema["minimum"]:
        found.append(f"{where}: {value} is below the minimum {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        found.append(f"{where}: {value} is above the maximum {schema['maximum']}")
    example = schema.get("example")
    if isinstance(example, int | float) and example > 0 and value > 10 * example + 10:
        found.append(f"{where}: {value} is far above the size of its example {example}")


def _check_object(
    schema: Mapping[str, Any], value: dict[str, Any], params: dict[str, str], where: str, found: list[str]
) -> None:
    props = schema.get("properties") or {}
    for name in schema.get("required") or ():
        if name not in value:
            found.append(f"{where}: required field {name} is absent")
    for name, sub in props.items():
        if name in value:
            _check(sub, value[name], params, f"{where}.{name}", found)
    for earlier, later in EARLIER_LATER:
        a, b = value.get(earlier), value.get(later)
        times = isinstance(a, str) and isinstance(b, str) and RFC3339.fullmatch(a) and RFC3339.fullmatch(b)
        if times and _when(a) > _when(b):
            found.append(f"{where}: {earlier} {a} is after {later} {b}")
    for name, low in value.items():
        match = re.fullmatch(r"min([A-Z_]\w*)", name)
        high = value.get("max" + match.group(1)) if match else None
        if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
            found.append(f"{where}: {name} {low} is above max{match.group(1) if match else ''} {high}")
    lists = {k: v for k, v in value.items() if isinstance(v, list)}
    for name, count in value.items():
        if not isinstance(count, int) or isinstance(count, bool):
            continue
        counted = _counted(name, lists)
        if counted is None:
            continue
        length = len(lists[counted])
        if "total" in name.lower() and count < length:
            found.append(f"{where}: {name} {count} is below the {length} items of {counted}")
        elif "total" not in name.lower() and count != length:
            found.append(f"{where}: {name} {count} is not the {length} items of {counted}")
    for param, given_value in params.items():
        for name in (param, re.sub(r"(?<!^)([A-Z])", r"_\1", param).lower()):
            sub = props.get(name) or {}
            if name in value and sub.get("type") == "string" and "format" not in sub and value[name] != given_value:
                found.append(f"{where}: {name} {value[name]!r} does not echo the parameter {param}={given_value!r}")


def _counted(name: str, lists: Mapping[str, list[Any]]) -> str | None:
    if name in ("total", "total_count", "totalCount", "count") and len(lists) == 1:
        return next(iter(lists))
    match = re.fullmatch(r"(\w+?)(Count|_count)", name)
    if match:
        stem = match.group(1).lower()
        return next((k for k in lists if k.lower() in (stem, stem + "s")), None)
    return None


RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")
NAMED_STATUSES = {"HTTP_COMPLETED", "HTTP_ERROR", "WS_CONNECTION_CLOSED"}
MIB = 1024 * 1024


def session_ids(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]


def when(text: str) -> datetime:
    assert RFC3339_UTC.fullmatch(text), text
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def check_session(body: dict[str, Any], session_id: str) -> None:
    """Every realism rule of one SessionResponse."""
    assert body["sessionId"] == session_id
    for key in ("serviceId", "organizationId", "deploymentId"):
        assert uuid.UUID(body[key]).version == 4
    created, updated = when(body["createdAt"]), when(body["updatedAt"])
    assert created <= updated
    active = body["endedAt"] is None
    assert active == (body["completionStatus"] is None)
    if not active:
        ended = when(body["endedAt"])
        assert created <= ended
        assert updated == ended
        status = body["completionStatus"]
        assert status in NAMED_STATUSES or re.fullmatch(r"[1-5]\d\d", status), status
    # botStartSeconds and coldStart: both known or both unknown; cold starts take longer than any warm one.
    assert (body["botStartSeconds"] is None) == (body["coldStart"] is None)
    if body["coldStart"] is True:
        assert body["botStartSeconds"] >= 5
    elif body["coldStart"] is False:
        assert 0 <= body["botStartSeconds"] <= 3
    check_metrics(body, session_id, created, when(body["endedAt"]) if not active else updated)
    for meeting in body["meetingIds"]:
        uuid.UUID(meeting["meetingId"])
        uuid.UUID(meeting["participantId"])


def check_metrics(body: dict[str, Any], session_id: str, created: datetime, end: datetime) -> None:
    metrics = body["resourceMetrics"]
    if metrics is None:
        return
    uuid.UUID(metrics["id"])
    assert metrics["sessionId"] == session_id
    series = metrics["timeseries"]
    assert series
    assert metrics["sampleCount"] == len(series)
    times = [s["t"] for s in series]
    assert len({b - a for a, b in itertools.pairwise(times)}) <= 1, "samples at a fixed interval"
    assert times == sorted(times)
    assert created.timestamp() <= times[0]
    assert times[-1] <= end.timestamp()
    assert when(metrics["eventTs"]).timestamp() == times[-1]
    assert created <= when(metrics["createdAt"])
    for unit, key in (("cpuMillicores", "c"), ("memoryBytes", "m")):
        values = sorted(s[key] for s in series)
        percentiles = [metrics[f"{unit}P{q}"] for q in (50, 90, 95, 99)]
        assert percentiles == sorted(percentiles), f"{unit} percentiles out of order: {percentiles}"
        assert values[0] <= percentiles[0]
        assert percentiles[-1] <= values[-1]
        # Computed from the series (nearest rank), not invented beside it.
        assert percentiles == [values[max(0, math.ceil(q / 100 * len(values)) - 1)] for q in (50, 90, 95, 99)]
    # A voice agent: hundreds of millicores, hundreds of megabytes.
    assert all(5 <= s["c"] <= 2_000 for s in series)
    assert 50 <= metrics["cpuMillicoresP50"] <= 1_000
    assert all(64 * MIB <= s["m"] <= 2_048 * MIB for s in series)
