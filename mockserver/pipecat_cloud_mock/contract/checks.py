"""Per-response contract checks: each takes one exchange and says pass ([]), fail/warn (findings) or n/a (None).

The spec is loose (nothing `required`, `additionalProperties` open), so schema validation alone catches
little; the checks below add what the spec implies (security), what any honest implementation keeps
(invariants), and what the spec leaves unsaid (drift).
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pipecat_cloud_mock.contract.target import Request, Response
from pipecat_cloud_mock.spec.loader import Operation, Spec
from pipecat_cloud_mock.spec.openapi import ResponseValidator, Violation, schema_violations

Severity = Literal["fail", "warn"]
AUTH_STATUSES = (401, 403)
JSON_MEDIA = "application/json"
_PERCENTILES = ("P50", "P90", "P95", "P99")


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    message: str
    expected: str = ""


@dataclass(frozen=True)
class DriftItem:
    path: str  # e.g. "resourceMetrics.timeseries[].t"
    kind: Literal["undocumented", "missing"]
    example: Any  # an example value for undocumented properties; None for missing ones
    status: int


@dataclass(frozen=True)
class Exchange:
    request: Request
    response: Response


@dataclass(frozen=True)
class Context:
    spec: Spec
    operation: Operation
    validator: ResponseValidator
    strict: bool = False
    known_session: tuple[str, str] | None = None  # (agent, session id) that must answer 200

    def schema(self, status: int) -> Mapping[str, Any] | None:
        response = self.operation.responses.get(str(status))
        media = response.media_type(JSON_MEDIA) if response else None
        return media.schema if media else None

    def documented_media(self, status: int) -> tuple[str, ...]:
        response = self.operation.responses.get(str(status))
        return tuple(m.name for m in response.content) if response else ()


Outcome = list[Finding] | None
Check = Callable[[Context, Exchange], Outcome]


def _json(response: Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def check_auth(ctx: Context, ex: Exchange) -> Outcome:
    if not ctx.operation.security:
        return None
    status, creds = ex.response.status, ex.request.credentials
    if creds.valid:
        if status in AUTH_STATUSES:
            return [Finding("auth", "fail", f"the valid API key was refused with {status}", "not 401/403")]
        return []
    if status in AUTH_STATUSES:
        return []
    expected = "401 or 403 (the operation declares bearer security)"
    if 200 <= status < 300:
        return [Finding("auth", "fail", f"answered {status} to a request with {creds.label}", expected)]
    message = f"answered {status}, not 401/403, to a request with {creds.label}"
    if not ex.request.plain:
        # Odd characters in the path (an encoded slash, '?'): a server or proxy may fail to route it before
        # it looks at credentials. Only a 2xx is a certain break there.
        return [Finding("auth", "warn", message + " (an odd path: it may not have reached the operation)", expected)]
    return [Finding("auth", "fail", message, expected)]


def check_status(ctx: Context, ex: Exchange) -> Outcome:
    status = ex.response.status
    documented = ctx.operation.documented_statuses
    if status in documented:
        return []
    if status in AUTH_STATUSES and ctx.operation.security and not ex.request.credentials.valid:
        return []  # implied by `security`; a refused valid key is the auth check's failure
    if status in AUTH_STATUSES and ex.request.credentials.valid:
        return None
    allowed = ", ".join(map(str, documented))
    return [
        Finding(
            "status",
            "fail",
            f"status {status} is not documented for {ctx.operation.operation_id}",
            f"one of {allowed} (or 401/403 for missing or bad credentials)",
        )
    ]


def check_no_server_error(ctx: Context, ex: Exchange) -> Outcome:
    if ex.response.status >= 500:
        return [
            Finding(
                "no-5xx",
                "fail",
                f"server error {ex.response.status} for a well-formed request",
                "no 5xx: the spec documents 500, but a server error is never a kept contract",
            )
        ]
    return []


def check_content_type(ctx: Context, ex: Exchange) -> Outcome:
    status = ex.response.status
    documented = ctx.documented_media(status)
    got = ex.response.media_type or "(no Content-Type)"
    if documented:
        if got not in documented:
            return [Finding("content-type", "fail", f"Content-Type is {got}", " or ".join(documented))]
        return []
    if status in AUTH_STATUSES:
        if got != JSON_MEDIA:
            return [Finding("content-type", "warn", f"{status} answered with Content-Type {got}", JSON_MEDIA)]
        return []
    return None


def check_schema(ctx: Context, ex: Exchange) -> Outcome:
    status = ex.response.status
    if ctx.documented_media(status):
        if ex.response.media_type not in ctx.documented_media(status):
            return None  # the content-type check reports it; a body of the wrong media type has no schema
        violations = ctx.validator.violations(
            ex.request.method,
            ctx.spec.base_path + ex.request.path,
            status,
            ex.response.media_type,
            ex.response.body,
        )
        return [_violation_finding("schema", "fail", v, ctx, status) for v in violations]
    if status in AUTH_STATUSES and ex.response.media_type == JSON_MEDIA:
        # 401/403 are undocumented: their body is checked against the spec's error shape, softly.
        error_schema = _error_schema(ctx)
        if error_schema is None:
            return None
        body = _json(ex.response)
        if body is None:
            return [Finding("schema", "warn", f"the {status} body is not JSON", "an ErrorResponse")]
        return [Finding("schema", "warn", str(v), "an ErrorResponse") for v in schema_violations(error_schema, body)]
    return None


def _violation_finding(check: str, severity: Severity, v: Violation, ctx: Context, status: int) -> Finding:
    response = ctx.operation.responses.get(str(status))
    media = response.media_type(JSON_MEDIA) if response else None
    name = media.schema_name if media and media.schema_name else "the documented schema"
    return Finding(check, severity, str(v), f"a body valid against {name} for {status}")


def _error_schema(ctx: Context) -> Mapping[str, Any] | None:
    try:
        return ctx.spec.schema("ErrorResponse")
    except Exception:
        return None


def check_shape(ctx: Context, ex: Exchange) -> Outcome:
    """A loose object schema accepts {"message": ...}; a body with none of the documented properties is not it."""
    status = ex.response.status
    schema = ctx.schema(status) or (_error_schema(ctx) if status in AUTH_STATUSES else None)
    if not schema or not schema.get("properties") or ex.response.media_type != JSON_MEDIA:
        return None
    body = _json(ex.response)
    if not isinstance(body, dict):
        return None  # the schema check reports a non-object
    documented = list(schema["properties"])
    severity: Severity = "warn" if status in AUTH_STATUSES else "fail"
    if not set(body) & set(documented):
        return [
            Finding(
                "shape",
                severity,
                f"the {status} body has none of the documented properties; it has {sorted(body)[:8]}",
                f"an object with some of {documented}",
            )
        ]
    code = body.get("code")
    if status >= 400 and "code" in schema["properties"] and code is not None and str(code) != str(status):
        return [Finding("shape", "warn", f"error code {code!r} in a {status} response", f"code {str(status)!r}")]
    return []


def check_known_session(ctx: Context, ex: Exchange) -> Outcome:
    req = ex.request
    if ctx.known_session is None or not req.credentials.valid or (req.agent, req.session_id) != ctx.known_session:
        return None
    if ex.response.status != 200:
        return [Finding("known-session", "fail", f"answered {ex.response.status}", "200 for the session you named")]
    body = _json(ex.response)
    if not isinstance(body, dict) or not _same_id(body.get("sessionId"), req.session_id):
        got = body.get("sessionId") if isinstance(body, dict) else body
        return [Finding("known-session", "fail", f"sessionId is {got!r}", f"sessionId {req.session_id!r}")]
    return []


def check_invariants(ctx: Context, ex: Exchange) -> Outcome:
    body = _json(ex.response) if ex.response.status == 200 else None
    if not isinstance(body, dict):
        return None
    return [Finding("invariants", "fail", message, expected) for message, expected in _invariant_breaks(ex, body)]


def _invariant_breaks(ex: Exchange, body: dict[str, Any]) -> Iterator[tuple[str, str]]:
    wanted = ex.request.session_id
    if wanted is not None and "sessionId" in body and not _same_id(body["sessionId"], wanted):
        yield f"sessionId is {body['sessionId']!r}", f"the requested id {wanted!r}"
    metrics = body.get("resourceMetrics")
    metrics = metrics if isinstance(metrics, dict) else {}
    if wanted is not None and "sessionId" in metrics and not _same_id(metrics["sessionId"], wanted):
        yield f"resourceMetrics.sessionId is {metrics['sessionId']!r}", f"the requested id {wanted!r}"
    for family in ("cpuMillicores", "memoryBytes"):
        present = [(p, metrics[family + p]) for p in _PERCENTILES if _is_int(metrics.get(family + p))]
        for (p1, v1), (p2, v2) in itertools.pairwise(present):
            if v1 > v2:
                yield f"{family}{p1}={v1} > {family}{p2}={v2}", f"{family} P50 <= P90 <= P95 <= P99"
    for name, value in _usage_numbers(body, metrics):
        if value < 0:
            yield f"{name} is negative ({value})", f"{name} >= 0"
    created = _when(body.get("createdAt"))
    for later in ("endedAt", "updatedAt"):
        moment = _when(body.get(later))
        if created and moment and moment < created:
            yield f"{later} {body[later]} is before createdAt {body['createdAt']}", f"{later} >= createdAt"


def _usage_numbers(body: Mapping[str, Any], metrics: Mapping[str, Any]) -> Iterator[tuple[str, int]]:
    if _is_int(body.get("botStartSeconds")):
        yield "botStartSeconds", body["botStartSeconds"]
    for name, value in metrics.items():
        if (name.startswith(("cpuMillicores", "memoryBytes")) or name == "sampleCount") and _is_int(value):
            yield f"resourceMetrics.{name}", value
    series = metrics.get("timeseries")
    for i, sample in enumerate(series if isinstance(series, list) else []):
        for key in ("c", "m", "t"):
            if isinstance(sample, dict) and _is_int(sample.get(key)):
                yield f"resourceMetrics.timeseries[{i}].{key}", sample[key]


def check_consistency(ctx: Context, ex: Exchange) -> Outcome:
    """Softer observations: the spec's own example breaks them, so they warn and never fail."""
    body = _json(ex.response) if ex.response.status == 200 else None
    metrics = body.get("resourceMetrics") if isinstance(body, dict) else None
    if not isinstance(body, dict) or not isinstance(metrics, dict) or not isinstance(metrics.get("timeseries"), list):
        return None
    samples = [s for s in metrics["timeseries"] if isinstance(s, dict) and _is_int(s.get("t"))]
    times = [s["t"] for s in samples]
    found: list[Finding] = []
    if times != sorted(times):
        found.append(Finding("consistency", "warn", "timeseries is not sorted by t", "samples in time order"))
    count = metrics.get("sampleCount")
    if _is_int(count) and count != len(metrics["timeseries"]):
        found.append(
            Finding("consistency", "warn", f"sampleCount {count} but {len(metrics['timeseries'])} samples", "equal")
        )
    created, end = _when(body.get("createdAt")), _when(body.get("endedAt")) or _when(body.get("updatedAt"))
    if created and end and times:
        start_s, end_s = int(created.timestamp()) - 1, int(end.timestamp()) + 1
        outside = [t for t in times if not start_s <= t <= end_s]
        if outside:
            found.append(
                Finding(
                    "consistency",
                    "warn",
                    f"{len(outside)} sample(s) outside the session's lifetime, e.g. t={outside[0]}",
                    f"createdAt <= t <= endedAt/updatedAt ({start_s + 1}..{end_s - 1})",
                )
            )
    for family, key in (("cpuMillicores", "c"), ("memoryBytes", "m")):
        values = [s[key] for s in samples if _is_int(s.get(key))]
        p99 = metrics.get(family + "P99")
        if values and _is_int(p99) and not min(values) <= p99 <= max(values):
            found.append(
                Finding(
                    "consistency",
                    "warn",
                    f"{family}P99={p99} outside the series' range {min(values)}..{max(values)}",
                    "percentiles within the samples",
                )
            )
    return found


