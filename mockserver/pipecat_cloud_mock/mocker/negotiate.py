"""Stage 3: decide status, media type and body source from the request's preferences and the spec.

Preferences follow Stoplight Prism: a `Prefer` header (`code=404, example=default, dynamic=true, seed=7`)
or, when there is no Prefer header, the query parameters `__code`, `__example`, `__dynamic`, `__seed`.
`delay=300ms` (or `__delay`) asks for a latency in the `_faults` syntax; the HTTP shell applies it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pipecat_cloud_mock.errors import ConfigError, PreferenceError, suggest
from pipecat_cloud_mock.faults import Latency, parse_latency
from pipecat_cloud_mock.spec.loader import Operation

Source = Literal["generated", "example"]
PREFERENCES = ("code", "example", "dynamic", "seed", "delay")
# RFC 7240 preferences a client may send for its own reasons; the mock ignores them as the RFC asks.
_STANDARD_PREFERENCES = ("respond-async", "return", "wait", "handling", "depth-noroot")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_TOKEN_VALUE = re.compile(r'[^\s";,\\]*')
_QUOTED_VALUE = re.compile(r'"((?:[^"\\]|\\.)*)"')  # RFC 9110 quoted-string; disjoint branches: linear time
_MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Preferences:
    code: int | None = None
    example: str | None = None
    dynamic: bool | None = None
    seed: int | None = None
    delay: Latency | None = None


_NONE = Preferences()


@dataclass(frozen=True)
class Negotiation:
    status: int
    media_type: str
    source: Source
    example: str | None  # the example's name when source == "example"
    seed: int
    reason: str | None = None  # why an error status was chosen, for the error body


def parse_preferences(prefer: str | None, query: Mapping[str, str]) -> Preferences:
    """Raise PreferenceError (answered 422) for anything the mock cannot honour, saying what it accepts."""
    if not query and (prefer is None or not prefer.strip()):
        return _NONE  # most requests state no preference
    if prefer is not None and prefer.strip():
        raw = _parse_prefer_header(prefer)
        where = "Prefer header"
    else:
        raw = {k[2:]: v for k, v in query.items() if k.startswith("__")}
        for name in raw:
            if name not in PREFERENCES:
                raise PreferenceError(
                    f"unknown query preference '__{name}'. {suggest('__' + name, ['__' + p for p in PREFERENCES])}"
                )
        where = "query"
    if "example" in raw and not raw["example"]:
        raise PreferenceError(f"example= in the {where} is empty. Valid values: an example's name, such as 'default'.")
    return Preferences(
        code=_int(raw, "code", where, 100, 599),
        example=raw.get("example"),
        dynamic=_bool(raw, "dynamic", where),
        seed=_int(raw, "seed", where, 0, _MAX_SEED),
        delay=_latency(raw, "delay", where),
    )


def _latency(raw: Mapping[str, str], name: str, where: str) -> Latency | None:
    if name not in raw:
        return None
    try:
        return parse_latency(raw[name])
    except ConfigError as exc:
        raise PreferenceError(f"{name}={raw[name][:40]!r} in the {where}: {exc}") from None


def _parse_prefer_header(header: str) -> dict[str, str]:
    """RFC 7240: `name[=value][; parameter...]`, comma-separated; values may be quoted (and hold commas)."""
    found: dict[str, str] = {}
    for part in _split_unquoted(header, ","):
        if not part.strip():
            continue
        name, has_value, value = _split_unquoted(part, ";")[0].partition("=")
        name, value = name.strip(), value.strip()
        quoted = _QUOTED_VALUE.fullmatch(value)
        if not _NAME.fullmatch(name) or (has_value and not quoted and not _TOKEN_VALUE.fullmatch(value)):
            raise PreferenceError(
                f"cannot parse the Prefer header near {part.strip()[:60]!r}. "
                "Expected comma-separated preferences like 'code=404, dynamic=true' (quote values with spaces)."
            )
        name = name.lower()
        if name in _STANDARD_PREFERENCES:
            continue
        if name not in PREFERENCES:
            raise PreferenceError(f"unknown preference {name!r} in the Prefer header. {suggest(name, PREFERENCES)}")
        found[name] = re.sub(r"\\(.)", r"\1", quoted.group(1)) if quoted else value
    return found


def _split_unquoted(text: str, separator: str) -> list[str]:
    """Split at `separator` outside double quotes, in one pass (no regex backtracking on huge headers)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    if quoted:
        raise PreferenceError(
            f"the Prefer header has an unterminated quoted value near {text.strip()[-60:]!r}. "
            'Close it with a double quote, e.g. example="my example".'
        )
    parts.append("".join(current))
    return parts


def _int(raw: Mapping[str, str], name: str, where: str, low: int, high: int) -> int | None:
    if name not in raw:
        return None
    text = raw[name]
    if not re.fullmatch(r"\d{1,19}", text) or not low <= int(text) <= high:
        raise PreferenceError(
            f"{name}={text[:40]!r} in the {where} is not valid. Valid values: a whole number from {low} to {high}."
        )
    return int(text)


def _bool(raw: Mapping[str, str], name: str, where: str) -> bool | None:
    if name not in raw:
        return None
    text = raw[name].lower()
    if text not in ("true", "false"):
        raise PreferenceError(f"{name}={raw[name][:40]!r} in the {where} is not valid. Valid values: true, false.")
    return text == "true"


def negotiate(
    operation: Operation,
    prefs: Preferences,
    default_mode: str,
    default_seed: int,
    param_problem: str | None = None,
) -> Negotiation:
    """`param_problem`: why the path parameters name nothing (answered 404, as the real service does)."""
    seed = default_seed if prefs.seed is None else prefs.seed
    reason = None
    if prefs.code is not None:
        accepted = operation.answerable_statuses
        if prefs.code not in accepted:
            raise PreferenceError(
                f"code={prefs.code} is not a status that {operation.operation_id} documents. "
                f"Valid values: {', '.join(map(str, accepted))}."
            )
        status = prefs.code
    elif param_problem:
        status, reason = 404, param_problem
    else:
        status = next((s for s in operation.documented_statuses if 200 <= s < 300), 200)

    response = operation.responses.get(str(status))
    media = response.media_type() if response else None
    media_name = media.name if media else "application/json"
    names = list(media.examples) if media else []

    if prefs.example is not None:
        if prefs.example not in names:
            listed = ", ".join(names) if names else "none (this response has no examples)"
            hint = suggest(prefs.example, names) if names else f"Valid values: {listed}."
            raise PreferenceError(f"example={prefs.example!r} is not an example of the {status} response. {hint}")
        return Negotiation(status, media_name, "example", prefs.example, seed, reason)
    wants_example = prefs.dynamic is False or (prefs.dynamic is None and default_mode == "example")
    if wants_example and names:
        return Negotiation(status, media_name, "example", names[0], seed, reason)
    return Negotiation(status, media_name, "generated", None, seed, reason)
