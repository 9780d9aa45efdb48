"""A fixture or admin session that gives some fields: the rest made to fit them, contradictions refused.

Given `endedAt` alone, the generated `createdAt` comes before it (by the session's drawn duration) and the
timeseries lies inside that lifetime; given both times, they bound it. Given times that contradict each
other (`endedAt` before `createdAt`) are refused, naming both fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipecat_cloud_mock.mocker.object_rules import parse_iso_ms
from pipecat_cloud_mock.mocker.session import agent_ids, drawn_lifetime_seconds, session_values, session_values_between
from pipecat_cloud_mock.seed import rng_for

# (earlier, later): the first must not come after the second.
_ORDER = (("createdAt", "endedAt"), ("createdAt", "updatedAt"))
_TIME_FIELDS = ("createdAt", "endedAt")


def contradictions(given: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each pair of given times in the wrong order."""
    found = []
    for earlier, later in _ORDER:
        first, second = given.get(earlier), given.get(later)
        if not isinstance(first, str) or not isinstance(second, str):
            continue
        first_ms, second_ms = parse_iso_ms(first), parse_iso_ms(second)
        if first_ms is not None and second_ms is not None and second_ms < first_ms:
            found.append(
                (
                    later,
                    f"{later} {second!r} is before {earlier} {first!r}; "
                    "a session cannot end or change before it was created",
                )
            )
    return found


def fitted_base(
    seed: int, agent: str, session_id: str, given: Mapping[str, Any], base: dict[str, Any]
) -> dict[str, Any]:
    """`base` (generated values of the right kind) with its times and metrics moved to fit the given times."""
    times = {name: parse_iso_ms(given[name]) for name in _TIME_FIELDS if isinstance(given.get(name), str)}
    if not times or any(v is None for v in times.values()):
        return base
    created_base, ended_base = parse_iso_ms(base["createdAt"]), base.get("endedAt")
    ended_base_ms = parse_iso_ms(ended_base) if isinstance(ended_base, str) else None
    running = ("endedAt" in given and given["endedAt"] is None) or (ended_base_ms is None and "endedAt" not in given)
    span_ms = (
        (ended_base_ms - created_base)
        if ended_base_ms is not None and created_base is not None
        else drawn_lifetime_seconds(seed, agent, session_id) * 1000
    )
    created = times.get("createdAt")
    ended = times.get("endedAt")
    if running:
        created = created if created is not None else (ended or 0) - span_ms
        end, now = None, created + span_ms
    else:
        if created is None:
            created = (ended or 0) - span_ms
        end = ended if ended is not None else created + span_ms
        now = end
    completion = None if end is None else base.get("completionStatus") or "HTTP_COMPLETED"
    fitted = session_values_between(seed, agent, session_id, int(created), end, int(now), completion)
    if base.get("botStartSeconds") is None and end is not None:  # keep the kind: a session whose bot never started
        fitted.update(botStartSeconds=None, coldStart=None, resourceMetrics=None, meetingIds=[])
    return fitted


# Nullable fields whose null-ness marks the kind of session (running, finished, never started).
_SHAPE_FIELDS = ("endedAt", "completionStatus", "botStartSeconds", "coldStart", "resourceMetrics")
_SHAPE_ATTEMPTS = 256  # the rarest kind (failed, bot never started) is ~5% of sessions


def deep_merge(base: Any, given: Any) -> Any:
    """`given` over `base`: objects merged key by key, anything else taken from `given` as written."""
    if isinstance(base, Mapping) and isinstance(given, Mapping):
        merged = dict(base)
        for key, value in given.items():
            merged[key] = deep_merge(base.get(key), value)
        return merged
    return given


def realism_base(seed: int, agent: str, session_id: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """Generated values for the same kind of session as `given` describes.

    A fixture saying `endedAt: null` wants a running session, so the generated completionStatus and
    metrics must be those of a running one too: try seeded variants until the null-ness of the shape
    fields agrees with what was given (deterministic: the same inputs pick the same variant).
    """
    wanted = {name: given[name] is None for name in _SHAPE_FIELDS if name in given}
    base = session_values(seed, agent, session_id)
    for attempt in range(1, _SHAPE_ATTEMPTS):
        if all((base[name] is None) == is_null for name, is_null in wanted.items()):
            break
        variant = rng_for(seed, "shape", attempt).getrandbits(62)
        base = session_values(variant, agent, session_id)
        org, service, deployment = agent_ids(seed, agent)  # ids stay those of the real seed
        base.update(organizationId=org, serviceId=service, deploymentId=deployment)
    return fitted_base(seed, agent, session_id, given, base)  # times and metrics around the given times