def drift_items(schema: Mapping[str, Any] | None, body: Any, status: int, path: str = "") -> list[DriftItem]:
    """Properties the body has and the schema does not name, and named properties the body leaves out."""
    if not schema:
        return []
    items: list[DriftItem] = []
    if isinstance(body, dict) and (schema.get("type") == "object" or "properties" in schema):
        props: Mapping[str, Any] = schema.get("properties") or {}
        for name, value in body.items():
            where = f"{path}.{name}" if path else name
            if name not in props:
                items.append(DriftItem(where, "undocumented", value, status))
            else:
                items.extend(drift_items(props[name], value, status, where))
        items.extend(DriftItem(f"{path}.{n}" if path else n, "missing", None, status) for n in props if n not in body)
    elif isinstance(body, list) and schema.get("type") == "array":
        for value in body:
            items.extend(drift_items(schema.get("items"), value, status, path + "[]"))
    return items


def check_drift(ctx: Context, ex: Exchange) -> Outcome:
    items = response_drift(ctx, ex)
    if items is None:
        return None
    severity: Severity = "fail" if ctx.strict else "warn"
    found = []
    for item in _unique(items):
        if item.kind == "undocumented":
            shown = _excerpt(item.example, 60)
            found.append(Finding("drift", severity, f"undocumented property {item.path} = {shown}", "not in the spec"))
        else:
            found.append(Finding("drift", severity, f"documented property {item.path} is missing", "present"))
    return found


