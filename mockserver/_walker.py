"""A generic schema walker: any OpenAPI 3.0 schema -> a value that fits it, seeded.

The schema is compiled once into a tree of small functions, so per request only the calls remain.
`provided` values (from the realism layer or a fixture) are merged in: objects recursively, anything
else verbatim; what is not provided is generated from the schema.
"""

from __future__ import annotations

import base64
import random
import time
import weakref
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

MISSING: Any = object()
Generator = Callable[[random.Random, Any], Any]

# Generic date-times fall in the 30 days before this instant (2026-11-01T00:00:00Z), never "now": determinism.
ANCHOR_SECONDS = 1_793_491_200
_WORDS = ("alpha", "bravo", "delta", "echo", "kilo", "lima", "nova", "orbit", "pixel", "river", "sierra", "tango")


def compile_schema(schema: Mapping[str, Any] | None, keep_extra: bool = True) -> Generator:
    """`keep_extra`: keep provided object keys the schema does not name (a fixture's own fields)."""
    return _compile(schema or {}, keep_extra)


def _compile(schema: Mapping[str, Any], keep_extra: bool) -> Generator:
    for combinator in ("allOf", "oneOf", "anyOf"):
        if combinator in schema:
            return _compile_combined(schema, combinator, keep_extra)
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if "enum" in schema:
        base = _enum(list(schema["enum"]))
    elif kind == "object":
        base = _object(schema, keep_extra)
    elif kind == "array":
        base = _array(schema, keep_extra)
    elif kind == "integer":
        base = _integer(schema)
    elif kind == "number":
        base = _number(schema)
    elif kind == "boolean":
        base = _boolean
    elif kind == "string":
        base = _string(schema)
    else:
        base = _anything
    # OAS 3.0.3: a nullable enum admits null only when null is one of its values.
    if schema.get("nullable") and ("enum" not in schema or None in schema["enum"]):
        return _nullable(base)
    return base


def _compile_combined(schema: Mapping[str, Any], combinator: str, keep_extra: bool) -> Generator:
    parts = list(schema[combinator])
    if combinator == "allOf":
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in parts:
            for key, value in part.items():
                if key == "properties":
                    merged.setdefault("properties", {}).update(value)
                elif key == "required":
                    merged["required"] = [*merged.get("required", []), *value]
                else:
                    merged.setdefault(key, value)
        return _compile(merged, keep_extra)
    # oneOf/anyOf: the first alternative is a value of the union.
    return _compile(parts[0] if parts else {}, keep_extra)


# Generators that merge a provided value into what they generate (objects); all others return it unchanged.
_MERGING: weakref.WeakSet[Generator] = weakref.WeakSet()


def _nullable(base: Generator) -> Generator:
    def generate(rng: random.Random, provided: Any) -> Any:
        if provided is None:
            return None
        if provided is MISSING and rng.random() < 0.1:
            return None
        return base(rng, provided)

    if base in _MERGING:
        _MERGING.add(generate)
    return generate


def _object(schema: Mapping[str, Any], keep_extra: bool) -> Generator:
    props = tuple(
        (name, gen, gen in _MERGING)
        for name, gen in ((n, _compile(sub, keep_extra)) for n, sub in (schema.get("properties") or {}).items())
    )
    names = {name for name, _, _ in props}
    in_order = tuple(name for name, _, _ in props)
    merging = tuple((name, gen) for name, gen, merges in props if merges)

    def generate(rng: random.Random, provided: Any) -> Any:
        if provided is not MISSING and not isinstance(provided, Mapping):
            return provided
        # The realism layer gives every field, in the schema's order: copy it, merge only the nested objects.
        if type(provided) is dict and len(provided) == len(in_order) and tuple(provided) == in_order:
            out = provided.copy()
            for name, gen in merging:
                out[name] = gen(rng, out[name])
            return out
        given = provided if provided is not MISSING else {}
        out = {}
        for name, gen, merges in props:
            value = given.get(name, MISSING)
            # Only objects merge a provided value; every other generator serves it as it is, so skip the call.
            out[name] = gen(rng, value) if merges or value is MISSING else value
        if keep_extra and given:
            out.update((k, v) for k, v in given.items() if k not in names)
        return out

    _MERGING.add(generate)
    return generate


def _array(schema: Mapping[str, Any], keep_extra: bool) -> Generator:
    item = _compile(schema.get("items") or {}, keep_extra)
    low = int(schema.get("minItems", 1))
    high = max(low, int(schema.get("maxItems", low + 2)))

    def generate(rng: random.Random, provided: Any) -> Any:
        if provided is not MISSING:
            return provided
        return [item(rng, MISSING) for _ in range(rng.randint(low, high))]

    return generate


