"""`pipecat-mock` as a real process: serve --port 0, HTTP calls, access log, clean stop on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
import requests
from pipecat_cloud_mock.cli.main import main
from pipecat_cloud_mock.config import OPTIONS
from pipecat_cloud_mock.spec.openapi import default_validator

from tests.support.answers import SESSION_ID, assert_error_response
from tests.support.commands import run_command
from tests.support.mocks import MockFactory
from tests.support.servers import CLI, Running, run_cli

pytestmark = pytest.mark.e2e

TOKEN = "sk-e2e-secret-7f3a9c"  # must never show up in any output
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PATH = f"/v1/agents/my-agent/sessions/{SESSION_ID}"
# The fault layer appends what it decided for the request: seq=N [delay=...ms] [error=500] [fault=...].
ACCESS_LINE = re.compile(r"(?P<method>[A-Z]+) (?P<path>/\S*) (?P<status>\d{3}) (?P<ms>\d+\.\d)ms( seq=\d+.*)?")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPECAT_MOCK_")}
    return {**env, **extra}


@pytest.fixture
def launch() -> Iterator[Callable[..., Running]]:
    """Start servers; whatever happens in the test, every one of them is stopped."""
    with ExitStack() as stack:

        def _launch(*args: str, env: dict[str, str] | None = None) -> Running:
            return stack.enter_context(run_cli(["serve", "--port", "0", *args], env=env or clean_env(), healthy=True))

        yield _launch


@pytest.fixture(scope="module")
def server() -> Iterator[Running]:
    with run_cli(["serve", "--port", "0", "--workers", "2"], env=clean_env(), healthy=True) as running:
        yield running


def test_the_banner_prints_the_url_and_a_curl_line_once(server: Running) -> None:
    out = server.stdout
    assert out.count("listening on") == 1, out  # two workers, one banner
    assert f"curl -H 'Authorization: Bearer any-token' {server.url}/v1/agents/my-agent/sessions/" in out


def test_the_api_answers_over_http_like_in_process(make_mock: MockFactory, server: Running) -> None:
    response = requests.get(server.url + PATH, headers=AUTH, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert default_validator().violations("GET", PATH, 200, "application/json", response.content) == []
    assert response.json()["sessionId"] == SESSION_ID
    # Another process (this one) gives byte-identical bodies for the same seed, agent and id.
    in_process = make_mock.client().get(PATH, headers=AUTH).data
    assert response.content == in_process
    assert requests.get(server.url + PATH, headers=AUTH, timeout=5).content == in_process


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", PATH, {}, 401),
        ("GET", PATH, {**AUTH, "Prefer": "code=500"}, 500),
        ("GET", PATH, {**AUTH, "Prefer": "code=418"}, 422),
        ("GET", "/v1/agents/my-agent/sessions/not-a-uuid", AUTH, 404),
        ("GET", "/v1/nothing", AUTH, 404),
        ("PUT", PATH, AUTH, 405),
        ("GET", f"/v1/agents/team%2Fbot/sessions/{SESSION_ID}", AUTH, 200),
    ],
)
def test_status_codes_over_http(server: Running, method: str, path: str, headers: dict[str, str], status: int) -> None:
    response = requests.request(method, server.url + path, headers=headers, timeout=5)
    assert response.status_code == status
    if status != 200:
        assert_error_response(response.json(), status)
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    if status == 405:
        assert response.headers["Allow"] == "DELETE, GET, HEAD"


def test_long_agent_names_and_big_headers_reach_the_mock_over_http(server: Running) -> None:
    long_path = f"/v1/agents/{'a' * 6_000}/sessions/{SESSION_ID}"
    response = requests.get(server.url + long_path, headers={"Authorization": "Bearer " + "t" * 20_000}, timeout=5)
    assert response.status_code == 200
    assert response.json()["sessionId"] == SESSION_ID
    huge_prefer = requests.get(server.url + PATH, headers={**AUTH, "Prefer": "x" * 30_000}, timeout=5)
    assert huge_prefer.status_code == 422
    assert_error_response(huge_prefer.json(), 422)


def _raw_exchange(url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP/1.1 exchange, for requests that no HTTP client library would send."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NOT AN HTTP REQUEST\r\n\r\n", 400),
        (f"GET {PATH} HTTP/1.1\r\nHost: h\r\nX-Big: {'b' * (65 * 1024)}\r\n\r\n".encode(), 431),
        (b"GET /v1 HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n", 400),
    ],
    ids=["garbage request line", "header over 64 KiB", "malformed header name"],
)
def test_requests_the_http_server_refuses_still_get_an_error_response_json(
    server: Running, request_bytes: bytes, status: int
) -> None:
    got, headers, body = _raw_exchange(server.url, request_bytes)
    assert got == status
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    assert_error_response(json.loads(body), status)


def test_one_access_log_line_per_request_without_the_token(server: Running) -> None:
    marker = f"/v1/agents/log-check-{time.monotonic_ns()}/sessions/{SESSION_ID}"
    requests.get(server.url + marker, headers=AUTH, timeout=5)
    requests.get(server.url + marker, timeout=5)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and server.stderr.count(marker) < 2:
        time.sleep(0.05)
    lines = [line for line in server.stderr.splitlines() if marker in line]
    matches = [ACCESS_LINE.fullmatch(line) for line in lines]
    assert all(matches), lines
    assert [(m["method"], m["path"], m["status"]) for m in matches if m] == [
        ("GET", marker, "200"),
        ("GET", marker, "401"),
    ]
    assert TOKEN not in server.stderr
    assert TOKEN not in server.stdout
    assert "Authorization" not in server.stderr


def stop_under_load(server: Running, sig: signal.Signals, whole_group: bool) -> int:
    """Send `sig` while a client keeps requesting, so a worker is likely mid-request when it arrives."""
    answered: list[int] = []
    stop = threading.Event()

    def hammer() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                try:
                    answered.append(session.get(server.url + PATH, headers=AUTH, timeout=5).status_code)
                except requests.RequestException:
                    return  # the server has closed its socket

    client = threading.Thread(target=hammer)
    client.start()
    try:
        deadline = time.monotonic() + 10
        while len(answered) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        code = server.stop(sig, whole_group)
    finally:
        stop.set()
        client.join(timeout=10)
    assert answered
    assert set(answered) == {200}
    return code


@pytest.mark.parametrize(
    ("sig", "whole_group"), [(signal.SIGTERM, False), (signal.SIGINT, False), (signal.SIGINT, True)]
)
def test_signals_stop_the_server_cleanly_even_mid_request(
    launch: Callable[..., Running], sig: signal.Signals, whole_group: bool
) -> None:
    server = launch("--workers", "2", "--quiet")
    assert stop_under_load(server, sig, whole_group) == 0
    assert "Traceback" not in server.stderr
    assert "Error" not in server.stderr
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/__admin/health", timeout=2)


def test_quiet_by_environment_silences_the_access_log(launch: Callable[..., Running]) -> None:
    server = launch("--workers", "1", env=clean_env(PIPECAT_MOCK_QUIET="1"))
    assert requests.get(server.url + PATH, headers=AUTH, timeout=5).status_code == 200
    assert server.stop(signal.SIGINT) == 0
    assert PATH not in server.stderr


def run_once(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_command([CLI, *args], env=clean_env(**env), timeout=60)


def test_help_lists_every_flag_and_environment_variable() -> None:
    top, serve = run_once("--help"), run_once("serve", "--help")
    assert top.returncode == serve.returncode == 0
    for option in OPTIONS:
        assert option.flag in top.stdout
        assert option.env in top.stdout
        assert option.flag in serve.stdout
        assert option.env in " ".join(serve.stdout.split())  # argparse may wrap the line


BAD_VALUES = [
    ((), {"PIPECAT_MOCK_PORT": "abc"}, "PIPECAT_MOCK_PORT='abc': 'abc' is not a whole number"),
    ((), {"PIPECAT_MOCK_MODE": "fast"}, "Valid values: dynamic, example."),
    ((), {"PIPECAT_MOCK_QUIET": "maybe"}, "Valid values: 1, 0, true, false"),
    (("--port", "70000"), {}, "Valid values: 0 (any free port) to 65535."),
    (("--workers", "0"), {}, "Valid values: 1 or more."),
    (("--mode", "exmple"), {}, "Did you mean 'example'?"),
    (("--seed", "x"), {}, "--seed 'x': 'x' is not a whole number"),
    (("--spec", "/nonexistent/spec.yaml"), {}, "/nonexistent/spec.yaml: file not found"),
]


@pytest.mark.parametrize(("args", "env", "expected"), [BAD_VALUES[0], BAD_VALUES[3]])
def test_bad_values_exit_2_with_one_clear_line_from_the_real_command(
    args: tuple[str, ...], env: dict[str, str], expected: str
) -> None:
    result = run_once("serve", *args, **env)
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("pipecat-mock: error: ")
    assert expected in line


@pytest.mark.usefixtures("refuse_to_serve")
@pytest.mark.parametrize(("args", "env", "expected"), BAD_VALUES)
def test_bad_flag_or_environment_values_exit_2_with_one_clear_line(
    args: tuple[str, ...],
    env: dict[str, str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in [k for k in os.environ if k.startswith("PIPECAT_MOCK_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["serve", *args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith("pipecat-mock: error: ")
    assert expected in line


def test_a_taken_port_or_unknown_host_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_once("serve", "--port", str(port))
    assert result.returncode == 2
    assert result.stderr == (
        f"pipecat-mock: error: --port {port}: 127.0.0.1:{port} is already in use. "
        "Choose another port, or --port 0 for any free one.\n"
    )
    unknown = run_once("serve", "--host", "no-such-host.invalid", "--port", "0", "--admin-token", "t")
    assert unknown.returncode == 2
    [line] = unknown.stderr.splitlines()
    assert line.startswith("pipecat-mock: error: --host 'no-such-host.invalid': cannot listen there")
