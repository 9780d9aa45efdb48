"""Stage 4: the body for a negotiation: the spec's example, or the schema walker fed by a realism provider."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pipecat_cloud_mock.errors import SpecError, error_response
from pipecat_cloud_mock.mocker.consistency import deep_merge, realism_base
from pipecat_cloud_mock.mocker.echo import BodyGenerator, error_message, message_fields
from pipecat_cloud_mock.mocker.encode import dumps
from pipecat_cloud_mock.mocker.negotiate import Negotiation
from pipecat_cloud_mock.mocker.realism import Hints
from pipecat_cloud_mock.mocker.session import end_state, lifecycle_events, session_values
from pipecat_cloud_mock.mocker.walker import MISSING, compile_schema
from pipecat_cloud_mock.seed import lazy_rng_for, rng_for
from pipecat_cloud_mock.spec.loader import MediaType, Operation, Spec

# Realism providers by component schema name: values they know, consistent with each other.
Provider = Callable[[Negotiation, Mapping[str, str], MediaType], Mapping[str, Any]]


def _session(neg: Negotiation, params: Mapping[str, str], media: MediaType) -> Mapping[str, Any]:
    return session_values(neg.seed, params.get("agentName", ""), params.get("sessionId", ""))


def _error(neg: Negotiation, params: Mapping[str, str], media: MediaType) -> Mapping[str, Any]:
    return error_response(neg.status, error_message(neg.status, neg.reason, media.examples.get("default")))


def _sdk_session(neg: Negotiation, params: Mapping[str, str], media: MediaType) -> Mapping[str, Any]:
    """The SDK's path also gets what the real service sends beyond the spec (declared by the overlay)."""
    values = _session(neg, params, media)
    return {**values, "endState": end_state(values), "events": lifecycle_events(values)}


PROVIDERS: dict[str, Provider] = {
    "SessionResponse": _session,
    "SdkSessionResponse": _sdk_session,
    "ErrorResponse": _error,
}


def encode(value: Any) -> bytes:
    return dumps(value)  # compact, deterministic JSON


class BodyFactory:
    def __init__(self, spec: Spec) -> None:
        # Realism output is filtered to the schema (keep_extra=False): a field the spec drops disappears.
        hints = Hints.from_document(spec.document)
        openapi_31 = spec.openapi_31
        self._walkers: dict[tuple[str, str, str], BodyGenerator] = {}
        for op in spec.operations:
            for status, response in op.responses.items():
                for media in response.content:
                    try:
                        walker = BodyGenerator(media.schema, op, hints, openapi_31, media.examples.values())
                    except SpecError as exc:  # a schema the walker cannot make a value of
                        where = f"operation {op.operation_id} ({op.method} {op.path}), response {status} {media.name}"
                        raise SpecError(spec.path, f"{where}: {exc.problem}") from None
                    self._walkers[(op.operation_id, status, media.name)] = walker
        session = spec.schema("SessionResponse") if spec.has_schema("SessionResponse") else None
        self._given_walker = compile_schema(session, keep_extra=True)  # a user's extra fields are kept
        self._error_walker = (
            compile_schema(spec.schema("ErrorResponse"), keep_extra=False) if spec.has_schema("ErrorResponse") else None
        )

    def body(
        self,
        operation: Operation,
        neg: Negotiation,
        params: Mapping[str, str],
        query: Mapping[str, str] | None = None,
    ) -> Any:
        response = operation.responses.get(str(neg.status))
        media = response.media_type(neg.media_type) if response else None
        if media is None:
            return self.error(neg.status, error_message(neg.status, neg.reason, None))
        if neg.source == "example" and neg.example is not None:
            return media.examples[neg.example]
        walker = self._walkers[(operation.operation_id, response.status, media.name)]  # type: ignore[union-attr]
        provider = PROVIDERS.get(media.schema_name or "")
        provided = provider(neg, params, media) if provider else MISSING
        if provided is MISSING and neg.reason:
            provided = message_fields(media.schema, neg.reason, neg.status)
        rng = lazy_rng_for(neg.seed, "fill", operation.operation_id, neg.status, *params.values())
        return walker(rng, provided, params, query)

    def given_session(self, operation_id: str, seed: int, params: Mapping[str, str], given: Mapping[str, Any]) -> Any:
        """A session the user gave some fields of (a fixture, the admin API): those exactly as written, the rest
        generated around them, as `operation_id` with these path parameters serves it."""
        agent, session_id = params.get("agentName", ""), params.get("sessionId", "")
        provided = deep_merge(realism_base(seed, agent, session_id, given), given)
        return self._given_walker(rng_for(seed, "fill", operation_id, 200, *params.values()), provided)

    def shaped(self, operation: Operation, status: int, values: Any) -> Any:
        """`values` as the operation's response schema declares them: undeclared fields dropped, none added."""
        response = operation.responses.get(str(status))
        media = response.media_type() if response else None
        return project(media.schema, values) if media is not None and media.schema else values

    def error(self, status: int, message: str) -> Any:
        """An ErrorResponse-shaped body for statuses the mock answers itself (401, 404, 405, 422)."""
        values = error_response(status, message)
        if self._error_walker is None:
            return values
        return self._error_walker(lazy_rng_for("error", status, message), values)


def project(schema: Mapping[str, Any], value: Any) -> Any:
    """`value` with every object key its schema does not declare removed (a schema without properties keeps all),
    and an optional field left out where it is null and its schema admits no null (a spec that says less than
    the service sends: an active session's `endedAt`)."""
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [project(schema["items"], v) for v in value]
    properties = schema.get("properties")
    if isinstance(value, Mapping) and isinstance(properties, Mapping):
        required = set(schema.get("required") or ())
        return {
            k: project(properties[k], v)
            for k, v in value.items()
            if k in properties and (v is not None or k in required or _admits_null(properties[k]))
        }
    return value


def _admits_null(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    return bool(schema.get("nullable")) or (isinstance(kind, list) and "null" in kind) or "type" not in schema
