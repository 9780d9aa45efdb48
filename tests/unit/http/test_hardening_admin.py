"""The admin API answers the developer's own tools only: no cross-site writes, no rebound host names, and no
admin API on the network without a token."""

from __future__ import annotations

import socket
import subprocess

import pytest
from flask.testing import FlaskClient
from pipecat_cloud_mock import Config
from pipecat_cloud_mock.errors import ConfigError

from tests.support.mocks import MockFactory
from tests.support.servers import CLI, run_cli

RULE = '{"id": "evil", "respond": {"status": 500}}'


@pytest.fixture
def client(make_mock: MockFactory) -> FlaskClient:
    return make_mock.client()


def _stub_ids(client: FlaskClient) -> list[str]:
    return [s["id"] for s in client.get("/__admin/stubs").json["stubs"]]


def test_a_cross_site_text_plain_post_adds_no_stub(client: FlaskClient) -> None:
    response = client.post(
        "/__admin/stubs", data=RULE, content_type="text/plain", headers={"Origin": "http://evil.example"}
    )
    assert response.status_code == 403
    assert "cross-site" in response.json["error"]
    assert _stub_ids(client) == []


def test_a_write_with_a_body_needs_a_json_content_type(client: FlaskClient) -> None:
    response = client.post("/__admin/stubs", data=RULE, content_type="text/plain")
    assert response.status_code == 415
    assert "application/json" in response.json["error"]
    assert _stub_ids(client) == []
    assert client.post("/__admin/stubs", data=RULE, content_type="application/json").status_code == 201


def test_a_foreign_origin_cannot_reset_the_mock(client: FlaskClient) -> None:
    client.post("/__admin/stubs", json={"id": "mine", "respond": {"status": 500}})
    assert client.post("/__admin/reset", headers={"Origin": "http://evil.example"}).status_code == 403
    assert client.post("/__admin/reset", headers={"Origin": "null"}).status_code == 403
    assert _stub_ids(client) == ["mine"]
    assert client.post("/__admin/reset", headers={"Origin": "http://localhost"}).status_code == 200  # its own


@pytest.mark.parametrize("host", ["evil.example", "evil.example:4010", "127.0.0.1.nip.io"])
def test_a_rebound_host_name_is_refused(client: FlaskClient, host: str) -> None:
    response = client.get("/__admin/health", headers={"Host": host})
    assert response.status_code == 403
    assert "--admin-token" in response.json["error"]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:4010", "[::1]:4010", "app.localhost"])
def test_loopback_host_names_are_served(client: FlaskClient, host: str) -> None:
    assert client.get("/__admin/health", headers={"Host": host}).status_code == 200


def test_with_a_token_the_token_guards_any_host_name(make_mock: MockFactory) -> None:
    client = make_mock.client(admin_token="t0k")
    assert client.get("/__admin/health", headers={"Host": "mock:4010"}).status_code == 401
    ok = client.get("/__admin/health", headers={"Host": "mock:4010", "Authorization": "Bearer t0k"})
    assert ok.status_code == 200


def test_the_api_itself_is_not_guarded(client: FlaskClient) -> None:
    path = "/v1/agents/a/sessions/800d5d4a-0fe4-4a3f-b4c8-6a0b86d9b0b5"
    headers = {"Authorization": "Bearer k", "Host": "evil.example", "Origin": "http://evil.example"}
    assert client.get(path, headers=headers).status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20"])
def test_a_network_host_without_an_admin_token_is_refused(host: str) -> None:
    with pytest.raises(ConfigError, match="--admin-token"):
        Config(host=host)
    Config(host=host, admin_token="t")  # either makes it safe
    Config(host=host, admin=False)


@pytest.mark.e2e
def test_serve_on_every_interface_without_a_token_exits_2() -> None:
    args = [CLI, "serve", "--host", "0.0.0.0", "--port", "0"]  # refused before it binds
    result = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "--admin-token" in result.stderr


@pytest.mark.e2e
def test_a_malformed_chunked_admin_body_is_a_400() -> None:
    with run_cli(["serve", "--port", "0", "--workers", "1", "--quiet"]) as server:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as conn:
            conn.sendall(
                b"PUT /__admin/sessions/a/800d5d4a-0fe4-4a3f-b4c8-6a0b86d9b0b5 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
            )
            answer = b""
            while b"\r\n\r\n" not in answer and (chunk := conn.recv(65536)):
                answer += chunk
        status = int(answer.split(b" ", 2)[1])
        assert 400 <= status < 500, answer[:300]
        assert b"application/json" in answer.split(b"\r\n\r\n")[0].lower()
