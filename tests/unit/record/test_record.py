"""`pipecat-mock record` against a local fake upstream (there is no network): forward, check, write, never leak."""

from __future__ import annotations

import io
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from pipecat_cloud_mock import ConfigError, PipelineRequest
from pipecat_cloud_mock.cli.main import main
from pipecat_cloud_mock.record.proxy import RECORDING_FILE, RecordConfig, Recorder, safe_url, wsgi_app
from pipecat_cloud_mock.secret import Secret

from tests.support.answers import SESSION_ID
from tests.support.mocks import MockFactory
from tests.support.servers import run_cli, serve_in_thread

KEY = "pk_live_SECRET-5f2c9a"  # the "real" key: must never appear in output or files
AGENT = "support-bot"
MISSING = "11111111-2222-4333-8444-555555555555"
ECHO = "22222222-2222-4333-8444-555555555555"  # the upstream echoes the Authorization header back
BROKEN = "33333333-2222-4333-8444-555555555555"  # the upstream breaks the spec
SLOW = "44444444-2222-4333-8444-555555555555"
CLEAN = "55555555-2222-4333-8444-555555555555"  # an answer with exactly the documented fields


def fake_upstream(make_mock: MockFactory, seen: list[dict[str, str]]) -> Flask:
    """The real API as far as these tests care: bearer auth, 404s, and a field the spec lacks (endState)."""
    app = Flask("fake-upstream")
    mock = make_mock.pipeline(seed=5)

    @app.get("/v1/agents/<agent>/sessions/<session_id>")
    def session(agent: str, session_id: str) -> ResponseReturnValue:
        seen.append(dict(request.headers))
        if request.headers.get("Authorization") != f"Bearer {KEY}":
            return jsonify(error="Invalid API key", code="401"), 401
        if session_id == MISSING:
            return jsonify(error="agent deployment not found", code="404"), 404
        if session_id == SLOW:
            time.sleep(1.0)
        path = f"/v1/agents/{agent}/sessions/{session_id}"
        body = json.loads(mock.handle(PipelineRequest("GET", path, headers={"authorization": "Bearer x"})).body)
        if session_id != CLEAN:
            body["endState"] = "completed"  # real drift: the SDK reads it, the spec does not declare it
        if session_id == ECHO:
            body["debug"] = request.headers["Authorization"]
        if session_id == BROKEN:
            body["botStartSeconds"] = "two"
        return jsonify(body)

    return app


@pytest.fixture
def upstream(make_mock: MockFactory) -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    with serve_in_thread(fake_upstream(make_mock, seen)) as base:
        yield base, seen


def _recorder(target: str, out: Path, timeout: float = 5.0) -> tuple[Recorder, io.StringIO]:
    printed = io.StringIO()
    return Recorder(RecordConfig(target, Secret(KEY), out, timeout=timeout), out=printed), printed


def _everything_written(out: Path) -> bytes:
    return b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())


