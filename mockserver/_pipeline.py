"""The request pipeline without HTTP: route -> security -> request check -> negotiate -> body -> response.

Every stage takes and returns plain data, so all of it is testable without Flask or a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import _security
from ._bodies import BodyFactory, encode
from ._config import Config
from ._faults import NO_FAULTS, FaultPlan, FaultSettings, RequestCounter, decide, faults_apply_to
from ._negotiate import Negotiation, negotiate, parse_preferences
from ._request_check import ParameterChecker
from ._routing import MethodNotAllowed, RouteMatch, RouteNotFound, Router
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
    faults: FaultPlan = NO_FAULTS  # delay and connection fault for the HTTP shell to apply


class Mock:
    """The mock of one spec: build once per process, then `handle` requests from any thread."""

    def __init__(self, config: Config, spec: Spec | None = None) -> None:
        self.config = config
        self.spec = spec or load_spec(config.spec)
        self.router = Router(self.spec)
        self.params = ParameterChecker(self.spec)
        self.bodies = BodyFactory(self.spec)
        self.requests = RequestCounter()  # numbers requests for seeded faults; shared by forked workers
        self.global_faults = FaultSettings(config.latency, config.error_rate, config.fault, config.fault_rate)

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

        plan = self.fault_plan(request, FaultSettings(latency=prefs.delay))
        if plan.error:
            return self.injected_error(route, neg.seed, plan)
        body = self.bodies.body(route.operation, neg, route.path_params)
        return MockResponse(neg.status, encode(body), media_type=neg.media_type, faults=plan)

    def injected_error(self, route: RouteMatch, seed: int, plan: FaultPlan) -> MockResponse:
        """The 500 an error rate asks for: the operation's documented 500 body, with the plan's other faults."""
        neg = Negotiation(500, JSON, "generated", None, seed)
        return MockResponse(500, encode(self.bodies.body(route.operation, neg, route.path_params)), faults=plan)

    def fault_plan(self, request: MockRequest, *layers: FaultSettings) -> FaultPlan:
        """Numbers the request and decides its faults: earlier layers (request, stub) win over the flags."""
        if not faults_apply_to(request.path):
            return NO_FAULTS
        return decide(self.config.seed, self.requests.next(), [*layers, self.global_faults])

    def error(self, status: int, message: str, *headers: tuple[str, str]) -> MockResponse:
        return MockResponse(status, encode(self.bodies.error(status, message)), tuple(headers))
