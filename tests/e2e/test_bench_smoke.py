"""The benchmark script must keep working: its smallest mode (about three seconds, Python client) runs here.

It starts the real `pipecat-mock serve --port 0` and the ceiling, loads both and prints the comparison;
the figures themselves are never asserted (speed is shown by the benchmark, not by timed tests).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support import REPO

ROOT = REPO


def _bench(*flags: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", *flags]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.mark.e2e
def test_bench_smoke_runs_mock_and_ceiling_side_by_side_pinned_and_names_skipped_peers() -> None:
    """One smoke run, pinned where the machine can pin (the table is the same either way)."""
    can_pin = bool(shutil.which("taskset")) and (os.cpu_count() or 1) >= 2
    if not can_pin:  # a machine that cannot pin is told so, with what --pin needs
        refused = _bench("--pin")
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "--pin needs taskset (util-linux) and at least 2 CPUs" in refused.stderr, refused.stderr
    done = _bench("--pin") if can_pin else _bench()
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    if can_pin:
        assert "servers on CPU 1 and the client on CPU 0" in out, out
    assert re.search(r"mean body \d+ bytes", out), out
    for side in ("mock", "ceiling-wsgi"):
        found = re.search(rf"^{side}\s+([\d,]+)\s+[\d.]+\s+[\d.]+\s+0\s+0\s", out, re.MULTILINE)
        assert found, out
        assert int(found.group(1).replace(",", "")) > 0, out
    assert re.search(r"mock / ceiling-wsgi\s+req/s\s+[\d.]+x", out), out
    assert re.search(r">= 0.80x ceiling-wsgi\s+[\d.]+x", out), out
    assert "peers: skipped (--no-peers)" in out, out  # skipped peers are named, never shown as zero


def test_pinned_prefixes_a_command_with_taskset_only_when_asked() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from run import pinned
    finally:
        sys.path.remove(str(ROOT / "bench"))
    assert pinned(["wrk", "-t1"], None) == ["wrk", "-t1"]
    assert pinned(["wrk", "-t1"], 0) == ["taskset", "-c", "0", "wrk", "-t1"]


def test_busy_processes_counts_those_that_did_a_tenth_of_the_work() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from run import busy_processes
    finally:
        sys.path.remove(str(ROOT / "bench"))
    master, one, two = 10, 11, 12
    before = {master: 50, one: 1_000, two: 2_000}
    # One worker won every connection: the other idled, the master ticked along.
    assert busy_processes(before, {master: 70, one: 1_400, two: 2_000}) == 1  # the master: 5% of the work
    assert busy_processes(before, {master: 53, one: 1_200, two: 2_150}) == 2
    assert busy_processes(before, {master: 50, one: 1_000, two: 2_000}) == 0  # nothing ran
    assert busy_processes({}, {one: 90, two: 10}) == 2  # processes born during the run count from zero


def test_full_rounds_keeps_the_rounds_where_both_sides_had_every_process_busy() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from run import Result, full_rounds
    finally:
        sys.path.remove(str(ROOT / "bench"))
    mock = [Result(5000, 3, 9, 0, busy=2), Result(2200, 7, 12, 0, busy=1), Result(4800, 3, 9, 0, busy=2)]
    ceiling = [Result(6000, 3, 9, 0, busy=2), Result(6100, 3, 9, 0, busy=2), Result(2300, 7, 12, 0, busy=1)]
    assert full_rounds(mock, ceiling) == [(mock[0], ceiling[0])]
    prism = [Result(2300, 6, 14, 0, busy=1)] * 3  # one process: every round is full
    assert full_rounds(mock, prism) == [(mock[0], prism[0]), (mock[2], prism[2])]


def test_extra_endpoints_come_from_the_spec_only_when_it_has_them() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from run import extra_endpoints
    finally:
        sys.path.remove(str(ROOT / "bench"))
    one = {"paths": {"/agents/{agentName}/sessions/{sessionId}": {"get": {}}}}
    assert extra_endpoints(one, "/v1") == []
    listing = {"get": {"parameters": [{"name": "limit", "in": "query"}]}}
    both = {"paths": {"/agents/{agentName}/sessions": listing, "/public/{agentName}/start": {"post": {}}}}
    assert extra_endpoints(both, "/v1") == [
        ("mock-list", "GET", "/v1/agents/bench-agent/sessions?limit=10"),
        ("mock-start", "POST", "/v1/public/bench-agent/start", "{}"),
    ]
    # The bundled spec declares the start under its own path-level server, as the reference does.
    bundled = yaml.safe_load((ROOT / "spec" / "pipecat-cloud.yaml").read_text())
    assert ("mock-start", "POST", "/v1/public/bench-agent/start", "{}") in extra_endpoints(bundled, "/v1")


def test_wiremock_stubs_serve_the_mocks_bytes_or_a_template_echoing_the_id(tmp_path: Path) -> None:
    import base64
    import json

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from peers import TEMPLATED_ID, wiremock_root
    finally:
        sys.path.remove(str(ROOT / "bench"))
    body = b'{"sessionId":"abc","x":"\xc3\xa9"}'
    static = json.loads((wiremock_root(tmp_path / "s", body, "abc", False) / "mappings" / "session.json").read_text())
    assert base64.b64decode(static["response"]["base64Body"]) == body
    templated = json.loads((wiremock_root(tmp_path / "t", body, "abc", True) / "mappings" / "session.json").read_text())
    assert templated["response"]["body"] == body.decode().replace("abc", TEMPLATED_ID)
    assert templated["response"]["transformers"] == ["response-template"]


def test_the_fastest_peer_is_chosen_per_round_before_the_median() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from run import Result, to_fastest_peer
    finally:
        sys.path.remove(str(ROOT / "bench"))
    mock = [Result(3000, 1, 2, 0), Result(3000, 1, 2, 0), Result(2000, 1, 2, 0)]
    wiremock = [Result(1000, 1, 2, 0), Result(3000, 1, 2, 0), Result(500, 1, 2, 0)]  # warms up in round 2
    prism = [Result(1500, 1, 2, 0), Result(500, 1, 2, 0), Result(1000, 1, 2, 0)]
    # Per round: 3000/1500, 3000/3000, 2000/1000 -> median 2.0 (against one peer's medians it would read 3.0).
    assert to_fastest_peer(mock, [wiremock, prism]) == 2.0
