"""Stage 4: the body for a negotiation: the spec's example, or the schema walker fed by a realism provider."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._echo import BodyGenerator, message_fields
from ._json import dumps
from ._negotiate import Negotiation
from ._realism import Hints
from ._session import error_message, lazy_rng_for, session_values
from ._spec import MediaType, Operation, Spec
from ._walker import MISSING, compile_schema

# Realism providers by component schema name: values they know, consistent with each other.
Provider = Callable[[Negotiation, Mapping[str, str], MediaType], Mapping[str, Any]]


def _session(neg: Negotiation, params: Mapping[str, str], media: MediaType) -> Mapping[str, Any]:
    return session_values(neg.seed, params.get("agentName", ""), params.get("sessionId", ""))


def _error(neg: Negotiation, params: Mapping[str, str], media: MediaType) -> Mapping[str, Any]:
    return {"error": error_message(neg.status, neg.reason, media.examples.get("default")), "code": str(neg.status)}


PROVIDERS: dict[str, Provider] = {"SessionResponse": _session, "ErrorResponse": _error}


def encode(value: Any) -> bytes:
    return dumps(value)  # compact, deterministic JSON


class BodyFactory:
    def __init__(self, spec: Spec) -> None:
        # Realism output is filtered to the schema (keep_extra=False): a field the spec drops disappears.
        hints = Hints.from_document(spec.document)
        openapi_31 = spec.openapi_31
        self._walkers: dict[tuple[str, str, str], BodyGenerator] = {
            (op.operation_id, status, media.name): BodyGenerator(
                media.schema, op, hints, openapi_31, media.examples.values()
            )
            for op in spec.operations
            for status, response in op.responses.items()
            for media in response.content
        }
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

    def error(self, status: int, message: str) -> Any:
        """An ErrorResponse-shaped body for statuses the mock answers itself (401, 404, 405, 422)."""
        values = {"error": message, "code": str(status)}
        if self._error_walker is None:
            return values
        return self._error_walker(lazy_rng_for("error", status, message), values)
