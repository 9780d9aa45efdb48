"""The API's plain-WSGI shell answers on the wire exactly as werkzeug's Response did, and hands the admin
prefix (only it) to Flask."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask, Response
from pipecat_cloud_mock.http.shell import INTERNAL_ERROR
from pipecat_cloud_mock.pipeline.mock import MockPipeline, PipelineRequest
from pipecat_cloud_mock.pipeline.routing import raw_request_path
from werkzeug.test import EnvironBuilder, run_wsgi_app
from werkzeug.wrappers import Request

from tests.support.mocks import MockFactory

SID = "6f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
SESSION = f"/v1/agents/bot/sessions/{SID}"
AUTH = {"Authorization": "Bearer t"}

# One request per kind of answer the pipeline gives: every status, a header of its own, HEAD, a query.
CASES: list[tuple[str, str, dict[str, str]]] = [
    ("GET", SESSION, AUTH),
    ("HEAD", SESSION, AUTH),
    ("GET", SESSION, {}),
    ("GET", "/v1/agents/bot/sessions/not-a-uuid", AUTH),
    ("DELETE", SESSION, AUTH),
    ("GET", SESSION, {**AUTH, "Prefer": "code=500"}),
    ("GET", SESSION, {**AUTH, "Prefer": "code=299"}),
    ("GET", SESSION + "?__code=404&__code=500", AUTH),
    ("GET", SESSION, {**AUTH, "Prefer": "example=default"}),
    ("GET", "/nowhere", AUTH),
    ("HEAD", "/nowhere", AUTH),
]


def _werkzeug_answer(mock: MockPipeline, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """What the Flask view sent before the shell: werkzeug's Response built from the pipeline's answer."""
    query = Request(environ).args.to_dict(flat=True)
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    result = mock.handle(PipelineRequest(environ["REQUEST_METHOD"], raw_request_path(environ), query, headers))
    response = Response(result.body, status=result.status, headers=list(result.headers), content_type=result.media_type)
    body, status, headers = run_wsgi_app(response, environ)
    return status, list(headers.items()), b"".join(body)


@pytest.mark.parametrize(("method", "path", "headers"), CASES, ids=[f"{m} {p[-14:]} {h}" for m, p, h in CASES])
def test_the_shell_frames_every_answer_as_werkzeug_did(
    make_mock: MockFactory, method: str, path: str, headers: dict[str, str]
) -> None:
    app = make_mock()
    mock: MockPipeline = app.extensions["pipecat_mock"]
    environ = EnvironBuilder(method=method, path=path, headers=headers).get_environ()
    body, status, got_headers = run_wsgi_app(app, dict(environ))
    expected = _werkzeug_answer(mock, dict(environ))
    assert (status, list(got_headers.items()), b"".join(body)) == expected


def test_admin_paths_reach_the_admin_api_and_lookalike_paths_the_mock(make_mock: MockFactory) -> None:
    client = make_mock.client()
    assert client.get("/__admin/health").json == {"status": "ok"}
    assert client.get("/__admin/no-such-endpoint").json["error"].startswith("No admin endpoint")
    lookalike = client.get("/__adminx/health", headers=AUTH)  # not under the prefix: the mock's 404
    assert lookalike.status_code == 404
    assert lookalike.json == {"error": "API endpoint not found", "code": "404"}
    journal = client.get("/__admin/requests").json["requests"]
    assert [entry["path"] for entry in journal] == ["/__adminx/health"]  # admin calls are never journaled


def test_without_the_admin_api_the_mock_answers_its_prefix_too(make_mock: MockFactory) -> None:
    client = make_mock.client(admin=False)
    response = client.get("/__admin/health", headers=AUTH)
    assert response.status_code == 404
    assert response.json == {"error": "API endpoint not found", "code": "404"}


@pytest.fixture
def breaking_app(make_mock: MockFactory, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """An app whose pipeline raises on every API request."""

    def boom(self: MockPipeline, request: PipelineRequest) -> Any:
        raise RuntimeError("planted bug")

    app = make_mock()
    monkeypatch.setattr(MockPipeline, "_answer", boom)
    return app


def test_a_bug_in_the_pipeline_is_a_json_500_and_a_logged_traceback(
    breaking_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    client = breaking_app.test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get(SESSION, headers=AUTH)
    assert response.status_code == 500
    assert response.json == {"error": INTERNAL_ERROR, "code": "500"}
    [record] = [r for r in caplog.records if r.exc_info]
    assert f"Exception on {SESSION} [GET]" in record.getMessage()
    assert "planted bug" in str(record.exc_info[1])  # type: ignore[index]
    assert "t" not in record.getMessage().split()  # the token is nowhere in the line


def test_a_testing_app_raises_the_bug_as_flask_does(breaking_app: Flask) -> None:
    app = breaking_app
    app.testing = True
    with pytest.raises(RuntimeError, match="planted bug"):
        app.test_client().get(SESSION, headers=AUTH)


def test_flask_hooks_see_admin_calls_only_and_a_wsgi_wrapper_sees_every_request(make_mock: MockFactory) -> None:
    from flask import request

    app = make_mock()
    hooked: list[str] = []
    wrapped: list[str] = []
    app.before_request(lambda: hooked.append(request.path))  # type: ignore[func-returns-value]
    inner = app.wsgi_app

    def wrapper(environ: dict[str, Any], start_response: Any) -> Any:
        wrapped.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = wrapper  # type: ignore[method-assign]
    client = app.test_client()
    assert client.get(SESSION, headers=AUTH).status_code == 200
    assert client.get("/__admin/health").status_code == 200
    assert client.get("/__adminx/health", headers=AUTH).status_code == 404  # not under the prefix
    assert hooked == ["/__admin/health"]  # as the README says
    assert wrapped == [SESSION, "/__admin/health", "/__adminx/health"]