def test_record_forwards_checks_and_writes_fixtures(
    make_mock: MockFactory, upstream: tuple[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    base, seen = upstream
    recorder, printed = _recorder(base + "/v1", tmp_path / "rec")
    client_auth = {"Authorization": "Bearer the-clients-own-token"}
    ids = (CLEAN, SESSION_ID, MISSING, ECHO, BROKEN)
    with serve_in_thread(wsgi_app(recorder)) as proxy:
        answers = {
            sid: requests.get(f"{proxy}/v1/agents/{AGENT}/sessions/{sid}", headers=client_auth, timeout=5)
            for sid in ids
        }
    target = fake_upstream(make_mock, []).test_client()
    direct = {
        sid: target.get(f"/v1/agents/{AGENT}/sessions/{sid}", headers={"Authorization": f"Bearer {KEY}"}) for sid in ids
    }
    # The client gets the target's answers, and the target got the recorder's key, not the client's token.
    assert {sid: (a.status_code, a.json()) for sid, a in answers.items()} == {
        sid: (d.status_code, d.json) for sid, d in direct.items()
    }
    assert [h["Authorization"] for h in seen] == [f"Bearer {KEY}"] * len(ids)

    recorded = yaml.safe_load((tmp_path / "rec" / RECORDING_FILE).read_text())
    assert set(recorded) == {"sessions", "stubs"}
    assert recorded["sessions"] == {AGENT: {CLEAN: direct[CLEAN].json}}  # documented fields only: a session
    stubs = {stub["match"]["sessionId"]: stub for stub in recorded["stubs"]}
    assert set(stubs) == {SESSION_ID, MISSING, ECHO}  # BROKEN breaks the spec: not recordable as a fixture
    assert stubs[SESSION_ID]["respond"] == {"status": 200, "body": direct[SESSION_ID].json}  # endState kept
    assert "undocumented" in stubs[SESSION_ID]["description"]
    assert stubs[MISSING] == {
        "match": {"agentName": AGENT, "sessionId": MISSING},
        "respond": {"status": 404, "body": {"error": "agent deployment not found", "code": "404"}},
    }
    assert stubs[ECHO]["respond"]["body"]["debug"] == "Bearer ***"
    lines = printed.getvalue()
    assert "UNDOCUMENTED <body>: Additional properties are not allowed ('endState' was unexpected)" in lines
    assert "VIOLATION    botStartSeconds: 'two' is not of type 'integer'" in lines
    assert "contained the API key" in lines
    assert KEY not in lines
    # The key is nowhere in what was written, and no Authorization header was recorded.
    written = _everything_written(tmp_path / "rec")
    assert KEY.encode() not in written
    assert b"authorization" not in written.lower()


def test_a_later_answer_replaces_an_earlier_one(upstream: tuple[str, list[dict[str, str]]], tmp_path: Path) -> None:
    base, _ = upstream
    recorder, _printed = _recorder(base + "/v1", tmp_path)
    recorder.recording.add(AGENT, MISSING, 200, {"sessionId": MISSING})
    with serve_in_thread(wsgi_app(recorder)) as proxy:
        requests.get(f"{proxy}/v1/agents/{AGENT}/sessions/{MISSING}", timeout=5)
    recorded = yaml.safe_load((tmp_path / RECORDING_FILE).read_text())
    assert "sessions" not in recorded
    assert [s["respond"]["status"] for s in recorded["stubs"]] == [404]
    # A second recorder in the same directory continues the file instead of losing it.
    assert _recorder(base + "/v1", tmp_path)[0].recording.stubs == recorded["stubs"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("target_kind", "status", "message"),
    [("unreachable", 502, "Cannot reach the target"), ("slow", 504, "did not answer within 0.3 s")],
)
def test_proxy_errors_answer_502_or_504_and_write_nothing(
    upstream: tuple[str, list[dict[str, str]]], tmp_path: Path, target_kind: str, status: int, message: str
) -> None:
    base, _ = upstream
    target = f"http://127.0.0.1:{_closed_port()}/v1" if target_kind == "unreachable" else base + "/v1"
    recorder, printed = _recorder(target, tmp_path / "rec", timeout=0.3)
    with serve_in_thread(wsgi_app(recorder)) as proxy:
        answer = requests.get(f"{proxy}/v1/agents/{AGENT}/sessions/{SLOW}", timeout=10)
    assert answer.status_code == status
    body: dict[str, Any] = answer.json()
    assert set(body) == {"error", "code"}
    assert body["code"] == str(status)
    assert message in body["error"]
    assert f"-> {status}  proxy error, nothing recorded" in printed.getvalue()
    assert not (tmp_path / "rec").exists()


def test_record_cli_needs_a_key_and_a_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PIPECAT_API_KEY", raising=False)
    assert main(["record", "--target", "https://api.example/v1", "--out", str(tmp_path)]) == 2
    assert "needs the real API's key" in capsys.readouterr().err
    monkeypatch.setenv("PIPECAT_API_KEY", KEY)
    assert main(["record", "--target", "api.example", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "is not a URL. Valid values" in err
    assert KEY not in err
    assert safe_url(f"https://user:{KEY}@api.example:8443/v1?key={KEY}#{KEY}") == "https://api.example:8443/v1"


@pytest.mark.e2e
def test_record_command_end_to_end(upstream: tuple[str, list[dict[str, str]]], tmp_path: Path) -> None:
    base, _ = upstream
    env = {**os.environ, "PIPECAT_API_KEY": KEY}
    args = ["record", "--target", base + "/v1", "--out", str(tmp_path / "rec"), "--port", "0"]
    with run_cli(args, env=env) as running:
        answer = requests.get(f"{running.url}/v1/agents/{AGENT}/sessions/{SESSION_ID}", timeout=5)
        assert answer.status_code == 200
    assert running.proc.returncode == 0
    out = running.stdout
    recorded = yaml.safe_load((tmp_path / "rec" / RECORDING_FILE).read_text())
    assert recorded["stubs"][0]["respond"]["body"] == answer.json()
    assert "UNDOCUMENTED" in out
    assert KEY not in out
    assert KEY.encode() not in _everything_written(tmp_path)


def test_record_then_replay_gives_the_same_bodies(
    make_mock: MockFactory, upstream: tuple[str, list[dict[str, str]]], tmp_path: Path
) -> None:
    base, _ = upstream
    recorder, _printed = _recorder(base + "/v1", tmp_path)
    ids = (CLEAN, SESSION_ID, MISSING)
    with serve_in_thread(wsgi_app(recorder)) as proxy:
        recorded = {sid: requests.get(f"{proxy}/v1/agents/{AGENT}/sessions/{sid}", timeout=5) for sid in ids}
    replay = make_mock.client(fixtures=tmp_path, seed=999)
    for sid, answer in recorded.items():
        for path in (f"/v1/agents/{AGENT}/sessions/{sid}", f"/v1/organizations/o/services/{AGENT}/sessions/{sid}"):
            replayed = replay.get(path, headers={"Authorization": "Bearer any"})
            body, expected = replayed.json, answer.json()
            if "/organizations/" in path and replayed.status_code == 200:  # the SDK's path may add endState, events
                body = {k: v for k, v in body.items() if k in expected or k not in ("endState", "events")}
            assert (replayed.status_code, body) == (answer.status_code, expected), path


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("sessions: [unclosed", "not valid YAML"),
        ("sessions: {}\nsessions: {}\n", "duplicate key 'sessions'"),
        ("- a list\n", "not a mapping of sessions and stubs"),
    ],
)
def test_an_earlier_recording_that_cannot_be_continued_is_a_clear_error(tmp_path: Path, text: str, reason: str) -> None:
    from pipecat_cloud_mock.record.proxy import Recording

    path = tmp_path / RECORDING_FILE
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"{RECORDING_FILE} exists but is not a recording .*{reason}"):
        Recording(path, "https://api.example.com/v1")
    assert path.read_text(encoding="utf-8") == text  # left as it was
