"""General realism rules read from a schema: its names, formats, descriptions and examples.

Nothing here knows a particular API. `Hints` gathers, once per document, every example value by property
name and the kind of value each name family (`*Id`, `*At`, `*Url`) holds; the walker asks it how to
generate one field. Object-level rules (time order, min/max pairs, counts beside lists) are compiled once
per object schema and run only over the fields that were generated, never over provided ones.
Rules can be turned off with `x-mock-realism` (docs/realism.md).
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

RULES = ("formats", "vocabulary", "numbers", "time-order", "min-max", "counts", "echo", "nulls", "optional")
EXTENSION = "x-mock-realism"
NULL_SHARE = 0.1
OPTIONAL_ABSENT_SHARE = 0.1

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_URL = re.compile(r"(https?|wss?)://([A-Za-z0-9.-]+)(:\d+)?(/\S*)?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_.-]*")
_HEX = re.compile(r"[0-9a-f]{8,64}")
_REGION = re.compile(r"[a-z]{2,}(-[a-z]+)+(-\d{1,2})?")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,39}")  # a short token without spaces: a vocabulary word
_QUOTED = r"(?:`([^`]{1,40})`|\"([^\"]{1,40})\"|'([^']{1,40})')"
_LISTED = re.compile(
    r"(?:one of|values? (?:are|is)|possible values|either|valid values)[:\s]+"
    + rf"({_QUOTED}(?:\s*(?:,|or|and|/)\s*{_QUOTED})+)",
    re.IGNORECASE,
)
_WORD = re.compile(_QUOTED)
# Plain words for generated names and free text, shared by every string maker.
WORDS = ("alpha", "bravo", "delta", "echo", "kilo", "lima", "nova", "orbit", "pixel", "river", "sierra", "tango")

# The kinds of string an example can show, tried in this order (a UUID is also hex-like, a date a prefix of a time).
_EXAMPLE_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("uuid", _UUID),
    ("date-time", _DATE_TIME),
    ("date", _DATE),
    ("uri", _URL),
    ("email", _EMAIL),
    ("token", _JWT),
    ("hex", _HEX),
)

# Name families: a field without examples takes the kind most examples of its family have in the document.
_FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("id", re.compile(r"(^id$|Id$|_id$|ID$)")),
    ("at", re.compile(r"(At$|_at$|Time$|_time$)")),
    ("url", re.compile(r"(Url$|_url$|Uri$|_uri$|^url$|^uri$|URL$)")),
)
_FAMILY_DEFAULTS = {"at": "date-time", "url": "uri"}


def kind_of_example(value: Any) -> str | None:
    """What sort of string an example is: the walker generates one of the same sort."""
    if not isinstance(value, str):
        return None
    return next((kind for kind, pattern in _EXAMPLE_KINDS if pattern.fullmatch(value)), None)


def family_of(name: str) -> str | None:
    return next((family for family, pattern in _FAMILIES if pattern.search(name)), None)


def disabled_rules(node: Mapping[str, Any], inherited: frozenset[str]) -> frozenset[str]:
    """`x-mock-realism: false` turns every rule off below this node; a mapping turns off the rules set false."""
    setting = node.get(EXTENSION)
    if setting is None:
        return inherited
    if setting is False:
        return frozenset(RULES)
    if setting is True:
        return frozenset()
    if isinstance(setting, Mapping):
        return (inherited - {k for k, v in setting.items() if v}) | {k for k, v in setting.items() if not v}
    return inherited


@dataclass(frozen=True)
class Hints:
    """What the document says about values, by property name; built once per document."""

    examples: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    family_kinds: Mapping[str, str] = field(default_factory=dict)
    disabled: frozenset[str] = frozenset()
    # Values of the media type's own examples, by the id of the schema node they sit under.
    aligned: Mapping[int, tuple[Any, ...]] = field(default_factory=dict)

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> Hints:
        found: dict[str, list[Any]] = {}
        _collect(document, found, None, 0)
        examples = {name: tuple(_unique(values)) for name, values in found.items()}
        votes: dict[str, Counter[str]] = {}
        for name, values in examples.items():
            family = family_of(name)
            for value in values:
                kind = kind_of_example(value)
                if family and kind:
                    votes.setdefault(family, Counter())[kind] += 1
        kinds = {family: counter.most_common(1)[0][0] for family, counter in votes.items()}
        return cls(examples, {**_FAMILY_DEFAULTS, **kinds}, disabled_rules(document, frozenset()))

    def aligned_to(self, schema: Mapping[str, Any] | None, examples: Iterable[Any]) -> Hints:
        """These hints plus the values a response's examples give each field of its schema."""
        found: dict[int, list[Any]] = {}
        for example in examples:
            if schema:
                _align(schema, example, found, 0)
        aligned = {key: tuple(_unique(values)) for key, values in found.items()}
        return Hints(self.examples, self.family_kinds, self.disabled, aligned) if aligned else self

    def keys_for(self, extra: Mapping[str, Any]) -> tuple[str, ...]:
        """The keys a response's examples use in a map whose values follow `extra` (additionalProperties)."""
        return self.aligned.get(-id(extra), ())

    def examples_for(self, name: str | None, schema: Mapping[str, Any]) -> tuple[Any, ...]:
        """The field's own examples (its schema's, then its response's); else every example of its name."""
        own = [schema["example"]] if "example" in schema else []
        listed = schema.get("examples")
        if isinstance(listed, list):  # OpenAPI 3.1 / JSON Schema: a list of examples
            own += listed
        own += self.aligned.get(id(schema), ())
        elsewhere = self.examples.get(name, ()) if name else ()
        if own and all(is_region_like(v) for v in own):  # a region-like code: the document's other codes too
            own += [v for v in elsewhere if is_region_like(v)]
        return tuple(_unique(own)) if own else elsewhere


