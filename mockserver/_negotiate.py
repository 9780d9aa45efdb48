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

from ._faults import Latency, parse_latency
from ._spec import Operation
from .errors import ConfigError, PreferenceError, suggest

Source = Literal["generated", "example"]
PREFERENCES = ("code", "example", "dynamic", "seed", "delay")
# RFC 7240 preferences a client may send for its own reasons; the mock ignores them as the RFC asks.
_STANDARD_PREFERENCES = ("respond-async", "return", "wait", "handling", "depth-noroot")
_PAIR = re.compile(r'^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(?:=\s*("[^"]*"|[^\s";,]*))?\s*(?:;.*)?$')
_MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class Preferences:
    code: int | None = None
    example: str | None = None
    dynamic: bool | None = None
    seed: int | None = None
    delay: Latency | None = None


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
    return Preferences(
        code=_int(raw, "code", where, 100, 599),
        example=raw.get("example") or None,
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
    found: dict[str, str] = {}
    for part in header.split(","):
        if not part.strip():
            continue
        match = _PAIR.match(part)
        if not match:
            raise PreferenceError(
                f"cannot parse the Prefer header near {part.strip()[:60]!r}. "
                "Expected comma-separated preferences like 'code=404, dynamic=true'."
            )
        name, value = match.group(1).lower(), (match.group(2) or "").strip('"')
        if name in _STANDARD_PREFERENCES:
            continue
        if name not in PREFERENCES:
            raise PreferenceError(f"unknown preference {name!r} in the Prefer header. {suggest(name, PREFERENCES)}")
        found[name] = value
    return found


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


def acceptable_codes(operation: Operation) -> tuple[int, ...]:
    """Documented statuses, plus 401 when the operation declares security (the spec implies it)."""
    codes = set(operation.documented_statuses)
    if operation.security:
        codes.add(401)
    return tuple(sorted(codes))


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
        accepted = acceptable_codes(operation)
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
