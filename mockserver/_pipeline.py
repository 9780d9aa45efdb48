"""The request pipeline without HTTP: route -> security -> request check -> negotiate -> body -> response.

Every stage takes and returns plain data, so all of it is testable without Flask or a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import _security
from ._bodies import BodyFactory, encode
from ._config import Config
from ._negotiate import negotiate, parse_preferences
from ._request_check import ParameterChecker
from ._routing import MethodNotAllowed, RouteNotFound, Router
from ._spec import Spec, load_spec
from .errors import PreferenceError

JSON = "application/json"


@dataclass(frozen=True)
class MockRequest:
    method: str
    path: str  # raw and still percent-encoded, without the query string
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names


@dataclass(frozen=True)
class MockResponse:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    media_type: str = JSON


class Mock:
    """The mock of one spec: build once per process, then `handle` requests from any thread."""

    def __init__(self, config: Config, spec: Spec | None = None) -> None:
        self.config = config
        self.spec = spec or load_spec(config.spec)
        self.router = Router(self.spec)
        self.params = ParameterChecker(self.spec)
        self.bodies = BodyFactory(self.spec)

    def handle(self, request: MockRequest) -> MockResponse:
        route = self.router.match(request.method, request.path)
        if isinstance(route, RouteNotFound):
            return self.error(404, "API endpoint not found")
        if isinstance(route, MethodNotAllowed):
            allowed = ", ".join(route.allowed)
            return self.error(
                405, f"Method {request.method} is not allowed here. Allowed: {allowed}.", ("Allow", allowed)
            )

        auth = _security.check(
            route.operation, self.spec.security_schemes, request.headers.get("authorization"), self.config.api_keys
        )
        if isinstance(auth, _security.Unauthorized):
            return self.error(401, auth.message, ("WWW-Authenticate", auth.challenge))

        try:
            prefs = parse_preferences(request.headers.get("prefer"), request.query)
            neg = negotiate(
                route.operation,
                prefs,
                self.config.mode,
                self.config.seed,
                self.params.problem(route.operation, route.path_params),
            )
        except PreferenceError as exc:
            return self.error(422, str(exc))

        body = self.bodies.body(route.operation, neg, route.path_params)
        # A 401 asked for with Prefer code=401 carries the challenge a real 401 would (RFC 6750).
        headers = (("WWW-Authenticate", 'Bearer realm="api"'),) if neg.status == 401 else ()
        return MockResponse(neg.status, encode(body), headers, media_type=neg.media_type)

    def error(self, status: int, message: str, *headers: tuple[str, str]) -> MockResponse:
        return MockResponse(status, encode(self.bodies.error(status, message)), tuple(headers))