def _unique(values: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value is not None and value not in seen:
            seen.append(value)
    return seen


def _align(schema: Mapping[str, Any], value: Any, found: dict[int, list[Any]], depth: int) -> None:
    if depth > 64 or value is None:
        return
    for part in schema.get("allOf") or ():
        if isinstance(part, Mapping):
            _align(part, value, found, depth + 1)
    if isinstance(value, Mapping):
        for name, sub in (schema.get("properties") or {}).items():
            if name in value and isinstance(sub, Mapping):
                _align(sub, value[name], found, depth + 1)
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping):
            # Under the negated id: the keys the example uses, for a generated map to use too.
            found.setdefault(-id(extra), []).extend(key for key in value if key not in (schema.get("properties") or {}))
            for sub_value in value.values():
                _align(extra, sub_value, found, depth + 1)
    elif isinstance(value, list):
        if isinstance(schema.get("items"), Mapping):
            for item in value:
                _align(schema["items"], item, found, depth + 1)
    else:
        found.setdefault(id(schema), []).append(value)


def _collect(node: Any, found: dict[str, list[Any]], name: str | None, depth: int) -> None:
    """Every example value under its property name: schema examples and the keys of example bodies."""
    if depth > 64:
        return
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "example" or key == "value":
                _collect_value(value, found, name, depth + 1)
            elif key == "examples" and isinstance(value, list):
                for item in value:
                    _collect_value(item, found, name, depth + 1)
            elif key == "properties" and isinstance(value, Mapping):
                for prop, sub in value.items():
                    _collect(sub, found, str(prop), depth + 1)
            else:
                _collect(value, found, name if key in ("items", "allOf", "oneOf", "anyOf") else None, depth + 1)
    elif isinstance(node, list):
        for item in node:
            _collect(item, found, name, depth + 1)


def _collect_value(value: Any, found: dict[str, list[Any]], name: str | None, depth: int) -> None:
    if depth > 64:
        return
    if isinstance(value, Mapping):
        for key, sub in value.items():
            _collect_value(sub, found, str(key), depth + 1)
    elif isinstance(value, list):
        for item in value:
            _collect_value(item, found, name, depth + 1)
    elif name is not None and not isinstance(value, bool | type(None)):
        found.setdefault(name, []).append(value)


