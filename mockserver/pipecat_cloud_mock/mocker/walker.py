"""A generic schema walker: any OpenAPI 3.0 or 3.1 schema -> a value that fits it, seeded.

The schema is compiled once into a tree of small functions, so per request only the calls remain.
`provided` values (from the realism layer or a fixture) are merged in: objects recursively, anything
else verbatim; what is not provided is generated from the schema.
"""

from __future__ import annotations

import base64
import math
import random
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pipecat_cloud_mock.errors import SpecError
from pipecat_cloud_mock.mocker.object_rules import compile_rules, object_fields, related_fields
from pipecat_cloud_mock.mocker.realism import (
    NULL_SHARE,
    OPTIONAL_ABSENT_SHARE,
    WORDS,
    Hints,
    described_vocabulary,
    disabled_rules,
    family_of,
    fits_string,
    hex_like,
    is_region_like,
    kind_of_example,
    mimic,
    number_range,
    token_like,
    url_like,
)

MISSING: Any = object()
Generator = Callable[[random.Random, Any], Any]

# Generic date-times fall in the 30 days before this instant (2026-11-01T00:00:00Z), never "now": determinism.
ANCHOR_SECONDS = 1_793_491_200


def compile_schema(schema: Mapping[str, Any] | None, keep_extra: bool = True, hints: Hints | None = None) -> Generator:
    """`keep_extra`: keep provided object keys the schema does not name (a fixture's own fields).

    `hints`: what the whole document says about values (its examples by name); without it only the schema's
    own examples, formats and names steer the realism rules.
    """
    hints = hints or _NO_HINTS
    generate = _compile(schema or {}, _Context(keep_extra, hints, hints.disabled, {}), None)
    if generate in _CUTTABLE and generate(random.Random(0), MISSING) is _TOO_DEEP:
        raise SpecError("spec", "the schema requires itself at every level of its recursion, so no value is finite")
    return generate


@dataclass(frozen=True)
class _Context:
    keep_extra: bool
    hints: Hints
    disabled: frozenset[str]
    compiling: dict[int, list[Generator]]  # schemas being compiled on the current path -> their generator, once made

    def below(self, schema: Mapping[str, Any]) -> _Context:
        disabled = disabled_rules(schema, self.disabled)
        return self if disabled is self.disabled else _Context(self.keep_extra, self.hints, disabled, self.compiling)


_NO_HINTS = Hints()
# What each compiled generator makes ("date-time", "integer", "array", ...) and its numeric bounds: the
# object rules read them to find time pairs, min/max pairs and counts.
_KIND: weakref.WeakKeyDictionary[Generator, str] = weakref.WeakKeyDictionary()
_BOUNDS: weakref.WeakKeyDictionary[Generator, tuple[float | None, float | None]] = weakref.WeakKeyDictionary()


def _types(schema: Mapping[str, Any]) -> tuple[str | None, bool]:
    """(the type, whether null is allowed): OpenAPI 3.0 `nullable` or a 3.1 type list with "null"."""
    kind = schema.get("type")
    nullable = bool(schema.get("nullable"))
    if isinstance(kind, list):
        nullable = nullable or "null" in kind
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and "properties" in schema:
        kind = "object"
    return kind, nullable


def _compile(schema: Any, ctx: _Context, name: str | None) -> Generator:
    if not isinstance(schema, Mapping):  # a JSON Schema boolean (`true`: anything) or a 3.0 tuple `items` list
        schema = {}
    key = id(schema)
    if key in ctx.compiling:  # a recursive schema (the loader made its $ref a cycle): generate it a few levels deep
        return _recursion(ctx.compiling[key])
    made: list[Generator] = []
    ctx.compiling[key] = made
    try:
        generate = _compile_node(schema, ctx.below(schema), name)
    finally:
        del ctx.compiling[key]
    made.append(generate)
    return generate


