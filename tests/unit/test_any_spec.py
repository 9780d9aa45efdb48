"""Real specs served as they are: every operation answers every documented status, every body validates
through openapi-core, every general realism rule holds (tests/specs/README.md says where they come from).

The operations under the official reference's public server (`/v1/public`, path-level `servers`) are asked
for at that base path: those tests need path-level servers to be routed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from pipecat_cloud_mock import Config
from pipecat_cloud_mock.mocker.walker import MISSING, compile_schema
from pipecat_cloud_mock.pipeline.mock import MockPipeline, PipelineRequest, PipelineResponse
from pipecat_cloud_mock.pipeline.routing import RouteMatch
from pipecat_cloud_mock.seed import rng_for
from pipecat_cloud_mock.spec.loader import Operation, Spec, load_spec
from pipecat_cloud_mock.spec.openapi import ResponseValidator

from tests.support.realism_checks import rule_violations
from tests.support.specs import OFFICIAL, SPECS

PETSTORE = SPECS / "petstore-expanded.yaml"
AUTH = {"authorization": "Bearer test-token"}
SESSION_ID = "639f91d8-d511-4677-a83b-bd7564d5d92f"
CANDIDATES = ("my-agent", "my-set", "abc")


_SERVED: dict[Path, tuple[Spec, MockPipeline, ResponseValidator]] = {}


def served(path: Path) -> tuple[Spec, MockPipeline, ResponseValidator]:
    """One pipeline per spec for the module (collection reads the specs too); closed after its last test."""
    if path not in _SERVED:
        spec = load_spec(path)
        _SERVED[path] = spec, MockPipeline(Config(access_log=False), spec), ResponseValidator(spec)
    return _SERVED[path]


@pytest.fixture(scope="module", autouse=True)
def _close_served() -> Iterator[None]:
    yield
    while _SERVED:
        _SERVED.popitem()[1][1].control.close()


def base_path(spec: Spec, operation: Operation) -> str:
    """The operation's own base path: operation-, then path-, then document-level servers."""
    item = spec.document["paths"][operation.path]
    raw = item.get(operation.method.lower(), {})
    servers = raw.get("servers") or item.get("servers") or spec.document.get("servers") or [{"url": "/"}]
    return urlsplit(servers[0]["url"]).path.rstrip("/")


def path_value(name: str, schema: Mapping[str, Any]) -> str:
    if schema.get("format") == "uuid" or name.lower().endswith("sessionid") or name == "buildId":
        return SESSION_ID
    if schema.get("type") == "integer":
        return "7"
    pattern = schema.get("pattern")
    return next((c for c in CANDIDATES if pattern is None or re.search(pattern, c)), CANDIDATES[0])


def request_for(spec: Spec, operation: Operation, prefer: str | None = None) -> tuple[PipelineRequest, dict[str, str]]:
    params = {p.name: path_value(p.name, p.schema) for p in operation.parameters if p.location == "path"}
    path = operation.path
    for name, value in params.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    headers = {**AUTH, "content-type": "application/json"}
    if prefer:
        headers["prefer"] = prefer
    request = PipelineRequest(operation.method, base_path(spec, operation) + path, {}, headers, request_body(operation))
    return request, params


def request_body(operation: Operation) -> bytes:
    """The spec's example body when it gives one, else one the walker generates from the schema."""
    if operation.request_body is None or "application/json" not in operation.request_body.content:
        return b""
    item = next(
        item
        for template, item in served_document_paths()
        if template == operation.path and operation.method.lower() in item
    )
    content = item[operation.method.lower()]["requestBody"]["content"]["application/json"]
    examples = content.get("examples") or {}
    example = content.get("example", next((e.get("value") for e in examples.values()), MISSING))
    if example is MISSING:
        example = compile_schema(operation.request_body.content["application/json"])(rng_for("body"), MISSING)
    return json.dumps(example).encode()


def served_document_paths() -> Iterator[tuple[str, Mapping[str, Any]]]:
    for path in (OFFICIAL, PETSTORE):
        yield from served(path)[0].document["paths"].items()


def check_response(
    spec: Spec, validator: ResponseValidator, request: PipelineRequest, response: PipelineResponse
) -> None:
    content_type = response.media_type
    problems = validator.violations(request.method, request.path, response.status, content_type, response.body)
    assert problems == [], (request.method, request.path, response.status, problems, response.body[:300])


def cases(path: Path, public: bool | None = None) -> list[Any]:
    spec = served(path)[0]
    out = []
    for op in spec.operations:
        if op.method in ("HEAD", "OPTIONS") and op.method.lower() not in spec.document["paths"][op.path]:
            continue
        if public is not None and (base_path(spec, op) != spec.base_path) != public:
            continue
        for status in op.documented_statuses:
            out.append(pytest.param(path, op.operation_id, status, id=f"{path.stem}-{op.operation_id}-{status}"))
    return out


