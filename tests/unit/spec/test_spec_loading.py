"""The spec is loaded and checked at start-up; a broken or missing one is one clear SpecError line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipecat_cloud_mock import SpecError, bundled_spec_path, load_spec
from pipecat_cloud_mock.cli.main import main

from tests.support.mocks import MockFactory
from tests.support.specs import VALID_MINIMAL

BROKEN = {
    "broken.yaml": ("openapi: 3.0.0\ninfo: [\n", "not valid YAML"),
    "list.yaml": ("- 1\n- 2\n", "expected an OpenAPI document"),
    "empty.yaml": ("", "expected an OpenAPI document"),
    "no-version.yaml": ("openapi: 3.0.0\ninfo: {title: x}\npaths: {}\n", "invalid OpenAPI 3.0 document"),
    "swagger.yaml": ("swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n", "only OpenAPI 3.0"),
    "bad-ref.yaml": (VALID_MINIMAL.replace("#/components/schemas/Thing", "#/components/schemas/Nope"), "Nope"),
    "bad-status.yaml": (VALID_MINIMAL.replace('"200":', "twohundred:"), "invalid OpenAPI 3.0 document"),
}


def test_the_bundled_spec_describes_the_session_details_operation() -> None:
    spec = load_spec()
    assert spec.path == bundled_spec_path()
    assert spec.base_path == "/v1"
    op = spec.operation("getSession")
    assert (op.method, op.path) == ("GET", "/agents/{agentName}/sessions/{sessionId}")
    assert op.documented_statuses == (200, 401, 404, 500)
    assert op.security == ({"PrivateKeyAuth": []},)


def test_a_missing_file_is_a_spec_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(SpecError, match="file not found") as caught:
        load_spec(missing)
    assert str(missing) in str(caught.value)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_spec_is_one_line_naming_the_file_and_the_problem(tmp_path: Path, name: str) -> None:
    text, problem = BROKEN[name]
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message
    assert len(message) < 500


@pytest.mark.usefixtures("refuse_to_serve")
@pytest.mark.parametrize("name", ["broken.yaml", "no-version.yaml", "bad-ref.yaml"])
def test_serve_refuses_a_broken_spec_with_exit_status_2(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_text(BROKEN[name][0])
    assert main(["serve", "--spec", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith(f"pipecat-mock: error: {path}: ")
    assert "Traceback" not in err


@pytest.mark.usefixtures("refuse_to_serve")
def test_serve_refuses_a_missing_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--spec", str(tmp_path / "gone.yaml")]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == f"pipecat-mock: error: {tmp_path / 'gone.yaml'}: file not found"


def test_a_minimal_valid_spec_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(VALID_MINIMAL)
    spec = load_spec(path)
    assert spec.base_path == "/api"
    assert [op.operation_id for op in spec.operations] == ["getThing"]


@pytest.mark.parametrize(
    ("servers", "named"),
    [
        ('servers: [{url: "http://x/__admin"}]\n', "the spec's base path '/__admin'"),
        ('servers: [{url: "/v1"}]\n', None),
    ],
)
def test_a_base_path_under_the_admin_api_is_refused_at_start_up(
    make_mock: MockFactory, tmp_path: Path, servers: str, named: str | None
) -> None:
    from pipecat_cloud_mock import ConfigError

    text = VALID_MINIMAL.replace('servers: [{url: "https://example.invalid/api"}]\n', servers)
    path_level = text.replace("  /things/{thingId}:\n", '  /things/{thingId}:\n    servers: [{url: "/__admin/x"}]\n')
    for spec, expected in ((text, named), (path_level, "operation getThing's server '/__admin/x'")):
        file = tmp_path / "spec.yaml"
        file.write_text(spec)
        if expected is None:
            make_mock(spec=file)
            continue
        with pytest.raises(ConfigError, match="is under /__admin/") as refused:
            make_mock(spec=file)
        assert expected in str(refused.value)