def _compile_node(schema: Mapping[str, Any], ctx: _Context, name: str | None) -> Generator:
    for combinator in ("allOf", "oneOf", "anyOf"):
        if combinator in schema:
            return _compile_combined(schema, combinator, ctx, name)
    kind, nullable = _types(schema)
    values = list(schema["enum"]) if "enum" in schema else [schema["const"]] if "const" in schema else None
    if values is not None:
        base = _enum([v for v in values if v is not None] or values)
        _KIND[base] = "enum"
    elif kind == "object":
        base = _object(schema, ctx)
    elif kind == "array":
        base = _array(schema, ctx, name)
    elif kind in ("integer", "number"):
        base = _numeric(schema, ctx, name, kind == "integer")
    elif kind == "boolean":
        base = _boolean
    elif kind == "string":
        base = _string(schema, ctx, name)
    else:
        base = _anything
    # OAS 3.0.3: a nullable enum admits null only when null is one of its values.
    allows_null = (nullable and (values is None or None in values)) or (values is not None and None in values)
    return _nullable(base) if allows_null and "nulls" not in ctx.disabled else base


def _compile_combined(schema: Mapping[str, Any], combinator: str, ctx: _Context, name: str | None) -> Generator:
    parts = [p for p in schema[combinator] if isinstance(p, Mapping)]
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
        # Validators check each part on its own: null passes only if every part with a type admits it.
        if any("type" in part and not _types(part)[1] for part in parts):
            merged.pop("nullable", None)
            if isinstance(merged.get("type"), list):
                merged["type"] = [t for t in merged["type"] if t != "null"]
        return _compile(merged, ctx, name)
    # oneOf/anyOf: the first alternative that is not just null is a value of the union.
    rest = {k: v for k, v in schema.items() if k != combinator}
    chosen = next((p for p in parts if p.get("type") != "null"), parts[0] if parts else {})
    nullable = any(p.get("type") == "null" for p in parts) or (bool(schema.get("nullable")) and _types(chosen)[1])
    rest.pop("nullable", None)
    generator = _compile({**rest, **chosen}, ctx, name)
    return _nullable(generator) if nullable and "nulls" not in ctx.disabled else generator


# Generators that merge a provided value into what they generate (objects); all others return it unchanged.
_MERGING: weakref.WeakSet[Generator] = weakref.WeakSet()
# A recursive schema is generated at most this many levels below its first appearance; deeper, the recursion
# returns _TOO_DEEP, and the object or list above leaves that value out (or is null, when it may be).
MAX_RECURSION = 2
_TOO_DEEP: Any = object()
_CUTTABLE: weakref.WeakSet[Generator] = weakref.WeakSet()  # generators that may return _TOO_DEEP
_DEPTH = threading.local()  # each thread generates its own body


def _recursion(made: list[Generator]) -> Generator:
    def generate(rng: random.Random, provided: Any) -> Any:
        if provided is not MISSING:
            return made[0](rng, provided)
        depth = getattr(_DEPTH, "level", 0)
        if depth >= MAX_RECURSION:
            return _TOO_DEEP
        _DEPTH.level = depth + 1
        try:
            return made[0](rng, MISSING)
        finally:
            _DEPTH.level = depth

    _CUTTABLE.add(generate)
    return generate


def _nullable(base: Generator) -> Generator:
    def generate(rng: random.Random, provided: Any) -> Any:
        if provided is None:
            return None
        if provided is MISSING and rng.random() < NULL_SHARE:
            return None
        return base(rng, provided)

    if base in _CUTTABLE:  # a recursion cut short here is a null

        def generate(rng: random.Random, provided: Any) -> Any:
            if provided is None or (provided is MISSING and rng.random() < NULL_SHARE):
                return None
            value = base(rng, provided)
            return None if value is _TOO_DEEP else value

    if base in _MERGING:
        _MERGING.add(generate)
    if base in _KIND:
        _KIND[generate] = _KIND[base]
    if base in _BOUNDS:
        _BOUNDS[generate] = _BOUNDS[base]
    return generate


