"""Faults and latency: parsing, seeded decisions, and what a real client sees on the wire."""

from __future__ import annotations

import http.client
import json
import random
import statistics
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import requests
from pipecat_cloud_mock import Config, ConfigError, PipelineRequest
from pipecat_cloud_mock.cli.main import main
from pipecat_cloud_mock.faults import (
    FaultPlan,
    FaultSettings,
    FixedLatency,
    LognormalLatency,
    UniformLatency,
    decide,
    parse_fault,
    parse_latency,
    parse_rate,
    stub_settings,
)
from pipecat_cloud_mock.http import wire
from pipecat_cloud_mock.http.wire import SLOW_CHUNKS, SLOW_GAP_SECONDS
from pipecat_cloud_mock.spec.openapi import default_validator

from tests.support.answers import AUTH, SESSION_ID
from tests.support.mocks import MockFactory
from tests.support.servers import run_cli, serve_in_thread

PATH = f"/v1/agents/my-agent/sessions/{SESSION_ID}"


# --- parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("250", FixedLatency(250)),
        ("250ms", FixedLatency(250)),
        ("fixed:250", FixedLatency(250)),
        (250, FixedLatency(250)),
        ({"fixed": 250}, FixedLatency(250)),
        ("uniform:100-300", UniformLatency(100, 300)),
        ("uniform:100ms-300ms", UniformLatency(100, 300)),
        ({"uniform": [100, 300]}, UniformLatency(100, 300)),
        ("lognormal:120-900", LognormalLatency(120, 900)),
        ({"lognormal": {"median": 120, "p99": 900}}, LognormalLatency(120, 900)),
    ],
)
def test_latency_syntax(value: object, expected: object) -> None:
    assert parse_latency(value) == expected
    assert parse_latency(str(expected)) == expected  # str() gives back the documented syntax


@pytest.mark.parametrize(
    "value",
    ["", "fast", "-5", "uniform:300-100", "uniform:100", "lognormal:900-120", "lognormal:0-5", "99999999", True,
     {"uniform": [1]}, {"lognormal": {"median": 1}}, {"fixed": "x"}, [250]],
)  # fmt: skip
def test_bad_latency_says_what_is_valid(value: object) -> None:
    with pytest.raises(ConfigError, match="Valid values"):
        parse_latency(value)


def test_bad_fault_and_rate_say_what_is_valid() -> None:
    with pytest.raises(ConfigError, match=r"Valid values: empty, reset, slow, truncate\. Did you mean 'reset'\?"):
        parse_fault("rest")
    for bad in ("1.5", "-0.1", "nan", "lots", True):
        with pytest.raises(ConfigError, match="Valid values: 0 to 1"):
            parse_rate(bad)
    assert parse_rate("5%") == pytest.approx(0.05)


def test_lognormal_has_the_median_and_p99_it_was_given() -> None:
    latency = LognormalLatency(120, 900)
    rng = random.Random(1)
    samples = sorted(latency.sample(rng) for _ in range(20_000))
    assert statistics.median(samples) == pytest.approx(120, rel=0.05)
    assert samples[int(0.99 * len(samples))] == pytest.approx(900, rel=0.1)


def test_config_checks_fault_flags_together() -> None:
    with pytest.raises(ConfigError, match="needs a fault"):
        Config(fault_rate=0.5)
    config = Config.from_env(
        {"PIPECAT_MOCK_LATENCY": "uniform:1-2", "PIPECAT_MOCK_FAULT": "reset", "PIPECAT_MOCK_FAULT_RATE": "0.5"}
    )
    assert (config.latency, config.fault, config.fault_rate) == (UniformLatency(1, 2), parse_fault("reset"), 0.5)


