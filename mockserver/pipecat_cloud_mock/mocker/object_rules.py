"""Rules between the fields of one object: time pairs in order, min/max pairs ordered, counts that fit lists.

Compiled once per object schema from its property names and kinds; at generation time they touch only
the fields the walker generated, so values a provider or fixture gave are served as given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

# Which times come first: created <= started <= ended/completed/deleted <= updated (the last change of all).
_TIME_RANKS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (0, ("created", "requested", "queued", "submitted", "scheduled", "issued", "registered", "inserted")),
    (1, ("started", "start", "began", "begin", "opened", "launched", "accepted")),
    (2, ("ended", "end", "completed", "finished", "stopped", "deleted", "closed", "terminated", "expired")),
    (2, ("expires", "resolved", "cancelled", "canceled", "failed", "succeeded", "archived")),
    (3, ("updated", "modified", "lastupdated", "lastmodified", "changed", "lastseen", "refreshed")),
)
_TIME_SUFFIX = re.compile(r"(_?at|_?time|_?timestamp|_?date|_?ts|_?on)$", re.IGNORECASE)
_TIME_KINDS = ("date-time", "date")
_LIMIT_NAMES = ("limit", "pagesize", "page_size", "perpage", "per_page", "size", "max")
_OFFSET_NAMES = ("offset", "skip", "start")

Rule = Callable[[Any, dict[str, Any], set[str]], None]  # (rng, object, names generated) -> None


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "date-time", "integer", "array", ...
    low: float | None = None  # numeric bounds, so a rule never moves a value out of its schema's range
    high: float | None = None

    def allows(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


def time_rank(name: str) -> int | None:
    stem = _TIME_SUFFIX.sub("", name).replace("_", "").lower()
    for rank, words in _TIME_RANKS:
        if stem in words:
            return rank
    return None


def compile_rules(fields: Sequence[Field], disabled: frozenset[str]) -> Rule | None:
    rules: list[Rule] = []
    if "time-order" not in disabled:
        rules += _time_order(fields)
    if "min-max" not in disabled:
        rules += _min_max(fields)
    if "counts" not in disabled:
        rules += _counts(fields)
    if not rules:
        return None

    def apply(rng: Any, out: dict[str, Any], generated: set[str]) -> None:
        for rule in rules:
            rule(rng, out, generated)

    return apply


def related_fields(fields: Sequence[Field]) -> frozenset[str]:
    """Fields a rule ties to another (min/max pairs, counts and their lists): never left out alone."""
    names: set[str] = set()
    numeric = [f for f in fields if f.kind in ("integer", "number")]
    keys = {f.name: _pair_key(f.name) for f in numeric}
    for name, key in keys.items():
        if key and any(other != name and k and k[1] == key[1] for other, k in keys.items()):
            names.add(name)
    arrays = [f.name for f in fields if f.kind == "array"]
    for f in fields:
        stem = _stem(f.name)
        if f.kind == "integer" and arrays and ("total" in stem or stem.endswith("count")):
            rest = re.sub(r"(count|total)$", "", re.sub(r"^(total|num)", "", stem), count=1)
            if _counted_array(rest, arrays):
                names.add(f.name)
    return frozenset(names)


def parse_time(text: Any) -> datetime | None:
    """An RFC 3339 date-time or date (`Z` or `z` for UTC); None when it is not one. Without an offset: naive."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, AttributeError, TypeError):
        return None


def parse_iso_ms(text: Any) -> int | None:
    """Milliseconds since the epoch of an RFC 3339 date-time with an offset (None when it is not one)."""
    moment = parse_time(text)
    if moment is None or moment.tzinfo is None:
        return None
    return int(moment.timestamp() * 1000)


def _when(value: Any) -> datetime | None:
    """The moment a time field holds, for ordering: a date or a time without an offset counts as UTC."""
    moment = parse_time(value) if isinstance(value, str) else None
    return moment if moment is None or moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def raise_late_times(
    ranked: Sequence[tuple[str, int]],
    values: dict[str, Any],
    movable: Container[str],
    moment: Callable[[Any], Any] | None = None,
) -> None:
    """Time order over `ranked` (names and ranks, in rank order): a movable time earlier than the latest time of
    a lower rank moves up to it; the others stay. `moment` reads a value's time (none: values compare as given)."""
    floor: tuple[Any, Any] | None = None  # the latest time of the lower ranks, and the value that holds it
    latest: tuple[Any, Any] | None = None
    current = -1
    for name, rank in ranked:
        value = values.get(name)
        point = value if moment is None else moment(value)
        if point is None:
            continue
        if rank != current:
            floor, current = latest, rank
        if floor is not None and point < floor[0] and name in movable:
            values[name], point = floor[1], floor[0]
        if latest is None or point > latest[0]:
            latest = (point, values[name])


@dataclass(frozen=True)
class TimeOrder:
    """The time-order rule for fixed field names, for a layer that computes its own times (any comparable)."""

    ranked: tuple[tuple[str, int], ...]  # (name, rank) in rank order
    apply: Callable[[dict[str, Any], Container[str]], None]  # (values, movable names): reorders in place

    @classmethod
    def of(cls, names: Sequence[str]) -> TimeOrder:
        ranked = tuple(
            sorted(((n, rank) for n in names if (rank := time_rank(n)) is not None), key=lambda item: item[1])
        )
        return cls(ranked, partial(raise_late_times, ranked))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.ranked)


