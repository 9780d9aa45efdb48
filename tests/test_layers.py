"""The pipeline stages are plain Python: only the HTTP shell knows Flask. And a bug is still JSON."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import mockserver
from mockserver import Config, MockRequest, create_app
from tests.conftest import AUTH, SESSION_ID
from tests.helpers import assert_error_response, session_url

PACKAGE = Path(mockserver.__file__).parent
STAGES = ["_spec", "_routing", "_security", "_request_check", "_negotiate", "_walker", "_session", "_bodies"]
STAGES += ["_pipeline", "_config", "errors", "validation"]


@pytest.mark.parametrize("module", STAGES)
def test_stage_modules_do_not_import_flask_or_werkzeug(module: str) -> None:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] in ("flask", "werkzeug")}


def test_the_pipeline_answers_without_any_http_layer() -> None:
    mock = create_app(Config(access_log=False)).extensions["pipecat_mock"]
    response = mock.handle(
        MockRequest("GET", session_url("a", SESSION_ID), headers={"authorization": AUTH["Authorization"]})
    )
    assert response.status == 200
    assert json.loads(response.body)["sessionId"] == SESSION_ID


def test_an_unexpected_error_in_the_mock_is_still_a_json_error_response(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(Config(access_log=False))
    mock = app.extensions["pipecat_mock"]

    def broken(request: MockRequest) -> None:
        raise RuntimeError("planted")

    monkeypatch.setattr(mock, "handle", broken)
    response = app.test_client().get(session_url("a", SESSION_ID), headers=AUTH)
    assert response.status_code == 500
    assert response.content_type == "application/json"
    assert_error_response(json.loads(response.data), 500)
    assert b"planted" not in response.data
    assert b"Traceback" not in response.data