def _object(schema: Mapping[str, Any], ctx: _Context) -> Generator:
    declared: Mapping[str, Any] = schema["properties"] if isinstance(schema.get("properties"), Mapping) else {}
    props = tuple(
        (name, gen, gen in _MERGING) for name, gen in ((n, _compile(sub, ctx, n)) for n, sub in declared.items())
    )
    names = {name for name, _, _ in props}
    in_order = tuple(name for name, _, _ in props)
    merging = tuple((name, gen) for name, gen, merges in props if merges)
    required = frozenset(schema.get("required") or ())
    kinds = {name: _KIND.get(gen, "") for name, gen, _ in props}
    bounds = {name: _BOUNDS[gen] for name, gen, _ in props if gen in _BOUNDS}
    fields = object_fields(kinds, bounds)
    # Only scalar fields may be left out, and never one of a pair: a body without its list, nested object or
    # half of a min/max pair would not look real.
    droppable = (
        frozenset()
        if "optional" in ctx.disabled
        else frozenset(n for n in names if n not in required and kinds[n] not in ("object", "array"))
        - related_fields(fields)
    )
    extra = _map_values(schema, ctx) if not props else None
    rules = compile_rules(fields, ctx.disabled)
    cut = frozenset(name for name, gen, _ in props if gen in _CUTTABLE)

    def generate(rng: random.Random, provided: Any) -> Any:
        if provided is not MISSING and not isinstance(provided, Mapping):
            return provided
        # The realism layer gives every field, in the schema's order: copy it, merge only the nested objects.
        if type(provided) is dict and len(provided) == len(in_order) and tuple(provided) == in_order:
            out = provided.copy()
            for name, gen in merging:
                out[name] = gen(rng, out[name])
            return out
        whole = provided is MISSING  # only a wholly generated object leaves optional fields out
        given = provided if provided is not MISSING else {}
        out = {}
        generated: set[str] = set()
        for name, gen, merges in props:
            value = given.get(name, MISSING)
            if value is MISSING:
                if whole and name in droppable and rng.random() < OPTIONAL_ABSENT_SHARE:
                    continue
                generated.add(name)
            # Only objects merge a provided value; every other generator serves it as it is, so skip the call.
            out[name] = gen(rng, value) if merges or value is MISSING else value
            if cut and name in cut and out[name] is _TOO_DEEP:
                if name in required:
                    return _TOO_DEEP
                del out[name]
                generated.discard(name)
        if rules is not None and generated:
            rules(rng, out, generated)
        if extra is not None and whole:
            out = extra(rng)
        if ctx.keep_extra and given:
            out.update((k, v) for k, v in given.items() if k not in names)
        return out

    _MERGING.add(generate)
    _KIND[generate] = "object"
    if cut & required:
        _CUTTABLE.add(generate)
    return generate


def _map_values(schema: Mapping[str, Any], ctx: _Context) -> Callable[[random.Random], dict[str, Any]] | None:
    """An object whose keys are free (additionalProperties: {schema}): one to three entries, keyed as its
    examples are, else with plain words."""
    extra = schema.get("additionalProperties")
    if not isinstance(extra, Mapping) or not extra:
        return None
    value = _compile(extra, ctx, None)
    keys = ctx.hints.keys_for(extra) or WORDS
    low = int(schema.get("minProperties", 1))
    high = max(low, min(int(schema.get("maxProperties", 3)), len(keys)))

    def generate(rng: random.Random) -> dict[str, Any]:
        out = {key: value(rng, MISSING) for key in rng.sample(keys, min(len(keys), rng.randint(low, high)))}
        return {k: v for k, v in out.items() if v is not _TOO_DEEP} if value in _CUTTABLE else out

    return generate


