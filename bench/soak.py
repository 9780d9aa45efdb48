"""Soak: many API requests against `pipecat-mock serve --workers 2`, with admin writes and journal reads beside them.

Reports what a long run must keep flat: RSS of every server process and API p99 latency, at the start and at
the end, plus non-2xx answers and admin failures. Bounded in time: it stops at --max-seconds even if fewer
requests were sent (and says so). The load runs in client processes of their own (no shared GIL).

    .venv/bin/python bench/soak.py                      # 300,000 requests (several minutes on 2 cores)
    .venv/bin/python bench/soak.py --requests 3000      # a smoke run (tests run this)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).parent / "pipecat-mock")
HEADERS = {"Authorization": "Bearer soak"}
WINDOW = 0.05  # share of a client's requests counted as "start" and as "end"


# --- client process ------------------------------------------------------------------------------


def client(url: str, requests: int, threads: int, deadline: float) -> None:
    """Sends `requests` GETs over `threads` keep-alive connections; prints one JSON line."""
    parts = urlsplit(url)
    per_thread = requests // threads
    results: list[dict[str, object]] = []

    def run() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        latencies: list[float] = []
        bad = 0
        for _ in range(per_thread):
            if time.time() > deadline:
                break
            started = time.perf_counter()
            try:
                conn.request("GET", f"/v1/agents/soak/sessions/{uuid.uuid4()}", headers=HEADERS)
                response = conn.getresponse()
                response.read()
                if not 200 <= response.status < 300:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
            latencies.append(time.perf_counter() - started)
        conn.close()
        results.append({"latencies": latencies, "bad": bad})

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    window = max(1, int(per_thread * WINDOW))
    start = sorted(x for r in results for x in r["latencies"][:window])  # type: ignore[index]
    end = sorted(x for r in results for x in r["latencies"][-window:])  # type: ignore[index]
    sent = sum(len(r["latencies"]) for r in results)  # type: ignore[arg-type]
    bad = sum(int(r["bad"]) for r in results)  # type: ignore[call-overload]
    print(json.dumps({"sent": sent, "bad": bad, "p99_start": _p99(start), "p99_end": _p99(end)}), flush=True)


def _p99(values: list[float]) -> float:
    return values[min(len(values) - 1, int(len(values) * 0.99))] * 1000 if values else 0.0


# --- admin side ----------------------------------------------------------------------------------


class Admin(threading.Thread):
    """Admin writes (a session put, a stub added and deleted) and journal reads, in turn, until stopped."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.parts = urlsplit(url)
        self.stop = threading.Event()
        self.writes = self.reads = self.failures = 0

    def call(self, conn: http.client.HTTPConnection, method: str, path: str, body: object = None) -> None:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                self.failures += 1
        except (OSError, http.client.HTTPException):
            self.failures += 1
            conn.close()

    def run(self) -> None:
        conn = http.client.HTTPConnection(self.parts.hostname, self.parts.port, timeout=60)
        turn = 0
        while not self.stop.wait(0.05):
            turn += 1
            sid = str(uuid.UUID(int=turn % 200))
            self.call(conn, "PUT", f"/__admin/sessions/soak-admin/{sid}", {"botStartSeconds": turn % 7})
            self.call(
                conn,
                "POST",
                "/__admin/stubs",
                {"id": f"soak-{turn}", "match": {"agentName": "nobody"}, "respond": {"status": 500}},
            )
            self.call(conn, "DELETE", f"/__admin/stubs/soak-{turn}")
            self.writes += 3
            if turn % 4 == 0:
                self.call(conn, "GET", "/__admin/requests?limit=1000")
                self.reads += 1
        conn.close()


# --- the run -------------------------------------------------------------------------------------


def rss_mib(master: int) -> dict[str, tuple[float, float]]:
    """(VmRSS, RssAnon) of the master and each of its children (the workers). RssAnon leaves out the journal
    ring's shared pages, which count in a worker's VmRSS as it writes them."""
    out = {}
    for pid in [master, *_children(master)]:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total, private = re.search(r"VmRSS:\s+(\d+) kB", status), re.search(r"RssAnon:\s+(\d+) kB", status)
        if total and private:
            name = "master" if pid == master else f"worker {pid}"
            out[name] = (int(total.group(1)) / 1024, int(private.group(1)) / 1024)
    return out


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300_000)
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--threads", type=int, default=4, help="connections per client process")
    parser.add_argument("--client", nargs=3, metavar=("URL", "REQUESTS", "DEADLINE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client(args.client[0], int(args.client[1]), args.threads, float(args.client[2]))
        return 0

    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPECAT_MOCK_")}
    errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - the server's stderr, read after it stops
    server = subprocess.Popen(
        [CLI, "serve", "--port", "0", "--workers", "2", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        found = re.search(r"http://[\d.]+:\d+", server.stdout.readline())
        if not found:
            print("the server printed no URL", file=sys.stderr)
            return 1
        url = found.group(0)
        _warm_up(url)
        before = rss_mib(server.pid)
        admin = Admin(url)
        admin.start()
        started = time.time()
        deadline = started + args.max_seconds
        per_client = args.requests // args.clients
        clients = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--threads",
                    str(args.threads),
                    "--client",
                    url,
                    str(per_client),
                    str(deadline),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(args.clients)
        ]
        reports = [json.loads(c.communicate()[0]) for c in clients]
        elapsed = time.time() - started
        admin.stop.set()
        admin.join(60)
        after = rss_mib(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    errors.seek(0)
    logged = [line for line in errors.read().splitlines() if "ERROR" in line or "Traceback" in line]
    sent = sum(r["sent"] for r in reports)
    print(
        f"soak: {sent:,} API requests in {elapsed:.0f} s ({sent / elapsed:,.0f}/s), 2 workers, "
        f"{args.clients} client processes x {args.threads} connections"
    )
    if sent < args.requests:
        print(f"stopped at --max-seconds {args.max_seconds:.0f}: {args.requests - sent:,} requests not sent")
    print(f"non-2xx or failed API requests: {sum(r['bad'] for r in reports):,}")
    print(f"errors the server logged: {len(logged):,}" + (f" (first: {logged[0][:200]})" if logged else ""))
    print(f"admin: {admin.writes:,} writes, {admin.reads:,} journal reads (limit 1000), {admin.failures:,} failed")
    print(
        f"p99 (ms)   start {max(r['p99_start'] for r in reports):7.1f}   end {max(r['p99_end'] for r in reports):7.1f}"
    )
    print("RSS (MiB)  process          start      end   private: start      end")
    for name in sorted(set(before) | set(after)):
        cells = [f"{side[name][i]:8.1f}" if name in side else "       -" for i in (0, 1) for side in (before, after)]
        print(f"           {name:<14} {cells[0]} {cells[1]}            {cells[2]} {cells[3]}")
    return 0


def _warm_up(url: str) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    for _ in range(200):
        conn.request("GET", f"/v1/agents/soak/sessions/{uuid.uuid4()}", headers=HEADERS)
        conn.getresponse().read()
    conn.close()


if __name__ == "__main__":
    sys.exit(main())
