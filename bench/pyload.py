"""Fallback load generator (when wrk is missing, and for --smoke): threads with keep-alive HTTP clients.

Runs in its own process so that it never shares a GIL with what it measures. It is much weaker than wrk:
its figures compare sides within one run, not with wrk's. Prints one JSON line.
Usage: python bench/pyload.py URL_PREFIX SECONDS CONNECTIONS
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit

HEADERS = {"Authorization": "Bearer bench-token"}


def worker(host: str, port: int, prefix: str, deadline: float, latencies: list[float], errors: list[int]) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=5)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", f"{prefix}{uuid.uuid4()}", headers=HEADERS)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors.append(0)
                conn.close()
                continue
            latencies.append(time.perf_counter() - started)
            if not 200 <= response.status < 300:
                errors.append(response.status)
    finally:
        conn.close()


def main() -> None:
    url, seconds, connections = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    parts = urlsplit(url)
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    deadline = started + seconds
    threads = [
        threading.Thread(
            target=worker, args=(parts.hostname, parts.port, parts.path, deadline, latencies, errors), daemon=True
        )
        for _ in range(connections)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 10)
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")

    print(
        json.dumps(
            {
                "requests": len(ordered),
                "seconds": elapsed,
                "p50_ms": pct(0.50),
                "p99_ms": pct(0.99),
                "errors": len(errors),
                "non_2xx": sum(1 for status in errors if status),
            }
        )
    )


if __name__ == "__main__":
    main()