def _identifying(schema: Mapping[str, Any]) -> tuple[str, ...]:
    """The fields of a list's items that tell one item from another: ids, names, keys (unique in a list)."""
    props = schema.get("properties") or {}
    return tuple(
        n
        for n, sub in props.items()
        if isinstance(sub, Mapping)
        and "enum" not in sub
        and (family_of(n) == "id" or n.lower().endswith(("name", "key", "code")))
    )


def _array(schema: Mapping[str, Any], ctx: _Context, name: str | None) -> Generator:
    items: Mapping[str, Any] = schema["items"] if isinstance(schema.get("items"), Mapping) else {}
    item = _compile(items, ctx, name)
    low = int(schema.get("minItems", 1))
    high = max(low, int(schema.get("maxItems", low + 2)))
    unique = bool(schema.get("uniqueItems"))
    keys = _identifying(items) if isinstance(items, Mapping) and "vocabulary" not in ctx.disabled else ()

    def distinct(rng: random.Random, count: int) -> list[Any]:
        """Items whose ids and names differ: a redraw (a few tries) for an item that repeats one."""
        out: list[Any] = []
        seen: set[tuple[str, str]] = set()
        for _ in range(count):
            for _attempt in range(4):
                value = item(rng, MISSING)
                marks = {(k, repr(value.get(k))) for k in keys} if isinstance(value, dict) else set()
                if not marks & seen:
                    break
            seen |= marks
            out.append(value)
        return out

    def generate(rng: random.Random, provided: Any) -> Any:
        if provided is not MISSING:
            return provided
        count = rng.randint(low, high)
        if not unique:
            return distinct(rng, count) if keys else [item(rng, MISSING) for _ in range(count)]
        values: list[Any] = []
        for _ in range(count * 4):
            value = item(rng, MISSING)
            if value not in values:
                values.append(value)
            if len(values) == count:
                break
        return values

    _KIND[generate] = "array"
    if item not in _CUTTABLE:
        return generate
    needed = int(schema.get("minItems", 0))

    def cut_short(rng: random.Random, provided: Any) -> Any:
        """A list of a recursive schema: the items that came back too deep are left out."""
        values = generate(rng, provided)
        if provided is not MISSING:
            return values
        kept = [v for v in values if v is not _TOO_DEEP]
        return kept if len(kept) >= needed else _TOO_DEEP

    _KIND[cut_short] = "array"
    if needed:
        _CUTTABLE.add(cut_short)
    return cut_short


def _bound(schema: Mapping[str, Any], side: str) -> tuple[float | None, bool]:
    """(the bound, whether it is exclusive), for OpenAPI 3.0 (boolean exclusive*) and 3.1 (numeric)."""
    word = "minimum" if side == "min" else "maximum"
    exclusive = schema.get("exclusiveMinimum" if side == "min" else "exclusiveMaximum")
    if isinstance(exclusive, int | float) and not isinstance(exclusive, bool):
        return float(exclusive), True
    value = schema.get(word)
    return (float(value) if value is not None else None), bool(exclusive)


def _numeric(schema: Mapping[str, Any], ctx: _Context, name: str | None, integer: bool) -> Generator:
    low, low_exclusive = _bound(schema, "min")
    high, high_exclusive = _bound(schema, "max")
    step = 1.0 if integer else 0.001  # rounded to 3 decimals, a value could land on an excluded bound
    floor = (low if low is not None else 0.0) + (step if low_exclusive else 0.0)
    ceiling = None if high is None else high - (step if high_exclusive else 0.0)
    examples = ctx.hints.examples_for(name, schema) if "numbers" not in ctx.disabled else ()
    lo, hi = number_range(examples, floor, ceiling, integer, name)
    multiple = schema.get("multipleOf")

    if integer:
        ilo, ihi = math.ceil(lo), max(math.ceil(lo), math.floor(hi))

        def generate(rng: random.Random, provided: Any) -> Any:
            if provided is not MISSING:
                return provided
            value = rng.randint(ilo, ihi)
            if isinstance(multiple, int) and multiple > 0:
                value = max(ilo, value - value % multiple) if value - value % multiple >= floor else value
            return value
    else:

        def generate(rng: random.Random, provided: Any) -> Any:
            return round(rng.uniform(lo, hi), 3) if provided is MISSING else provided

    _KIND[generate] = "integer" if integer else "number"
    _BOUNDS[generate] = (floor, ceiling)
    return generate