def _answer(path: Path, operation_id: str, status: int) -> None:
    spec, mock, validator = served(path)
    op = spec.operation(operation_id)
    request, params = request_for(spec, op, f"code={status}")
    route = mock.router.match(request.method, request.path)
    assert isinstance(route, RouteMatch), f"{request.method} {request.path} is not routed"
    assert route.operation.operation_id == operation_id
    response = mock.handle(request)
    assert response.status == status, response.body[:300]
    check_response(spec, validator, request, response)
    media = op.responses[str(status)].media_type(response.media_type)
    if response.body and media is not None and media.schema is not None:
        assert rule_violations(media.schema, json.loads(response.body), params) == []


@pytest.mark.parametrize(("path", "operation_id", "status"), cases(OFFICIAL, public=False) + cases(PETSTORE))
def test_every_operation_answers_every_documented_status_valid_and_realistic(
    path: Path, operation_id: str, status: int
) -> None:
    _answer(path, operation_id, status)


@pytest.mark.parametrize(("path", "operation_id", "status"), cases(OFFICIAL, public=True))
def test_the_public_server_operations_answer_at_their_own_base_path(path: Path, operation_id: str, status: int) -> None:
    """Needs path-level `servers` routed: the official spec puts these under /v1/public."""
    _answer(path, operation_id, status)


@pytest.mark.parametrize("seed", range(12))
def test_generated_bodies_keep_the_rules_over_many_seeds(seed: int) -> None:
    for path in (OFFICIAL, PETSTORE):
        spec, mock, validator = served(path)
        for op in spec.operations:
            if base_path(spec, op) != spec.base_path or op.method in ("HEAD", "OPTIONS"):
                continue
            request, params = request_for(spec, op, f"seed={seed}, dynamic=true")
            response = mock.handle(request)
            # The session world may refuse (stopping a generated session that has ended): a documented status.
            assert response.status < 300 or str(response.status) in op.responses, (op.operation_id, response.body[:300])
            check_response(spec, validator, request, response)
            media = op.responses[str(response.status)].media_type(response.media_type)
            if response.body and media is not None and media.schema is not None:
                assert rule_violations(media.schema, json.loads(response.body), params) == [], op.operation_id


def test_the_issue_s_complaints_are_gone_from_the_official_reference() -> None:
    """UUID ids, ordered times, min <= max replicas, counts that fit, the stopped session's own id."""
    spec, mock, _ = served(OFFICIAL)
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
    ids = []
    for seed in range(20):
        prefer = f"seed={seed}, dynamic=true"
        services = json.loads(mock.handle(request_for(spec, spec.operation("listServices"), prefer)[0]).body)
        ids += [item["id"] for item in services["services"] if "id" in item]  # optional: sometimes absent
        agent = json.loads(mock.handle(request_for(spec, spec.operation("getService"), prefer)[0]).body)
        assert agent["name"] == "my-agent"
        if "createdAt" in agent and "updatedAt" in agent:
            assert agent["createdAt"] <= agent["updatedAt"]
        scaling = agent["autoScaling"]
        assert scaling["minReplicas"] <= scaling["maxReplicas"] <= 100
        started = json.loads(mock.handle(request_for(spec, spec.operation("startService"), prefer)[0]).body)
        stop, _ = request_for(spec, spec.operation("stopSession"), prefer)
        stop = replace(stop, path=stop.path.replace(SESSION_ID, started["sessionId"]))
        stopped = mock.handle(stop)
        assert stopped.status == 200, stopped.body
        assert json.loads(stopped.body)["session_id"] == started["sessionId"]
        sessions = json.loads(mock.handle(request_for(spec, spec.operation("getSessions"), prefer)[0]).body)
        assert sessions["total_count"] >= len(sessions["sessions"])
        assert sessions["total_count"] <= len(sessions["sessions"]) * 4 + 10
        builds = json.loads(mock.handle(request_for(spec, spec.operation("listBuilds"), prefer)[0]).body)
        for build in builds["builds"]:
            if "startedAt" in build and "completedAt" in build and build["completedAt"] is not None:
                assert build["startedAt"] <= build["completedAt"]
    assert len(ids) >= 10
    assert [i for i in ids if not uuid.fullmatch(i)] == []


def test_the_petstore_echoes_an_integer_id_into_its_pet() -> None:
    _spec, mock, _ = served(PETSTORE)
    response = mock.handle(PipelineRequest("GET", "/api/pets/42", {}, {}))
    assert response.status == 200
    assert json.loads(response.body)["id"] == 42


def test_a_status_documented_without_content_has_an_empty_body() -> None:
    _spec, mock, _ = served(PETSTORE)
    response = mock.handle(PipelineRequest("DELETE", "/api/pets/42", {}, {}))
    assert response.status == 204
    assert response.body == b""
