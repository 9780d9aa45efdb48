"""What fixtures, stubs and the journal cost on the hot path, as ratios to the bare pipeline in the same run.

    .venv/bin/python bench/bench_fixtures.py

Peer: `MockPipeline._answer` (route, security, negotiate, generate; no store). Each case is timed in rounds,
interleaved, and the median per request is reported with its ratio to the peer (the machine is noisy).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from pipecat_cloud_mock import Config, MockPipeline, PipelineRequest
from pipecat_cloud_mock.state.model import FixtureSet
from pipecat_cloud_mock.state.parse import Report

SID = "6f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
AUTH = {"authorization": "Bearer t"}
N, ROUNDS = 500, 7


def main() -> None:
    mock = MockPipeline(Config(access_log=False, journal_size=1000))
    rules = [{"match": {"agentName": f"other-{i}"}, "respond": {}} for i in range(50)]
    stubs = tuple(s for i, r in enumerate(rules) if (s := mock.control.parser.stub(r, Report("bench"), (), f"s{i}")))
    loaded = MockPipeline(Config(access_log=False, journal_size=1000))
    loaded.control.store.replace_all(FixtureSet({("fixture-agent", SID): {"completionStatus": "HTTP_ERROR"}}, stubs))
    generated = [PipelineRequest("GET", f"/v1/agents/a{i}/sessions/{SID}", headers=AUTH) for i in range(N)]
    fixture = [PipelineRequest("GET", f"/v1/agents/fixture-agent/sessions/{SID}", headers=AUTH)] * N
    cases: dict[str, Callable[[], object]] = {
        "peer: pipeline without store": lambda: [mock._answer(r) for r in generated],
        "handle: store + journal": lambda: [mock.handle(r) for r in generated],
        "handle: 50 stubs, none match": lambda: [loaded.handle(r) for r in generated],
        "handle: fixture session": lambda: [loaded.handle(r) for r in fixture],
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, run in cases.items():
            started = time.perf_counter()
            run()
            timings[name].append((time.perf_counter() - started) / N * 1e6)
    peer = statistics.median(timings["peer: pipeline without store"])
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"{name:<32} {median:8.1f} us/request  x{median / peer:.2f}")
    mock.control.close()
    loaded.control.close()


if __name__ == "__main__":
    main()
