"""The request pipeline without HTTP: route -> security -> request check -> negotiate -> body -> response.

Every stage takes and returns plain data, so all of it is testable without Flask or a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import _security
from ._bodies import BodyFactory, encode
from ._config import Config
from ._control import Control, StubHit
from ._faults import (
    NO_FAULTS,
    NOT_SET,
    FaultPlan,
    FaultSettings,
    RequestCounter,
    decide,
    faults_apply_to,
    stub_settings,
)
from ._fixture_model import Stub, StubResponse
from ._lifecycle import HANDLED, SDK_DETAILS, Lifecycle
from ._negotiate import Negotiation, Preferences, negotiate, parse_preferences
from ._request_check import ParameterChecker
from ._routing import MethodNotAllowed, RouteMatch, RouteNotFound, Router
from ._spec import Spec, load_spec
from ._store import State
from ._world import World, with_sdk_fields
from .errors import PreferenceError

JSON = "application/json"


@dataclass(frozen=True)
class MockRequest:
    method: str
    path: str  # raw and still percent-encoded, without the query string
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""  # the request body (read by the HTTP shell for methods that carry one)


@dataclass(frozen=True)
class MockResponse:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    media_type: str = JSON
    faults: FaultPlan = NO_FAULTS  # delay and connection fault for the HTTP shell to apply
    # Set when a stub answered: its latency, fault and errorRate are for the fault layer to apply.
    stub: Stub | None = None
    stub_response: StubResponse | None = None


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
        self.requests = RequestCounter()  # numbers requests for seeded faults; shared by forked workers
        # An error rate of 0 sets nothing: the settings stay empty, so decide() takes its no-draw path.
        error_rate = config.error_rate or None
        self.global_faults = FaultSettings(config.latency, error_rate, config.fault, config.fault_rate)
        self.control = Control(self.spec, config.fixtures, config.journal_size, config.state_db)
        world = World(self.control.fixture_body, only_fixtures=config.only_fixtures)
        self.lifecycle = Lifecycle(self.control.lifecycle_store, world, self.spec.operations)

    def handle(self, request: MockRequest) -> MockResponse:
        """Answer one API request and note it in the journal."""
        response = self._answer(request)
        self.control.record(
            request.method, request.path, request.query, request.headers, response.status, response.stub
        )
        return response

    def _answer(self, request: MockRequest) -> MockResponse:
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

        state = self.control.state()
        if route.operation.operation_id in HANDLED:  # stubs (which name no operation) keep to session details
            return self._lifecycle(request, route, state)
        hit = self.control.match_stub(state, route.path_params, request.headers)  # stubs override all below
        if hit is not None:
            return self._stubbed(request, route, hit, state)

        problem = self.params.problem(route.operation, route.path_params)
        serves_sessions = self.control.serves_sessions(route.operation)
        given = self.control.session(state, route.path_params) if serves_sessions else None
        # A session the user started or stopped is given in full, as of the clock. The lifecycle's last read
        # shares the state's generation counter: when it is current and holds no session, there is none to ask.
        known = self.control.lifecycle_store.last
        if serves_sessions and (known.rows or known.generation != state.generation):
            params = route.path_params
            sdk = route.operation.operation_id in SDK_DETAILS
            live = self.lifecycle.details(
                self.config.seed, params.get("agentName", ""), params.get("sessionId", ""), sdk
            )
            given = given if live is None else live
        if given is None and problem is None and serves_sessions and self.config.only_fixtures:
            problem = "Session not found"
        try:
            prefs = parse_preferences(request.headers.get("prefer"), request.query)
            key = (route.operation.operation_id, prefs, self.config.mode, self.config.seed)
            cached = None if problem else self._negotiations.get(key)
            neg = cached or negotiate(route.operation, prefs, self.config.mode, self.config.seed, problem)
            if not problem and not cached and len(self._negotiations) < 512:  # bounded: __seed=N varies freely
                self._negotiations[key] = neg
        except PreferenceError as exc:
            return self.error(422, str(exc))

        plan = self.fault_plan(request, NOT_SET if prefs.delay is None else FaultSettings(latency=prefs.delay))
        if plan.error:
            return self.injected_error(route, neg.seed, plan)
        body = self._body(route, neg, given if prefs.example is None else None)
        # A 401 asked for with Prefer code=401 carries the challenge a real 401 would (RFC 6750).
        headers = (("WWW-Authenticate", 'Bearer realm="api"'),) if neg.status == 401 else ()
        return MockResponse(neg.status, encode(body), headers, media_type=neg.media_type, faults=plan)

    def _fixture_session(self, route: RouteMatch, state: State) -> Mapping[str, Any] | None:
        """The fields a fixture gives for the requested session, when the operation serves sessions."""
        if not self.control.serves_sessions(route.operation):
            return None
        return self.control.session(state, route.path_params)

    def _body(self, route: RouteMatch, neg: Negotiation, given: Mapping[str, Any] | None) -> Any:
        """A fixture session's body for a 200 when one is given; otherwise the example or generated body."""
        if given is not None and neg.status == 200:
            body = self.control.session_body(route.operation, neg.seed, route.path_params, given)
            if route.operation.operation_id in SDK_DETAILS and "endState" not in body:
                body = with_sdk_fields(body, stopped=False)
            return body
        return self.bodies.body(route.operation, neg, route.path_params)

    def _lifecycle(self, request: MockRequest, route: RouteMatch, state: State) -> MockResponse:
        """Start, stop, list, agents: the world's answer (a Prefer header for a status or example wins)."""
        try:
            prefs = parse_preferences(request.headers.get("prefer"), request.query)
        except PreferenceError as exc:
            return self.error(422, str(exc))
        if prefs.code is not None or prefs.example is not None:
            neg = negotiate(route.operation, prefs, self.config.mode, self.config.seed)
            body = self.bodies.body(route.operation, neg, route.path_params)
            return MockResponse(neg.status, encode(body), media_type=neg.media_type)
        plan = self.fault_plan(request, NOT_SET if prefs.delay is None else FaultSettings(latency=prefs.delay))
        if plan.error:
            return self.injected_error(route, self.config.seed, plan)
        query = {k: v for k, v in request.query.items() if not k.startswith("__")}
        answer = self.lifecycle.answer(
            route.operation, self.config.seed, route.path_params, query, request.body, state.sessions
        )
        if answer.error is not None:
            return replace(self.error(answer.status, answer.error), faults=plan)
        body = self.bodies.shaped(route.operation, answer.status, answer.body)
        return MockResponse(answer.status, encode(body), faults=plan)

    def injected_error(self, route: RouteMatch, seed: int, plan: FaultPlan) -> MockResponse:
        """The 500 an error rate asks for: the operation's documented 500 body, with the plan's other faults."""
        neg = Negotiation(500, JSON, "generated", None, seed)
        return MockResponse(500, encode(self.bodies.body(route.operation, neg, route.path_params)), faults=plan)

    def fault_plan(self, request: MockRequest, *layers: FaultSettings) -> FaultPlan:
        """Numbers the request and decides its faults: earlier layers (request, stub) win over the flags."""
        if not faults_apply_to(request.path):
            return NO_FAULTS
        return decide(self.config.seed, self.requests.next(), [*layers, self.global_faults])

    def _stubbed(self, request: MockRequest, route: RouteMatch, hit: StubHit, state: State) -> MockResponse:
        reply = hit.response
        try:  # a stub overrides the request's preferences, except the delay it asks for
            delay = parse_preferences(request.headers.get("prefer"), request.query).delay
        except PreferenceError:
            delay = None
        stub = stub_settings(reply.latency, reply.fault, hit.stub.error_rate)
        plan = self.fault_plan(request, FaultSettings(latency=delay), stub)
        if plan.error:
            return replace(self.injected_error(route, self.config.seed, plan), stub=hit.stub, stub_response=reply)
        headers: tuple[tuple[str, str], ...] = ()
        if reply.has_body:
            body = reply.body
        elif reply.status == 401:  # not in the spec's responses: the mock's own 401
            body, headers = self.bodies.error(401, "Invalid API key."), (("WWW-Authenticate", 'Bearer realm="api"'),)
        else:
            neg = negotiate(route.operation, Preferences(code=reply.status), "dynamic", self.config.seed)
            body = self._body(route, neg, self._fixture_session(route, state))
        return MockResponse(reply.status, encode(body), headers, faults=plan, stub=hit.stub, stub_response=reply)

    def error(self, status: int, message: str, *headers: tuple[str, str]) -> MockResponse:
        return MockResponse(status, encode(self.bodies.error(status, message)), tuple(headers))
