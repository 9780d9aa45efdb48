"""In-process breakdown of one request's CPU time: where does the mock spend what the ceiling does not?

No server, no sockets, no load generator: WSGI calls into the mock's app, the two ceilings' (the Flask endpoint
and the bare WSGI function) and MockPipeline.handle alone, measured in CPU time (time.process_time), medians over
rounds. `--profile` prints a cProfile of the mock's WSGI path.
Usage: python bench/micro.py [--requests N] [--rounds N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ceiling import ceiling_app, plain_wsgi_app
from pipecat_cloud_mock import Config, create_app
from pipecat_cloud_mock.pipeline.mock import MockPipeline, PipelineRequest

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def environs(n: int) -> list[dict[str, Any]]:
    base = EnvironBuilder(path="/", headers={"Authorization": "Bearer bench", "Host": "127.0.0.1"}).get_environ()
    out = []
    for _ in range(n):
        env = dict(base)
        env["PATH_INFO"] = env["RAW_URI"] = f"/v1/agents/bench-agent/sessions/{uuid.uuid4()}"
        out.append(env)
    return out


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    return None


def wsgi_us(app: WSGIApp, n: int) -> float:
    envs = environs(n)
    started = time.process_time()
    for env in envs:
        b"".join(app(env, _start_response))
    return (time.process_time() - started) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    n = args.requests
    app = create_app(Config(access_log=False))
    mock: MockPipeline = app.extensions["pipecat_mock"]
    size = round(statistics.mean(len(mock.handle(r).body) for r in _requests(200)))
    ceiling = ceiling_app(size)
    bare = plain_wsgi_app(size)

    real_handle = MockPipeline.handle
    in_situ = [0.0]

    def timed_handle(self: MockPipeline, request: PipelineRequest) -> Any:
        started = time.process_time()
        try:
            return real_handle(self, request)
        finally:
            in_situ[0] += time.process_time() - started

    rows: dict[str, list[float]] = {
        "ceiling app": [],
        "bare WSGI ceiling": [],
        "mock app": [],
        "MockPipeline.handle in the app": [],
        "MockPipeline.handle alone": [],
    }
    for _ in range(args.rounds):
        rows["ceiling app"].append(wsgi_us(ceiling, n))
        rows["bare WSGI ceiling"].append(wsgi_us(bare, n))
        in_situ[0] = 0.0
        MockPipeline.handle = timed_handle  # type: ignore[method-assign]
        rows["mock app"].append(wsgi_us(app, n))
        MockPipeline.handle = real_handle  # type: ignore[method-assign]
        rows["MockPipeline.handle in the app"].append(in_situ[0] / n * 1e6)
        requests = _requests(n)
        started = time.process_time()
        for r in requests:
            mock.handle(r)
        rows["MockPipeline.handle alone"].append((time.process_time() - started) / n * 1e6)
    print(f"CPU time per request, medians of {args.rounds} rounds of {n} (mean body {size} bytes, access log off):")
    for name, values in rows.items():
        print(f"  {name:<24} {statistics.median(values):7.1f} us")
    print("  ('in the app' > 'alone': the rest of the request has pushed the mock's code and data out of the caches)")
    if args.profile:
        envs = environs(n)
        profiler = cProfile.Profile()
        profiler.enable()
        for env in envs:
            b"".join(app(env, _start_response))
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def _requests(n: int) -> list[PipelineRequest]:
    return [
        PipelineRequest("GET", f"/v1/agents/bench-agent/sessions/{uuid.uuid4()}", {}, {"authorization": "Bearer bench"})
        for _ in range(n)
    ]


if __name__ == "__main__":
    main()
