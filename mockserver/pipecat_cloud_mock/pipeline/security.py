"""Stage 2: the operation's security requirements, as the spec declares them (HTTP bearer here)."""

from __future__ import annotations

import hmac
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from pipecat_cloud_mock.secret import Secret
from pipecat_cloud_mock.spec.loader import Operation

# RFC 6750 b64token: the characters a bearer token may contain.
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


@dataclass(frozen=True)
class Authorized:
    pass


@dataclass(frozen=True)
class Unauthorized:
    message: str
    challenge: str  # the WWW-Authenticate value


SecurityResult = Authorized | Unauthorized


def check(
    operation: Operation,
    schemes: Mapping[str, Mapping[str, Any]],
    authorization: str | None,
    accepted_tokens: Collection[Secret] = (),
) -> SecurityResult:
    """Authorized when any one of the operation's requirements is met (OpenAPI's OR semantics)."""
    if not operation.security or any(not requirement for requirement in operation.security):
        return Authorized()
    failure: Unauthorized | None = None
    for requirement in operation.security:
        result = _check_requirement(requirement, schemes, authorization, accepted_tokens)
        if isinstance(result, Authorized):
            return result
        failure = failure or result
    assert failure is not None
    return failure


def _check_requirement(
    requirement: Mapping[str, Any],
    schemes: Mapping[str, Mapping[str, Any]],
    authorization: str | None,
    accepted_tokens: Collection[Secret],
) -> SecurityResult:
    for name in requirement:
        scheme = schemes.get(name, {})
        if scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            result = _check_bearer(authorization, accepted_tokens)
            if isinstance(result, Unauthorized):
                return result
        # Other scheme types are not in this API; they are let through rather than guessed at.
    return Authorized()


def _check_bearer(authorization: str | None, accepted_tokens: Collection[Secret]) -> SecurityResult:
    if not authorization or not authorization.strip():
        return Unauthorized(
            "Missing Authorization header. Send 'Authorization: Bearer <your private API key>'.", 'Bearer realm="api"'
        )
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not _TOKEN.fullmatch(token):
        return Unauthorized(
            "Malformed Authorization header. Expected 'Bearer <token>' with a non-empty token.",
            'Bearer realm="api", error="invalid_request"',
        )
    if accepted_tokens and not any(hmac.compare_digest(token.encode(), k.reveal().encode()) for k in accepted_tokens):
        return Unauthorized("Invalid API key.", 'Bearer realm="api", error="invalid_token"')
    return Authorized()
