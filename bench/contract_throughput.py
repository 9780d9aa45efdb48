"""How fast the contract kit checks a live server: requests/s against `pipecat-mock serve`, side by side.

Three rows, same requests: the bare client against the spawned mock (send only: the ceiling for this
client), the same plus every per-response check, and send + checks against the in-process mock.
Medians of --rounds runs; the machine is shared and noisy, so read the ratios.

    .venv/bin/python bench/contract_throughput.py [--requests 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable

from pipecat_cloud_mock import load_spec
from pipecat_cloud_mock.contract.checks import Context, Exchange, evaluate
from pipecat_cloud_mock.contract.target import SpawnedMockTarget, Target, in_process_mock, session_request
from pipecat_cloud_mock.spec.openapi import default_validator


def _rate(target: Target, count: int, check: Callable[[Exchange], object] | None) -> float:
    requests = [session_request("my-agent", str(uuid.UUID(int=i + 1, version=4))) for i in range(count)]
    started = time.perf_counter()
    for request in requests:
        exchange = Exchange(request, target.send(request))
        if check is not None:
            check(exchange)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    spec = load_spec()
    context = Context(spec, spec.operation("getSession"), default_validator())

    def check(ex: Exchange) -> object:
        return evaluate(context, ex)

    live = SpawnedMockTarget()
    local = in_process_mock()
    try:
        _rate(live, 20, check)  # warm-up: imports, validator caches, workers
        rows: dict[str, Callable[[], float]] = {
            "spawned mock, send only (ceiling)": lambda: _rate(live, args.requests, None),
            "spawned mock, send + all checks": lambda: _rate(live, args.requests, check),
            "in-process mock, send + all checks": lambda: _rate(local, args.requests, check),
        }
        results = {name: [run() for _ in range(args.rounds)] for name, run in rows.items()}
    finally:
        live.close()
    ceiling = statistics.median(next(iter(results.values())))
    print(f"{'':<38}{'median req/s':>14}{'vs ceiling':>12}")
    for name, rates in results.items():
        median = statistics.median(rates)
        print(f"{name:<38}{median:>14.0f}{median / ceiling:>12.2f}")


if __name__ == "__main__":
    main()