def _time_order(fields: Sequence[Field]) -> list[Rule]:
    """One rule per kind (date-times among date-times, dates among dates): values never change format."""
    rules = []
    for kind in _TIME_KINDS:
        ranked = sorted(
            ((f.name, rank) for f in fields if f.kind == kind and (rank := time_rank(f.name)) is not None),
            key=lambda item: item[1],
        )
        if len({rank for _, rank in ranked}) >= 2:
            rules.append(_order_times(tuple(ranked)))
    return rules


def _order_times(ranked: tuple[tuple[str, int], ...]) -> Rule:
    names = tuple(name for name, _ in ranked)

    def order(rng: Any, out: dict[str, Any], generated: set[str]) -> None:
        mine = [n for n in names if n in generated and isinstance(out.get(n), str)]
        # Generated times, sorted, go to the fields in rank order (stable: equal ranks keep their draw).
        for name, value in zip(mine, sorted(out[n] for n in mine), strict=True):
            out[name] = value
        # A provided earlier time wins: a later generated one moves up to it.
        raise_late_times(ranked, out, generated, _when)

    return order


def _pair_key(name: str) -> tuple[str, str] | None:
    """("min", "replicas") for minReplicas, min_replicas, replicasMin; None for other names."""
    for side in ("min", "max"):
        if name.startswith(side) and len(name) > 3 and (name[3].isupper() or name[3] == "_"):
            return side, name[3:].lstrip("_").lower()
        if name.lower().endswith(side) and len(name) > 3 and (name[-3].isupper() or name[-4] == "_"):
            return side, name[:-3].rstrip("_").lower()
    return None


def _min_max(fields: Sequence[Field]) -> list[Rule]:
    numeric = {f.name: f for f in fields if f.kind in ("integer", "number")}
    sides: dict[str, dict[str, Field]] = {}
    for name, f in numeric.items():
        key = _pair_key(name)
        if key:
            sides.setdefault(key[1], {})[key[0]] = f
    return [_order_pair(pair["min"], pair["max"]) for pair in sides.values() if len(pair) == 2]


def _order_pair(low: Field, high: Field) -> Rule:
    def order(rng: Any, out: dict[str, Any], generated: set[str]) -> None:
        a, b = out.get(low.name), out.get(high.name)
        if not isinstance(a, int | float) or not isinstance(b, int | float) or a <= b:
            return
        if low.name in generated and high.name in generated and low.allows(b) and high.allows(a):
            out[low.name], out[high.name] = b, a
        elif high.name in generated and high.allows(a):
            out[high.name] = a
        elif low.name in generated and low.allows(b):
            out[low.name] = b
        elif low.name in generated and high.name in generated:
            # Neither value fits the other's range (minimum 1 beside maximum 0): both move into the ranges' overlap.
            floor = max(v for v in (low.low, high.low, -math.inf) if v is not None)
            ceiling = min(v for v in (low.high, high.high, math.inf) if v is not None)
            if floor <= ceiling:
                new_low = min(max(b, floor), ceiling)
                new_high = min(max(a, new_low), high.high if high.high is not None else math.inf)
                out[low.name], out[high.name] = _typed(low, new_low), _typed(high, new_high)

    return order


def _typed(f: Field, value: float) -> float:
    return int(value) if f.kind == "integer" else value


def _stem(name: str) -> str:
    return name.replace("_", "").lower()


def _counts(fields: Sequence[Field]) -> list[Rule]:
    arrays = [f.name for f in fields if f.kind == "array"]
    if not arrays:
        return []
    integers = {f.name: f for f in fields if f.kind == "integer"}
    limit = next((f for n, f in integers.items() if _stem(n) in _LIMIT_NAMES), None)
    offset = next((f for n, f in integers.items() if _stem(n) in _OFFSET_NAMES), None)
    rules: list[Rule] = []
    for name, f in integers.items():
        stem = _stem(name)
        total = "total" in stem
        if not total and not stem.endswith("count"):
            continue
        rest = re.sub(r"(count|total)$", "", re.sub(r"^(total|num)", "", stem), count=1)
        target = _counted_array(rest, arrays)
        if target is None:
            continue
        rules.append(_count_rule(f, target, total, limit if total else None, offset if total else None))
    return rules


def _counted_array(rest: str, arrays: Sequence[str]) -> str | None:
    if not rest or rest in ("items", "results", "entries", "records"):
        return arrays[0] if len(arrays) == 1 else None
    for name in arrays:
        plain = _stem(name)
        if plain in (rest, rest + "s", rest + "es") or plain.rstrip("s") == rest.rstrip("s"):
            return name
    return None


def _count_rule(count: Field, array: str, total: bool, limit: Field | None, offset: Field | None) -> Rule:
    def fit(rng: Any, out: dict[str, Any], generated: set[str]) -> None:
        items = out.get(array)
        if count.name not in generated or not isinstance(items, list):
            return
        length = len(items)
        if not total:
            value = length
        else:
            page = out.get(limit.name) if limit else None
            if limit and limit.name in generated and isinstance(page, int) and page < length and limit.allows(length):
                out[limit.name] = page = length
            skipped = out.get(offset.name) if offset else 0
            skipped = skipped if isinstance(skipped, int) and skipped >= 0 else 0
            # A full page may have more behind it; a short page is the last one.
            more = rng.randint(0, 3 * max(length, 1)) if isinstance(page, int) and length >= page else 0
            value = skipped + length + more
        if count.allows(value):
            out[count.name] = value
        elif count.allows(length):
            out[count.name] = length

    return fit


def object_fields(props: Mapping[str, str], bounds: Mapping[str, tuple[float | None, float | None]]) -> list[Field]:
    return [Field(name, kind, *bounds.get(name, (None, None))) for name, kind in props.items()]