def _boolean(rng: random.Random, provided: Any) -> Any:
    return rng.random() < 0.5 if provided is MISSING else provided


def _anything(rng: random.Random, provided: Any) -> Any:
    return rng.choice(WORDS) if provided is MISSING else provided


def _enum(values: list[Any]) -> Generator:
    def generate(rng: random.Random, provided: Any) -> Any:
        return rng.choice(values) if provided is MISSING else provided

    return generate


def _date_time(rng: random.Random) -> str:
    return iso_ms((ANCHOR_SECONDS - rng.randint(0, 30 * 86_400)) * 1000 - rng.randint(0, 999))


def _string(schema: Mapping[str, Any], ctx: _Context, name: str | None) -> Generator:
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", max(low, 24)))

    def plain(rng: random.Random) -> str:
        text = f"{rng.choice(WORDS)}-{rng.getrandbits(32):08x}"
        text = text[:high]
        return text + "x" * (low - len(text))

    make, kind = _string_maker(schema, ctx, name, plain)
    fits = fits_string

    def generate(rng: random.Random, provided: Any) -> Any:
        if provided is not MISSING:
            return provided
        value = make(rng)
        return value if make is plain or fits(schema, value) else plain(rng)

    _KIND[generate] = kind
    return generate


def _string_maker(
    schema: Mapping[str, Any], ctx: _Context, name: str | None, plain: Callable[[random.Random], str]
) -> tuple[Callable[[random.Random], str], str]:
    """How to make this string and what kind it is: its format, else what its examples or its name show."""
    fmt = schema.get("format")
    makers: dict[str, Callable[[random.Random], str]] = {
        "uuid": uuid4_from,
        "date-time": _date_time,
        "date": lambda rng: _date_time(rng)[:10],
        "token": token_like,
        **_FORMATS,
    }
    if fmt in makers:
        return makers[fmt], fmt
    if fmt is not None:  # a format the mock does not know: a plain value, as any validator accepts
        return plain, "string"
    examples = [v for v in ctx.hints.examples_for(name, schema) if isinstance(v, str) and fits_string(schema, v)]
    if "vocabulary" not in ctx.disabled:
        words = described_vocabulary(schema)
        if words and all(fits_string(schema, w) for w in words):
            return (lambda rng: rng.choice(words)), "string"
    if "formats" not in ctx.disabled:
        kinds = {kind_of_example(v) for v in examples}
        if len(kinds) == 1 and None not in kinds:
            kind = kinds.pop() or ""
            if kind == "uri":
                return url_like(examples[0]), "uri"
            if kind == "hex":
                return hex_like(len(examples[0])), "hex"
            return makers[kind], kind
        if not examples and name and (family := family_of(name)) and family in ctx.hints.family_kinds:
            kind = ctx.hints.family_kinds[family]
            if kind in makers:
                return makers[kind], kind
    if examples and "vocabulary" not in ctx.disabled:
        identifying = (name is not None and family_of(name) == "id") or (name or "").lower().endswith("name")
        if identifying and len(examples) < 3 and not all(is_region_like(v) for v in examples):
            return mimic(examples[0]), "string"  # an identifier: shaped like the example, not the example itself
        return (lambda rng: rng.choice(examples)), "string"
    return plain, "string"


def _name(rng: random.Random) -> str:
    return f"{rng.choice(WORDS)}-{rng.getrandbits(16):04x}"


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