@pytest.mark.usefixtures("refuse_to_serve")
@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--latency", "soon"], "--latency 'soon': latency 'soon' is not a latency. Valid values"),
        (["--error-rate", "2"], "--error-rate '2': error rate '2' is not a share of requests. Valid values"),
        (["--fault", "explode"], "--fault 'explode': fault 'explode' is not a fault. Valid values"),
    ],
)
def test_bad_flags_exit_2_with_the_reason(flags: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", *flags]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


# --- deciding, without HTTP -----------------------------------------------------------------------


def test_same_seed_and_sequence_give_the_same_plans() -> None:
    flags = FaultSettings(UniformLatency(0, 500), 0.2, parse_fault("truncate"), 0.3)
    first = [decide(7, n, [flags]) for n in range(200)]
    assert first == [decide(7, n, [flags]) for n in range(200)]
    assert first != [decide(8, n, [flags]) for n in range(200)]
    errors = sum(p.error for p in first)
    faults = sum(p.fault == "truncate" for p in first)
    assert 20 <= errors <= 60
    assert 35 <= faults <= 85
    # Each aspect has its own generator: adding a latency leaves the failing requests where they were.
    no_latency = FaultSettings(None, 0.2, parse_fault("truncate"), 0.3)
    assert [(p.error, p.fault) for p in first] == [
        (p.error, p.fault) for p in (decide(7, n, [no_latency]) for n in range(200))
    ]


def test_stub_values_become_a_layer_between_the_request_and_the_flags() -> None:
    class OtherModelsLatency:  # the fixtures model's own latency objects convert through to_plain()
        def to_plain(self) -> object:
            return {"uniform": [10, 20]}

    stub = stub_settings(OtherModelsLatency(), "truncate", 0.0)
    assert stub == FaultSettings(UniformLatency(10, 20), 0.0, parse_fault("truncate"), None)
    flags = FaultSettings(FixedLatency(1000), 1.0, parse_fault("reset"), 0.5)
    plan = decide(0, 0, [FaultSettings(), stub, flags])
    assert 10 <= plan.delay_ms <= 20
    assert plan.fault == "truncate"  # the stub's fault, on every request it answers
    assert not plan.error  # errorRate 0 on the stub overrides --error-rate 1
    with pytest.raises(ConfigError, match="Valid values"):
        stub_settings(error_rate=3)


def test_request_layer_wins_over_the_flags() -> None:
    flags = FaultSettings(latency=FixedLatency(1000))
    assert decide(0, 0, [FaultSettings(latency=FixedLatency(5)), flags]).delay_ms == 5
    assert decide(0, 0, [FaultSettings(), flags]).delay_ms == 1000


def test_error_rate_answers_a_valid_500(make_mock: MockFactory) -> None:
    mock = make_mock.pipeline(error_rate=1.0)
    result = mock.handle(PipelineRequest("GET", PATH, headers={"authorization": "Bearer t"}))
    assert result.status == 500
    assert result.faults.error
    assert default_validator().violations("GET", PATH, 500, result.media_type, result.body) == []
    assert json.loads(result.body)["code"] == "500"


def test_client_mistakes_are_answered_plainly_and_not_counted(make_mock: MockFactory) -> None:
    mock = make_mock.pipeline(error_rate=1.0, fault="reset")
    unauthorized = mock.handle(PipelineRequest("GET", PATH))
    bad_preference = mock.handle(
        PipelineRequest("GET", PATH, headers={"authorization": "Bearer t", "prefer": "delay=x"})
    )
    assert (unauthorized.status, bad_preference.status) == (401, 422)
    assert unauthorized.faults.is_noop
    assert bad_preference.faults.is_noop
    assert mock.handle(PipelineRequest("GET", PATH, headers={"authorization": "Bearer t"})).faults.sequence == 0


@pytest.mark.parametrize("flags", [{}, {"latency": "1ms"}], ids=["no fault flags", "a latency"])
def test_requests_are_numbered_in_order_and_admin_is_not_counted(make_mock: MockFactory, flags: dict[str, str]) -> None:
    app = make_mock(**flags)  # type: ignore[arg-type]
    mock = app.extensions["pipecat_mock"]
    auth = {"authorization": "Bearer t"}
    assert [mock.handle(PipelineRequest("GET", PATH, headers=auth)).faults.sequence for _ in range(3)] == [0, 1, 2]
    # Admin paths never reach a spec route, and the HTTP shell hands them to the admin API, not the pipeline.
    assert mock.handle(PipelineRequest("GET", "/__admin/requests", headers=auth)).faults.is_noop
    assert app.test_client().get("/__admin/requests").status_code == 200
    assert mock.handle(PipelineRequest("GET", PATH, headers=auth)).faults.sequence == 3


# --- on the wire ----------------------------------------------------------------------------------


def _get(base: str, path: str = PATH, **headers: str) -> http.client.HTTPResponse:
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    conn.request("GET", path, headers={**AUTH, **headers})
    return conn.getresponse()


def test_reset_reaches_the_client_as_a_connection_reset(make_mock: MockFactory) -> None:
    with serve_in_thread(make_mock(fault="reset")) as base:
        with pytest.raises(ConnectionResetError) as caught:
            _get(base)
        assert not isinstance(caught.value, http.client.RemoteDisconnected)  # a real RST, not a clean close
        assert requests.get(base + "/__admin/health", timeout=5).json() == {"status": "ok"}


def test_empty_closes_without_an_answer(make_mock: MockFactory) -> None:
    with (
        serve_in_thread(make_mock(fault="empty")) as base,
        pytest.raises(http.client.RemoteDisconnected),
    ):
        _get(base)


def test_truncate_sends_less_than_content_length_says(make_mock: MockFactory) -> None:
    with serve_in_thread(make_mock(fault="truncate")) as base:
        response = _get(base)
        assert response.status == 200
        announced = int(response.headers["Content-Length"])
        with pytest.raises(http.client.IncompleteRead) as caught:
            response.read()
        assert 0 < len(caught.value.partial) < announced


def test_slow_sends_the_whole_body_in_chunks_over_time(make_mock: MockFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    with serve_in_thread(make_mock()) as base:
        expected = requests.get(base + PATH, headers=AUTH, timeout=5).content
    gaps: list[float] = []
    read = threading.Semaphore(0)

    def gap(seconds: float) -> None:
        # Instead of sleeping between chunks: wait until the client has read the chunk before, which it can
        # only do if that chunk is on the wire already, not buffered with the rest of the body.
        gaps.append(seconds)
        assert read.acquire(timeout=30), "the client never received the chunk before this gap"

    monkeypatch.setattr(wire, "time", SimpleNamespace(sleep=gap))
    with serve_in_thread(make_mock(fault="slow")) as base:
        response = requests.get(base + PATH, headers=AUTH, stream=True, timeout=60)
        assert response.headers.get("Transfer-Encoding") == "chunked"
        chunks = []
        for chunk in response.raw.read_chunked(decode_content=False):
            chunks.append(chunk)
            read.release()
    assert b"".join(chunks) == expected
    assert len(chunks) == SLOW_CHUNKS
    assert gaps == [SLOW_GAP_SECONDS] * (SLOW_CHUNKS - 1)


def test_delays_make_calls_take_at_least_that_long(make_mock: MockFactory) -> None:
    with serve_in_thread(make_mock(latency="300ms")) as base:
        started = time.perf_counter()
        assert requests.get(base + PATH, headers=AUTH, timeout=5).status_code == 200
        assert time.perf_counter() - started >= 0.3
        started = time.perf_counter()
        assert requests.get(base + PATH, headers={**AUTH, "Prefer": "delay=450"}, timeout=5).status_code == 200
        assert time.perf_counter() - started >= 0.45
        started = time.perf_counter()
        assert requests.get(base + PATH + "?__delay=fixed:350", headers=AUTH, timeout=5).status_code == 200
        assert time.perf_counter() - started >= 0.35


def test_bad_delay_preference_is_a_422_that_says_what_is_valid(make_mock: MockFactory) -> None:
    app = make_mock()
    response = app.test_client().get(PATH, headers={**AUTH, "Prefer": "delay=soon"})
    assert response.status_code == 422
    assert "Valid values" in response.json["error"]  # type: ignore[index]


def test_admin_routes_never_get_faults(make_mock: MockFactory) -> None:
    config = Config(access_log=False, latency="2000ms", error_rate=1.0, fault="reset")
    with serve_in_thread(make_mock(config)) as base:
        started = time.perf_counter()
        assert requests.get(base + "/__admin/health", timeout=5).json() == {"status": "ok"}
        assert time.perf_counter() - started < 2.0  # no 2 s delay (not a speed claim: the delay is absent)


@pytest.mark.e2e
def test_real_server_with_two_workers_gives_the_predicted_faults_in_order() -> None:
    """Equal to the plan computed offline from (seed, request number), so every run gives these same faults."""
    flags = ["--seed", "11", "--error-rate", "0.25", "--fault", "reset", "--fault-rate", "0.3", "--workers", "2"]
    seen = []
    with run_cli(["serve", "--port", "0", *flags]) as running:
        for _ in range(16):
            try:
                seen.append(str(requests.get(running.url + PATH, headers=AUTH, timeout=5).status_code))
            except requests.ConnectionError:
                seen.append("reset")
    settings = FaultSettings(None, 0.25, parse_fault("reset"), 0.3)
    predicted = [decide(11, n, [settings]) for n in range(16)]
    assert seen == ["reset" if p.fault else "500" if p.error else "200" for p in predicted]
    assert {"reset", "500", "200"} <= set(seen)
    assert "seq=15" in running.stderr  # the access log names each faulted request's number, for replay


def test_stub_latency_fault_and_error_rate_are_applied(make_mock: MockFactory, tmp_path: Path) -> None:
    stubs = {
        "stubs": [
            {"match": {"agentName": "slow-bot"}, "respond": {"status": 200, "latency": "300ms"}},
            {"match": {"agentName": "cut-bot"}, "respond": {"status": 200, "fault": "truncate"}},
            {"match": {"agentName": "sad-bot"}, "errorRate": 1, "respond": {"status": 200}},
        ]
    }
    (tmp_path / "stubs.json").write_text(json.dumps(stubs))
    with serve_in_thread(make_mock(fixtures=tmp_path)) as base:
        started = time.perf_counter()
        assert requests.get(f"{base}/v1/agents/slow-bot/sessions/{SESSION_ID}", headers=AUTH, timeout=5).ok
        assert time.perf_counter() - started >= 0.3
        response = _get(base, f"/v1/agents/cut-bot/sessions/{SESSION_ID}")
        with pytest.raises(http.client.IncompleteRead):
            response.read()
        sad = requests.get(f"{base}/v1/agents/sad-bot/sessions/{SESSION_ID}", headers=AUTH, timeout=5)
        assert (sad.status_code, sad.json()["code"]) == (500, "500")
        assert requests.get(base + PATH, headers=AUTH, timeout=5).ok  # other agents: no stub, no fault


def test_prefer_delay_wins_over_a_stubs_latency(make_mock: MockFactory, tmp_path: Path) -> None:
    stub = {"match": {"agentName": "slow-bot"}, "respond": {"status": 200, "latency": "300ms", "fault": "slow"}}
    (tmp_path / "stubs.json").write_text(json.dumps({"stubs": [stub]}))
    mock = make_mock.pipeline(fixtures=tmp_path, latency="900ms")
    path = f"/v1/agents/slow-bot/sessions/{SESSION_ID}"
    auth = {"authorization": "Bearer t"}
    assert mock.handle(PipelineRequest("GET", path, headers=auth)).faults.delay_ms == 300
    preferred = mock.handle(PipelineRequest("GET", path, headers={**auth, "prefer": "delay=5"})).faults
    assert (preferred.delay_ms, preferred.fault) == (5, "slow")
    assert mock.handle(PipelineRequest("GET", PATH, headers=auth)).faults.delay_ms == 900


def test_admin_reset_restarts_the_fault_sequence(make_mock: MockFactory) -> None:
    app = make_mock(latency="1ms")
    mock = app.extensions["pipecat_mock"]
    client = app.test_client()
    client.get(PATH, headers=AUTH)
    client.get(PATH, headers=AUTH)
    assert client.post("/__admin/reset").status_code == 200
    assert mock.handle(PipelineRequest("GET", PATH, headers={"authorization": "Bearer t"})).faults.sequence == 0


def test_a_plan_with_nothing_configured_only_numbers_the_request() -> None:
    # decide() skips its draws when no layer sets anything: the plan must be what the draws would give.
    nothing, zero = FaultSettings(), FaultSettings(error_rate=0.0, latency=FixedLatency(0))
    assert [decide(3, n, [nothing, nothing]) for n in range(50)] == [decide(3, n, [zero]) for n in range(50)]
    assert decide(3, 7, [nothing]) == FaultPlan(7)
    assert FaultPlan(7).is_noop


def test_no_fault_flags_leave_the_servers_fault_settings_empty(make_mock: MockFactory) -> None:
    """An error rate of 0 (the default) sets nothing, so decide() takes its no-draw path for every request."""
    for error_rate, empty in ((0.0, True), (0.5, False)):
        mock = make_mock.pipeline(error_rate=error_rate)
        assert mock.global_faults.is_empty is empty