def response_drift(ctx: Context, ex: Exchange) -> list[DriftItem] | None:
    schema = ctx.schema(ex.response.status)
    if schema is None or ex.response.media_type != JSON_MEDIA:
        return None
    body = _json(ex.response)
    return None if body is None else drift_items(schema, body, ex.response.status)


def _unique(items: list[DriftItem]) -> list[DriftItem]:
    seen: dict[tuple[str, str], DriftItem] = {}
    for item in items:
        seen.setdefault((item.path, item.kind), item)
    return list(seen.values())


# Order matters only for reading: the report lists checks in this order.
CHECKS: tuple[tuple[str, Check], ...] = (
    ("auth", check_auth),
    ("status", check_status),
    ("no-5xx", check_no_server_error),
    ("content-type", check_content_type),
    ("schema", check_schema),
    ("shape", check_shape),
    ("invariants", check_invariants),
    ("known-session", check_known_session),
    ("consistency", check_consistency),
    ("drift", check_drift),
)


def evaluate(ctx: Context, ex: Exchange) -> dict[str, Outcome]:
    return {name: check(ctx, ex) for name, check in CHECKS}


def _same_id(got: Any, wanted: str | None) -> bool:
    if not isinstance(got, str) or wanted is None:
        return False
    try:
        return uuid.UUID(got) == uuid.UUID(wanted)
    except ValueError:
        return got == wanted


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _excerpt(value: Any, limit: int) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, bytes) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
