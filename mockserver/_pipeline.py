"""The request pipeline without HTTP: route -> security -> request check -> negotiate -> body -> response.

Every stage takes and returns plain data, so all of it is testable without Flask or a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import _security
from ._bodies import BodyFactory, encode
from ._config import Config
from ._negotiate import Negotiation, negotiate, parse_preferences
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
        # Negotiations depend only on the operation, the preferences and the config: the same few every request.
        self._negotiations: dict[tuple[object, ...], Negotiation] = {}

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
            problem = self.params.problem(route.operation, route.path_params)
            key = (route.operation.operation_id, prefs, self.config.mode, self.config.seed)
            cached = None if problem else self._negotiations.get(key)
            neg = cached or negotiate(route.operation, prefs, self.config.mode, self.config.seed, problem)
            if not problem and not cached and len(self._negotiations) < 512:  # bounded: __seed=N varies freely
                self._negotiations[key] = neg
        except PreferenceError as exc:
            return self.error(422, str(exc))

        body = self.bodies.body(route.operation, neg, route.path_params)
        return MockResponse(neg.status, encode(body), media_type=neg.media_type)

    def error(self, status: int, message: str, *headers: tuple[str, str]) -> MockResponse:
        return MockResponse(status, encode(self.bodies.error(status, message)), tuple(headers))