def _integer(schema: Mapping[str, Any]) -> Generator:
    low = int(schema.get("minimum", 0)) + (1 if schema.get("exclusiveMinimum") else 0)
    high = int(schema.get("maximum", max(low, 0) + 1000)) - (1 if schema.get("exclusiveMaximum") else 0)

    def generate(rng: random.Random, provided: Any) -> Any:
        return rng.randint(low, max(low, high)) if provided is MISSING else provided

    return generate


def _number(schema: Mapping[str, Any]) -> Generator:
    low = float(schema.get("minimum", 0.0))
    high = float(schema.get("maximum", low + 1000.0))
    # Rounded to 3 decimals, a value could land on an excluded bound: keep a thousandth away from it.
    low += 0.001 if schema.get("exclusiveMinimum") else 0.0
    high -= 0.001 if schema.get("exclusiveMaximum") else 0.0

    def generate(rng: random.Random, provided: Any) -> Any:
        return round(rng.uniform(low, max(low, high)), 3) if provided is MISSING else provided

    return generate


def _boolean(rng: random.Random, provided: Any) -> Any:
    return rng.random() < 0.5 if provided is MISSING else provided


def _anything(rng: random.Random, provided: Any) -> Any:
    return rng.choice(_WORDS) if provided is MISSING else provided


def _enum(values: list[Any]) -> Generator:
    def generate(rng: random.Random, provided: Any) -> Any:
        return rng.choice(values) if provided is MISSING else provided

    return generate


def _string(schema: Mapping[str, Any]) -> Generator:
    fmt = schema.get("format")
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", max(low, 24)))

    def plain(rng: random.Random) -> str:
        text = f"{rng.choice(_WORDS)}-{rng.getrandbits(32):08x}"
        text = text[:high]
        return text + "x" * (low - len(text))

    make: Callable[[random.Random], str] = {
        "uuid": uuid4_from,
        "date-time": lambda rng: iso_ms((ANCHOR_SECONDS - rng.randint(0, 30 * 86_400)) * 1000),
        "date": lambda rng: iso_ms((ANCHOR_SECONDS - rng.randint(0, 30 * 86_400)) * 1000)[:10],
        **_FORMATS,
    }.get(fmt or "", plain)

    def generate(rng: random.Random, provided: Any) -> Any:
        return make(rng) if provided is MISSING else provided

    return generate


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_WORDS)}-{rng.getrandbits(16):04x}"


# Every string format openapi-core's format checker enforces, so a field a future spec adds validates.
_FORMATS: dict[str, Callable[[random.Random], str]] = {
    "time": lambda rng: iso_ms(rng.randint(0, 86_399) * 1000)[11:19],  # HH:MM:SS, as the OAS 3.0 checker wants
    "email": lambda rng: f"{_name(rng)}@example.com",
    "idn-email": lambda rng: f"{_name(rng)}@example.com",
    "hostname": lambda rng: f"{_name(rng)}.example.com",
    "idn-hostname": lambda rng: f"{_name(rng)}.example.com",
    "uri": lambda rng: f"https://example.com/{_name(rng)}",
    "ipv4": lambda rng: f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
    "ipv6": lambda rng: f"fd00::{rng.getrandbits(16):x}:{rng.getrandbits(16):x}",
    "byte": lambda rng: base64.b64encode(rng.getrandbits(96).to_bytes(12, "big")).decode(),
}

_UUID4_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID4_SET = (0x8000 << 48) | (4 << 76)


def uuid4_from(rng: random.Random) -> str:
    """`str(uuid.UUID(int=rng.getrandbits(128), version=4))` without building the UUID object (hot path)."""
    return _uuid4_text(rng.getrandbits(128))


def uuid4_from_bytes(random_bytes: bytes) -> str:
    """`str(uuid.UUID(bytes=random_bytes, version=4))`, as fast as `uuid4_from`."""
    return _uuid4_text(int.from_bytes(random_bytes, "big"))


def _uuid4_text(bits: int) -> str:
    h = f"{(bits & _UUID4_CLEAR) | _UUID4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@lru_cache(maxsize=4096)
def _iso_day(days: int) -> str:
    return time.strftime("%Y-%m-%dT", time.gmtime(days * 86_400))


_HOUR_MINUTE = tuple(f"{h:02d}:{m:02d}:" for h in range(24) for m in range(60))
_SECOND = tuple(f"{s:02d}" for s in range(60))
_MILLIS = tuple(f".{ms:03d}Z" for ms in range(1000))


def iso_ms(epoch_ms: int) -> str:
    """RFC 3339 UTC with milliseconds, as the real API writes them: 2025-10-22T08:39:20.000Z.

    Hot path (five per session): the date is cached per day, the rest are lookups in small tables of text.
    """
    seconds, millis = divmod(epoch_ms, 1000)
    days, of_day = divmod(seconds, 86_400)
    minute, second = divmod(of_day, 60)
    return _iso_day(days) + _HOUR_MINUTE[minute] + _SECOND[second] + _MILLIS[millis]
