"""Does each shortcut on the hot path still pay for itself? Each is switched off in turn and measured against
the same pipeline with it on, in the same round (paired), in CPU time per session GET (issue 12: a
micro-optimisation that makes the code harder to read shows its gain here, or goes).

Usage: python bench/ablate.py [--requests N] [--rounds N]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from pipecat_cloud_mock import Config
from pipecat_cloud_mock.mocker import bodies
from pipecat_cloud_mock.pipeline import params
from pipecat_cloud_mock.pipeline.mock import MockPipeline, PipelineRequest
from pipecat_cloud_mock.seed import rng_for

Switch = Callable[[MockPipeline], contextlib.AbstractContextManager[None]]


class _NoCache(dict[Any, Any]):
    """A negotiation cache that never holds anything."""

    def get(self, key: Any, default: Any = None) -> Any:
        return None

    def __len__(self) -> int:
        return sys.maxsize


@contextlib.contextmanager
def no_negotiation_cache(mock: MockPipeline) -> Iterator[None]:
    kept, mock._negotiations = mock._negotiations, _NoCache()
    try:
        yield
    finally:
        mock._negotiations = kept


@contextlib.contextmanager
def full_path_checks(mock: MockPipeline) -> Iterator[None]:
    checker = mock.params
    kept = checker._checks
    checker._checks = {key: params._full_check(v) for key, v in checker._validators.items()}
    try:
        yield
    finally:
        checker._checks = kept


@contextlib.contextmanager
def eager_fill_rng(mock: MockPipeline) -> Iterator[None]:
    kept, bodies.lazy_rng_for = bodies.lazy_rng_for, rng_for  # type: ignore[assignment]
    try:
        yield
    finally:
        bodies.lazy_rng_for = kept


SWITCHES: dict[str, Switch] = {
    "negotiation cache (pipeline/mock)": no_negotiation_cache,
    "string path-parameter check (pipeline/params)": full_path_checks,
    "lazy fill generator (seed.lazy_rng_for)": eager_fill_rng,
}


def per_request_us(mock: MockPipeline, requests: list[PipelineRequest]) -> float:
    started = time.process_time()
    for request in requests:
        mock.handle(request)
    return (time.process_time() - started) / len(requests) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    mock = MockPipeline(Config(access_log=False))
    requests = [
        PipelineRequest("GET", f"/v1/agents/bench-agent/sessions/{uuid.uuid4()}", {}, {"authorization": "Bearer b"})
        for _ in range(args.requests)
    ]
    per_request_us(mock, requests)  # warm-up
    print(f"CPU time per session GET, MockPipeline.handle, medians of {args.rounds} paired rounds of {args.requests}:")
    print(f"  {'shortcut':<48} {'on us':>8} {'off us':>8} {'off/on':>7}")
    try:
        for name, switch_off in SWITCHES.items():
            on, off = [], []
            for _ in range(args.rounds):
                on.append(per_request_us(mock, requests))
                with switch_off(mock):
                    off.append(per_request_us(mock, requests))
            ratio = statistics.median(o / n for o, n in zip(off, on, strict=True))
            print(f"  {name:<48} {statistics.median(on):8.1f} {statistics.median(off):8.1f} {ratio:7.2f}")
    finally:
        mock.control.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