def described_vocabulary(schema: Mapping[str, Any]) -> tuple[str, ...]:
    """Values a description lists ("one of `a`, `b` or `c`"): a vocabulary without an enum."""
    found = _LISTED.search(str(schema.get("description") or ""))
    if not found:
        return ()
    return tuple(next(g for g in m.groups() if g is not None) for m in _WORD.finditer(found.group(1)))


def fits_string(schema: Mapping[str, Any], value: Any) -> bool:
    """A cheap check that a candidate string keeps the schema's own constraints."""
    if not isinstance(value, str):
        return False
    if len(value) < int(schema.get("minLength", 0)) or len(value) > int(schema.get("maxLength", 1 << 30)):
        return False
    pattern = schema.get("pattern")
    if pattern is not None:
        try:
            return re.search(pattern, value) is not None
        except re.error:
            return False
    return True


def number_range(
    examples: Iterable[Any], low: float, high: float | None, integer: bool, name: str | None
) -> tuple[float, float]:
    """Near the examples' size and inside the schema's bounds; counts stay small without an example."""
    numbers = sorted(float(v) for v in examples if isinstance(v, int | float) and not isinstance(v, bool))
    numbers = [v for v in numbers if v >= low and (high is None or v <= high)]
    if numbers:
        small, large = numbers[0], numbers[-1]
        near_low = small / 2 if small > 0 else small * 2
        near_high = large * 2 if large > 0 else large / 2
        near_high = max(near_high, large + (5 if integer else 1.0))
        lo, hi = max(low, near_low), near_high if high is None else min(high, near_high)
    else:
        counting = bool(name) and re.search(r"(count|Count|total|Total|num[A-Z]|size|Size)", name or "") is not None
        lo, hi = low, (high if high is not None else max(low, 0) + (50 if counting else 1000))
        if high is not None and high - low > 1000 and not counting:
            hi = low + 1000 if low > 0 else min(high, 1000)
    return lo, max(lo, hi)


# ---- string makers: kinds the examples show -------------------------------------------------------------


def mimic(example: str) -> Callable[[Any], str]:
    """A value shaped like the example: each run of digits, hex or letters redrawn, separators kept.

    A leading lower-case prefix followed by `_` (`org_`, `sk_`) is kept: it names the kind of id.
    """
    prefix_match = re.match(r"[a-z]{2,5}_", example)
    prefix = prefix_match.group(0) if prefix_match else ""
    parts = re.findall(r"[a-z]+|[A-Z][a-z]*|[0-9]+|[^A-Za-z0-9]+", example[len(prefix) :])

    def make(rng: Any) -> str:
        out = [prefix]
        for part in parts:
            if part.isdigit():
                out.append("".join(str(rng.randint(0, 9)) for _ in part))
            elif part.isalpha():
                word = rng.choice(WORDS)
                out.append(word.capitalize() if part[0].isupper() else word)
            else:
                out.append(part)
        return "".join(out)

    return make


def url_like(example: str) -> Callable[[Any], str]:
    found = _URL.fullmatch(example)
    scheme, host = (found.group(1), found.group(2)) if found else ("https", "example.com")
    return lambda rng: f"{scheme}://{host}/{rng.choice(WORDS)}-{rng.getrandbits(24):06x}"


def token_like(rng: Any) -> str:
    """A JWT-shaped token: base64url header and payload, then a signature-looking tail."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64(json.dumps({"sub": f"{rng.getrandbits(48):012x}", "exp": 1_800_000_000}).encode())
    return f"{header}.{payload}.{b64(rng.getrandbits(256).to_bytes(32, 'big'))}"


def hex_like(length: int) -> Callable[[Any], str]:
    return lambda rng: f"{rng.getrandbits(4 * length):0{length}x}"


def is_vocabulary_word(value: Any) -> bool:
    return isinstance(value, str) and _CODE.fullmatch(value) is not None and kind_of_example(value) is None


def is_region_like(value: Any) -> bool:
    return isinstance(value, str) and _REGION.fullmatch(value) is not None
