"""The request pipeline without HTTP: route -> security -> request check -> negotiate -> body -> response.

Every stage takes and returns plain data, so all of it is testable without Flask or a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pipecat_cloud_mock.config import Config
from pipecat_cloud_mock.errors import PreferenceError
from pipecat_cloud_mock.faults import (
    NO_FAULTS,
    NOT_SET,
    FaultPlan,
    FaultSettings,
    RequestCounter,
    decide,
    stub_settings,
)
from pipecat_cloud_mock.mocker.bodies import BodyFactory, encode
from pipecat_cloud_mock.mocker.negotiate import Negotiation, Preferences, negotiate, parse_preferences
from pipecat_cloud_mock.mocker.world import World, with_sdk_fields
from pipecat_cloud_mock.pipeline import security as _security
from pipecat_cloud_mock.pipeline.lifecycle import HANDLED, SDK_DETAILS, Lifecycle
from pipecat_cloud_mock.pipeline.params import ParameterChecker, RequestChecker, RequestProblem
from pipecat_cloud_mock.pipeline.routing import MethodNotAllowed, RouteMatch, RouteNotFound, Router
from pipecat_cloud_mock.spec.loader import Spec, load_spec
from pipecat_cloud_mock.state.control import Control, StubHit
from pipecat_cloud_mock.state.model import Stub, StubResponse
from pipecat_cloud_mock.state.store import State

JSON = "application/json"


@dataclass(frozen=True)
class PipelineRequest:
    method: str
    path: str  # raw and still percent-encoded, without the query string
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""  # the request body (read by the HTTP shell for methods that carry one)


@dataclass(frozen=True)
class PipelineResponse:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    media_type: str = JSON
    faults: FaultPlan = NO_FAULTS  # delay and connection fault for the HTTP shell to apply
    # Set when a stub answered: its latency, fault and errorRate are for the fault layer to apply.
    stub: Stub | None = None
    stub_response: StubResponse | None = None
    # For verification and coverage: the operation routed to (None: no operation matched) and what produced
    # the answer (generated, example, fixture, stub, fault, security, preference; routing when unmatched).
    operation: str | None = None
    source: str = "generated"


class MockPipeline:
    """The mock of one spec: build once per process, then `handle` requests from any thread."""

    def __init__(self, config: Config, spec: Spec | None = None) -> None:
        self.config = config
        self.spec = spec or load_spec(config.spec)
        self.router = Router(self.spec)
        self.params = ParameterChecker(self.spec)
        self.request_check = RequestChecker(self.spec)
        # Statuses the spec documents without content (a 204): answered with an empty body.
        self._no_content = frozenset(
            (op.operation_id, int(status))
            for op in self.spec.operations
            for status, response in op.responses.items()
            if status.isdigit() and not response.content
        )
        self.bodies = BodyFactory(self.spec)
        # Negotiations depend only on the operation, the preferences and the config: the same few every request.
        self._negotiations: dict[tuple[object, ...], Negotiation] = {}
        self.requests = RequestCounter()  # numbers requests for seeded faults; shared by forked workers
        # An error rate of 0 sets nothing: the settings stay empty, so decide() takes its no-draw path.
        error_rate = config.error_rate or None
        self.global_faults = FaultSettings(config.latency, error_rate, config.fault, config.fault_rate)
        self.control = Control(self.spec, config.fixtures, config.journal_size, config.state_db)
        self.control.redacted_names = config.redact_headers
        # A fixture session in a list or an agent's counts is the one getSession serves (when the spec has it).
        serving = [op.operation_id for op in self.spec.operations if self.control.serves_sessions(op)]
        has_details = any(op.operation_id == "getSession" for op in self.spec.operations)
        details = "getSession" if has_details or not serving else serving[0]

        def listed(seed: int, agent: str, session_id: str, given: Mapping[str, Any]) -> Any:
            return self.bodies.given_session(details, seed, {"agentName": agent, "sessionId": session_id}, given)

        world = World(listed, only_fixtures=config.only_fixtures)
        self.lifecycle = Lifecycle(self.control.lifecycle_store, world)

    def handle(self, request: PipelineRequest) -> PipelineResponse:
        """Answer one API request and note it in the journal."""
        response = self._answer(request)
        self.control.record(
            request.method,
            request.path,
            request.query,
            request.headers,
            response.status,
            response.stub,
            response.operation,
            response.source,
        )
        return response

    def _answer(self, request: PipelineRequest) -> PipelineResponse:
        route = self.router.match(request.method, request.path)
        if isinstance(route, RouteNotFound):
            return self.error(404, "API endpoint not found", source="routing")
        if isinstance(route, MethodNotAllowed):
            allowed = ", ".join(route.allowed)
            message = f"Method {request.method} is not allowed here. Allowed: {allowed}."
            return self.error(405, message, ("Allow", allowed), source="routing")
        operation = route.operation.operation_id

        auth = _security.check(
            route.operation, self.spec.security_schemes, request.headers.get("authorization"), self.config.api_keys
        )
        if isinstance(auth, _security.Unauthorized):
            challenge = ("WWW-Authenticate", auth.challenge)
            return self.error(401, auth.message, challenge, operation=operation, source="security")

        state = self.control.state()
        if route.operation.operation_id in HANDLED:  # stubs (which name no operation) keep to session details
            return self._lifecycle(request, route, state)
        hit = self.control.match_stub(state, route.path_params, request.headers)  # stubs override all below
        if hit is not None:
            return self._stubbed(request, route, hit, state)

        problem = self.params.problem(route.operation, route.path_params)
        if problem and route.operation.operation_id in self.request_check.no_404:  # the spec's 400/422 says it
            name, value, schema = self.params.invalid(route.operation, route.path_params) or ("", "", {})
            return self._invalid_request(route, self.request_check.path_problem(route.operation, name, value, schema))
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
            return self.error(422, str(exc), operation=operation, source="preference")
        # Query, headers and body against the spec, for the operations that have any of them to check; an
        # explicit Prefer code= still answers that status.
        if not problem and prefs.code is None:
            bad = self._request_problem(route, request)
            if bad is not None:
                return self._invalid_request(route, bad)

        plan = self.fault_plan(request, NOT_SET if prefs.delay is None else FaultSettings(latency=prefs.delay))
        if plan.error:
            return self.injected_error(route, neg.seed, plan)
        given = given if prefs.example is None else None
        if (route.operation.operation_id, neg.status) in self._no_content:
            return PipelineResponse(neg.status, b"", (), neg.media_type, plan, operation=operation, source=neg.source)
        body = self._body(route, neg, given, request.query)
        # A 401 asked for with Prefer code=401 carries the challenge a real 401 would (RFC 6750).
        headers = (("WWW-Authenticate", 'Bearer realm="api"'),) if neg.status == 401 else ()
        source = "fixture" if given is not None and neg.status == 200 else neg.source
        return PipelineResponse(
            neg.status, encode(body), headers, neg.media_type, plan, operation=operation, source=source
        )

    def _fixture_session(self, route: RouteMatch, state: State) -> Mapping[str, Any] | None:
        """The fields a fixture gives for the requested session, when the operation serves sessions."""
        if not self.control.serves_sessions(route.operation):
            return None
        return self.control.session(state, route.path_params)

    def _body(
        self,
        route: RouteMatch,
        neg: Negotiation,
        given: Mapping[str, Any] | None,
        query: Mapping[str, str] | None = None,
    ) -> Any:
        """A fixture session's body for a 200 when one is given; otherwise the example or generated body."""
        if given is not None and neg.status == 200:
            body = self.bodies.given_session(route.operation.operation_id, neg.seed, route.path_params, given)
            if route.operation.operation_id in SDK_DETAILS and "endState" not in body:
                body = with_sdk_fields(body, stopped=False)
            return body
        return self.bodies.body(route.operation, neg, route.path_params, query)

    def _request_problem(self, route: RouteMatch, request: PipelineRequest) -> RequestProblem | None:
        if route.operation.operation_id not in self.request_check.checked:
            return None
        return self.request_check.problem(route.operation, request.query, request.headers, request.body)

    def _invalid_request(self, route: RouteMatch, bad: RequestProblem) -> PipelineResponse:
        """The operation's documented 400/422 body carrying the message; the mock's ErrorResponse otherwise."""
        response = route.operation.responses.get(str(bad.status))
        media = response.media_type() if response else None
        operation = route.operation.operation_id
        if media is None or media.schema is None:
            return self.error(bad.status, bad.message, operation=operation, source="validation")
        neg = Negotiation(bad.status, media.name, "generated", None, self.config.seed, reason=bad.message)
        body = self.bodies.body(route.operation, neg, route.path_params)
        return PipelineResponse(bad.status, encode(body), (), media.name, operation=operation, source="validation")

    def _lifecycle(self, request: PipelineRequest, route: RouteMatch, state: State) -> PipelineResponse:
        """Start, stop, list, agents: the world's answer (a Prefer header for a status or example wins)."""
        operation = route.operation.operation_id
        try:
            prefs = parse_preferences(request.headers.get("prefer"), request.query)
        except PreferenceError as exc:
            return self.error(422, str(exc), operation=operation, source="preference")
        if prefs.code is not None or prefs.example is not None:
            neg = negotiate(route.operation, prefs, self.config.mode, self.config.seed)
            body = self.bodies.body(route.operation, neg, route.path_params)
            return PipelineResponse(
                neg.status, encode(body), media_type=neg.media_type, operation=operation, source=neg.source
            )
        bad = self._request_problem(route, request)
        if bad is not None:
            return self._invalid_request(route, bad)
        plan = self.fault_plan(request, NOT_SET if prefs.delay is None else FaultSettings(latency=prefs.delay))
        if plan.error:
            return self.injected_error(route, self.config.seed, plan)
        query = {k: v for k, v in request.query.items() if not k.startswith("__")}
        answer = self.lifecycle.answer(
            route.operation, self.config.seed, route.path_params, query, request.body, state.sessions
        )
        if answer.error is not None:
            return replace(self.error(answer.status, answer.error, operation=operation), faults=plan)
        body = self.bodies.shaped(route.operation, answer.status, answer.body)
        return PipelineResponse(answer.status, encode(body), faults=plan, operation=operation, source="generated")

    def injected_error(self, route: RouteMatch, seed: int, plan: FaultPlan) -> PipelineResponse:
        """The 500 an error rate asks for: the operation's documented 500 body, with the plan's other faults."""
        neg = Negotiation(500, JSON, "generated", None, seed)
        body = encode(self.bodies.body(route.operation, neg, route.path_params))
        return PipelineResponse(500, body, faults=plan, operation=route.operation.operation_id, source="fault")

    def fault_plan(self, request: PipelineRequest, *layers: FaultSettings) -> FaultPlan:
        """Numbers the request and decides its faults: earlier layers (request, stub) win over the flags."""
        return decide(self.config.seed, self.requests.next(), [*layers, self.global_faults])

    def _stubbed(self, request: PipelineRequest, route: RouteMatch, hit: StubHit, state: State) -> PipelineResponse:
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
        operation = route.operation.operation_id
        return PipelineResponse(
            reply.status,
            encode(body),
            headers,
            faults=plan,
            stub=hit.stub,
            stub_response=reply,
            operation=operation,
            source="stub",
        )

    def error(
        self, status: int, message: str, *headers: tuple[str, str], operation: str | None = None, source: str = "mock"
    ) -> PipelineResponse:
        body = encode(self.bodies.error(status, message))
        return PipelineResponse(status, body, tuple(headers), operation=operation, source=source)
