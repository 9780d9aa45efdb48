"""Benchmark `pipecat-mock serve` (no flags but --port 0) side by side with the peers users would pick
(WireMock, Mockoon, Prism), a bare-WSGI ceiling on the mock's own server settings, and a candidate server.

Every request asks for a new session id. Sides are loaded in turn, the order rotating each round, and the
figures reported are medians over the rounds; ratios are paired per round, then medianed: the machine is
small and shared, so only ratios measured in the same run mean something. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.client
import importlib.util
import json
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import peers
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = ROOT / "spec" / "pipecat-cloud.yaml"
AUTH = {"Authorization": "Bearer bench-token"}
MOCK_PREFIX = "/v1/agents/bench-agent/sessions/"


@dataclass(frozen=True)
class Side:
    name: str
    url: str  # base URL, e.g. http://127.0.0.1:4711
    prefix: str  # path up to the session id
    pgid: int  # the server's process group: its CPU time is read from /proc
    first_answer_s: float = float("nan")  # from the start of its command to its first 200
    body_bytes: int = 0  # one answer's body
    fixed: tuple[str, ...] = ()  # method, path[, body]: the same request every time (list, start)


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float = float("nan")  # server CPU time (all its processes) per request: robust to a busy machine
    busy: int = 0  # the server's processes that did at least a tenth of its work in this run
    non_2xx: int = 0  # answers outside 2xx (also counted in errors)


@dataclass(frozen=True)
class Server:
    ready: str  # what the readiness pattern matched (the URL), or ""
    pgid: int
    proc: subprocess.Popen[bytes]
    started_at: float  # time.monotonic() just before the command started


# --- processes -----------------------------------------------------------------------------------------------


def _clean_env() -> dict[str, str]:
    """No PIPECAT_MOCK_* variable may change the defaults under test."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PIPECAT_MOCK_")}


@contextmanager
def started(cmd: list[str], ready: re.Pattern[str] | None, timeout: float, name: str) -> Iterator[Server]:
    """Start `cmd` in its own process group and always stop it; yield the first match of `ready` in its output.

    Output goes to a temporary file, never a pipe: a server that logs every request must not block on us.
    """
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
        log = Path(tmp) / "output.log"
        started_at = time.monotonic()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, env=_clean_env(), cwd=ROOT, start_new_session=True
            )
        try:
            found = _wait_for_line(proc, ready, timeout, name, log) if ready else ""
            yield Server(found, proc.pid, proc, started_at)
        finally:
            _stop(proc)


def _wait_for_line(proc: subprocess.Popen[bytes], ready: re.Pattern[str], timeout: float, name: str, log: Path) -> str:
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        seen = log.read_text(errors="replace")
        found = ready.search(seen)
        if found:
            return found.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"{name} did not become ready within {timeout:.0f}s; its output:\n{seen[-2000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group we created (gunicorn's workers, npx's node), then SIGKILL if it lingers."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError, PermissionError):  # children left behind by a dead leader
        os.killpg(proc.pid, signal.SIGKILL)


def group_cpu_ticks(pgid: int) -> dict[int, int]:
    """User + system CPU clock ticks of every live process in the group, by pid (Linux /proc; empty elsewhere)."""
    ticks = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:  # fields after "pid (comm)": state ppid pgrp ... utime(11) stime(12)
            ticks[int(stat.parent.name)] = int(fields[11]) + int(fields[12])
    return ticks


def busy_processes(before: dict[int, int], after: dict[int, int]) -> int:
    """Processes that did at least a tenth of the group's work: gunicorn's workers that got connections.

    wrk opens its connections at once and keeps them; gunicorn's workers race to accept them, and now and
    then one worker wins them all while the other idles for the whole run (this machine: ~2,200 instead of
    ~5,000 req/s). Printed per round so such a round is seen for what it is.
    """
    used = {pid: ticks - before.get(pid, 0) for pid, ticks in after.items()}
    total = sum(used.values())
    return sum(1 for ticks in used.values() if total and ticks >= total / 10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def mock_command(server_flags: list[str]) -> list[str]:
    script = Path(sys.executable).with_name("pipecat-mock")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "pipecat_cloud_mock"]
    return [*base, "serve", "--port", "0", *server_flags]


# --- plain HTTP helpers ----------------------------------------------------------------------------------------


def get(url: str, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", path, headers=AUTH)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def mean_body_size(side: Side, samples: int) -> int:
    sizes = []
    for _ in range(samples):
        status, body = get(side.url, f"{side.prefix}{uuid.uuid4()}")
        if status != 200:
            raise RuntimeError(f"{side.name} answered {status} while measuring body sizes: {body[:200]!r}")
        sizes.append(len(body))
    return round(statistics.mean(sizes))


# --- load generators -------------------------------------------------------------------------------------------

_WRK_LINE = re.compile(r"WRK_RESULT (.*)")


def pinned(cmd: list[str], cpu: int | None) -> list[str]:
    """`cmd` run on one CPU only (taskset), or as it is when `cpu` is None."""
    return cmd if cpu is None else ["taskset", "-c", str(cpu), *cmd]


def load_wrk(side: Side, seconds: float, connections: int, threads: int, cpu: int | None = None) -> Result:
    cmd = pinned(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "5s"], cpu)
    if side.fixed:
        cmd += ["-s", str(HERE / "fixed.lua"), side.url, "--", *side.fixed]
    else:
        cmd += ["-s", str(HERE / "ids.lua"), side.url, "--", side.prefix]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    found = _WRK_LINE.search(out)
    if not found:
        raise RuntimeError(f"wrk printed no result line:\n{out}")
    f = {k: int(v) for k, v in (pair.split("=") for pair in found.group(1).split())}
    errors = f["connect"] + f["read"] + f["write"] + f["status"] + f["timeout"]
    rps = f["requests"] / (f["duration_us"] / 1e6)
    return Result(rps, f["p50_us"] / 1000, f["p99_us"] / 1000, errors, non_2xx=f["status"])


def load_python(side: Side, seconds: float, connections: int, cpu: int | None = None) -> Result:
    cmd = pinned([sys.executable, str(HERE / "pyload.py"), side.url + side.prefix, str(seconds), str(connections)], cpu)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    return Result(r["requests"] / r["seconds"], r["p50_ms"], r["p99_ms"], r["errors"], non_2xx=r["non_2xx"])


# --- the sides ----------------------------------------------------------------------------------------------

GRANIAN = importlib.util.find_spec("granian") is not None
SAMPLE_ID = "800d444a-e67e-4686-afb3-b0de509cccb3"  # the body static peers serve is the mock's for this id
PAGE_PARAMS = ("limit", "pageSize", "page_size", "per_page")


def rss_mb(pgid: int) -> list[float]:
    """Resident memory of every live process in the group, in MB, largest first."""
    sizes = []
    for pid in group_cpu_ticks(pgid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
    return sorted(sizes, reverse=True)


def extra_endpoints(spec: dict[str, Any], base: str) -> list[tuple[str, ...]]:
    """The list (10 sessions a page) and start requests, for whichever of the two the spec has."""
    found: list[tuple[str, ...]] = []
    for template, item in (spec.get("paths") or {}).items():
        servers = item.get("servers") or []  # a path-level server (the public start: /v1/public) replaces the base
        prefix = urlsplit(servers[0]["url"]).path.rstrip("/") if servers else base
        path = prefix + re.sub(r"\{[^}]+\}", "bench-agent", template)
        if "get" in item and re.fullmatch(r"/agents/\{[^}]+\}/sessions", template):
            names = [p.get("name") for p in [*item.get("parameters", []), *item["get"].get("parameters", [])]]
            page = next((n for n in PAGE_PARAMS if n in names), None)
            found.append(("mock-list", "GET", path + (f"?{page}=10" if page else "")))
        if "post" in item and template.endswith("/start"):
            found.append(("mock-start", "POST", path, "{}"))
    return sorted(found)


def wait_until_serving(side: Side, timeout: float, alive: Callable[[], bool] = lambda: True) -> int:
    """Polls until the side answers 200; returns that answer's body size."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"{side.name} exited before it answered")
        try:
            status, body = get(side.url, f"{side.prefix}{uuid.uuid4()}", timeout=2)
            if status == 200:
                return len(body)
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{side.name} did not answer 200 within {timeout:.0f}s")


def start_side(
    stack: ExitStack, name: str, cmd: list[str], prefix: str, ready: re.Pattern[str] | None, port: int | None = None
) -> Side:
    """Starts `cmd` and waits for its first 200: the time from the start of the command is the side's figure."""
    server = stack.enter_context(started(cmd, ready, 60, name))
    url = server.ready if ready else f"http://127.0.0.1:{port}"
    side = Side(name, url, prefix, server.pgid)
    size = wait_until_serving(side, 180, lambda: server.proc.poll() is None)
    return dataclasses.replace(side, first_answer_s=time.monotonic() - server.started_at, body_bytes=size)


# --- the run ----------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=10.0, help="length of one load run (default 10)")
    p.add_argument(
        "--warm-up", type=float, default=5.0, help="seconds of load per side before the rounds (default 5: JIT peers)"
    )
    p.add_argument("--rounds", type=int, default=3, help="rounds; every side is loaded once per round (default 3)")
    p.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    p.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: the load generator shares 2 cores)")
    p.add_argument("--samples", type=int, default=1000, help="requests that measure the mock's mean body size")
    p.add_argument("--client", choices=("auto", "wrk", "python"), default="auto", help="auto: wrk if installed")
    p.add_argument("--no-peers", action="store_true", help="skip WireMock, Mockoon and Prism")
    p.add_argument("--no-granian", action="store_true", help="skip the candidate server (granian) even if installed")
    p.add_argument(
        "--server-flags",
        default="",
        help="extra `serve` flags for the mock and the ceiling alike, to compare settings (default: none)",
    )
    p.add_argument(
        "--pin",
        action="store_true",
        help="servers on CPU 1, the load generator on CPU 0 (taskset): steadier ratios on a busy 2-core machine",
    )
    p.add_argument("--smoke", action="store_true", help="a seconds-long run that only proves the script works")
    args = p.parse_args(argv)
    if args.pin and (not shutil.which("taskset") or (os.cpu_count() or 1) < 2):
        p.error("--pin needs taskset (util-linux) and at least 2 CPUs")
    args.server_cpu, args.client_cpu = (1, 0) if args.pin else (None, None)
    if args.smoke:
        args.seconds, args.rounds, args.connections, args.samples = 0.5, 1, 2, 20
        args.client, args.no_peers = "python", True
    if args.client == "auto":
        args.client = "wrk" if shutil.which("wrk") else "python"
    if args.client == "wrk" and not shutil.which("wrk"):
        p.error("wrk is not installed (Debian: apt-get install wrk); use --client python")
    return args


def start_all(stack: ExitStack, args: argparse.Namespace, work: Path) -> tuple[list[Side], list[str]]:
    """Every side that can run here, one after the other (so no start slows another), and the skipped ones."""
    flags = shlex.split(args.server_flags)
    cpu = args.server_cpu
    skipped: list[str] = []
    mock = start_side(stack, "mock", pinned(mock_command(flags), cpu), MOCK_PREFIX, re.compile(r"listening on (\S+)"))
    size = mean_body_size(mock, args.samples)
    status, body = get(mock.url, MOCK_PREFIX + SAMPLE_ID)
    if status != 200:
        raise RuntimeError(f"the mock answered {status} for the static peers' body: {body[:200]!r}")
    print(f"mock: `{' '.join(mock_command(flags)[1:])}` at {mock.url}; mean body {size} bytes over {args.samples} ids")
    sides = [mock]
    ceiling = [sys.executable, str(HERE / "ceiling.py"), "--size", str(size), "--plain-wsgi", "--port", "0", *flags]
    candidates = [("ceiling-wsgi", ceiling, MOCK_PREFIX, 0)]
    if args.no_granian or not GRANIAN:
        why = "--no-granian" if args.no_granian else "granian is not installed: pip install granian"
        skipped.append(f"mock-granian, ceiling-wsgi-granian: skipped ({why})")
    else:
        granian = [sys.executable, str(HERE / "granian_side.py")]
        for name, app in (("mock-granian", ["--app", "mock"]), ("ceiling-wsgi-granian", ["--app", "ceiling"])):
            port = free_port()
            candidates.append((name, [*granian, *app, "--size", str(size), "--port", str(port), *flags], "", port))
    for name, cmd, _, port in candidates:
        ready = None if port else re.compile(r"listening on (http://\S+)")
        sides.append(start_side(stack, name, pinned(cmd, cpu), MOCK_PREFIX, ready, port or None))
    spec = yaml.safe_load(SPEC.read_text())
    for name, *request in extra_endpoints(spec, "/v1"):
        if args.client != "wrk":
            skipped.append(f"{name}: skipped (needs wrk)")
            continue
        sides.append(dataclasses.replace(mock, name=name, fixed=tuple(request)))
    if args.no_peers:
        skipped.append("peers: skipped (--no-peers)")
        return sides, skipped
    try:
        modules = peers.install(peers.cache_dir())
    except peers.Skipped as exc:
        return sides, [*skipped, f"peers: skipped ({exc})"]
    skipped += peers.missing_runtimes()
    ports = {name: free_port() for name in peers.PEER_NAMES}
    for peer in peers.peers(modules, SPEC, work, body, SAMPLE_ID, ports):
        try:
            sides.append(start_side(stack, peer.name, pinned(peer.cmd, cpu), peer.prefix, None, ports[peer.name]))
        except (RuntimeError, OSError) as exc:
            skipped.append(f"{peer.name}: skipped ({str(exc).splitlines()[0]})")
    found = ", ".join(f"{p} {peers.version(modules, p)}" for p in ("wiremock", "@mockoon/cli", "@stoplight/prism-cli"))
    print(f"peers from {modules}: {found}")
    return sides, skipped


def run(args: argparse.Namespace) -> int:
    def load_for(seconds: float) -> Callable[[Side], Result]:
        if args.client == "wrk":
            return lambda s: load_wrk(s, seconds, args.connections, args.threads, args.client_cpu)
        return lambda s: load_python(s, seconds, args.connections, args.client_cpu)

    load, warm_up = load_for(args.seconds), load_for(args.warm_up)
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-peers-")))
        sides, skipped = start_all(stack, args, work)
        for line in skipped:
            print(line)
        pinning = ", servers on CPU 1 and the client on CPU 0" if args.pin else ""
        print(
            f"client: {args.client}, {args.connections} connections, {args.seconds:g}s per run, "
            f"{args.rounds} rounds{pinning}"
        )
        if not args.smoke:
            for side in sides:  # warm-up: imports, the JVM's JIT, caches, connection setup
                warm_up(side)
        results: dict[str, list[Result]] = {s.name: [] for s in sides}
        for round_no in range(args.rounds):
            order = sides[round_no % len(sides) :] + sides[: round_no % len(sides)]
            for side in order:
                r = measured(side, load, args.seconds)
                results[side.name].append(r)
                print(
                    f"  round {round_no + 1} {side.name:<20} {r.rps:9,.0f} req/s  p50 {r.p50_ms:7.2f} ms"
                    f"  p99 {r.p99_ms:7.2f} ms  server CPU {r.cpu_us:6.0f} us/req  busy processes {r.busy}"
                    f"  non-2xx {r.non_2xx}  errors {r.errors}",
                    flush=True,
                )
        rss = {side.name: rss_mb(side.pgid) for side in sides}  # after the load, before the stop
    return report(results, {s.name: s for s in sides}, rss)


def measured(side: Side, load: Callable[[Side], Result], seconds: float) -> Result:
    ticks_before = group_cpu_ticks(side.pgid)
    r = load(side)
    ticks_after = group_cpu_ticks(side.pgid)
    cpu = (sum(ticks_after.values()) - sum(ticks_before.values())) / os.sysconf("SC_CLK_TCK")
    cpu_us = cpu / (r.rps * seconds) * 1e6 if r.rps and ticks_after else float("nan")
    return dataclasses.replace(r, cpu_us=cpu_us, busy=busy_processes(ticks_before, ticks_after))


def median_of(rs: list[Result], field: str) -> float:
    return statistics.median(getattr(r, field) for r in rs)


def report(results: dict[str, list[Result]], sides: dict[str, Side], rss: dict[str, list[float]]) -> int:
    print(
        f"\n{'side':<20} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>7} {'errors':>6} {'CPU us/req':>10}"
        f" {'first 200 s':>11} {'body B':>6}  RSS MB per process after the load  (medians over rounds)"
    )
    for name, rs in results.items():
        side = sides[name]
        memory = ", ".join(f"{mb:.0f}" for mb in rss[name]) if not side.fixed else "(the mock's)"
        first = f"{side.first_answer_s:11.2f}" if not side.fixed else f"{'-':>11}"
        print(
            f"{name:<20} {median_of(rs, 'rps'):9,.0f} {median_of(rs, 'p50_ms'):7.2f} {median_of(rs, 'p99_ms'):7.2f}"
            f" {sum(r.non_2xx for r in rs):7} {sum(r.errors for r in rs):6} {median_of(rs, 'cpu_us'):10.0f}"
            f" {first} {side.body_bytes or '-':>6}  {memory}"
        )
    print()
    for other in results:
        if other != "mock" and not sides[other].fixed:
            print(f"mock / {other:<20} req/s {paired(results['mock'], results[other]):5.2f}x (paired per round)")
    for mock, ceiling in (("mock", "ceiling-wsgi"), ("mock-granian", "ceiling-wsgi-granian")):
        if mock in results and ceiling in results:
            goals(mock, ceiling, results, sides)
    print("\nOnly the rounds in which both sides had all their processes busy (see bench/README.md, 'Busy processes'):")
    for other in results:
        if other == "mock" or sides[other].fixed:
            continue
        pairs = full_rounds(results["mock"], results[other])
        if pairs:
            ratio = statistics.median(m.rps / o.rps for m, o in pairs)
            print(f"mock / {other:<20} req/s {ratio:5.2f}x   over {len(pairs)} of {len(results['mock'])} rounds")
        else:
            print(f"mock / {other:<20} no such round")
    failed = {name: sum(r.errors for r in rs) for name, rs in results.items()}
    if any(failed.values()):
        print(f"\nERRORS (non-2xx, timeouts or socket errors): {failed}")
        return 1
    return 0


def paired(mine: list[Result], other: list[Result]) -> float:
    """The median of the per-round ratios: each pair shares the same minute of a noisy machine."""
    return statistics.median(m.rps / o.rps for m, o in zip(mine, other, strict=True))


def goals(mock: str, ceiling: str, results: dict[str, list[Result]], sides: dict[str, Side]) -> None:
    """Issue 12's goals for `mock` (the mock on one server) against the peers and its ceiling on that server."""
    peer_names = [n for n in results if n in peers.PEER_NAMES]
    print(f"\ngoals for {mock}:")
    ratio = paired(results[mock], results[ceiling])
    print(f"  >= 0.80x {ceiling:<21} {ratio:5.2f}x  {'met' if ratio >= 0.8 else 'NOT met'}")
    if peer_names:
        ratio = to_fastest_peer(results[mock], [results[n] for n in peer_names])
        leader = max(peer_names, key=lambda n: median_of(results[n], "rps"))
        verdict = "met" if ratio >= 2 else "NOT met"
        print(f"  >= 2.00x the fastest peer     {ratio:5.2f}x  {verdict} (fastest by median: {leader})")
        p99 = median_of(results[mock], "p99_ms")
        best = min(peer_names, key=lambda n: median_of(results[n], "p99_ms"))
        best_p99 = median_of(results[best], "p99_ms")
        verdict = "met" if p99 <= best_p99 else "NOT met"
        print(f"  p99 <= every peer's           {p99:.2f} ms vs {best_p99:.2f} ms ({best})  {verdict}")
        first = min(peer_names, key=lambda n: sides[n].first_answer_s)
        mine, theirs = sides[mock].first_answer_s, sides[first].first_answer_s
        verdict = "met" if mine <= theirs else "NOT met"
        print(f"  first 200 before every peer's {mine:.2f} s vs {theirs:.2f} s ({first})  {verdict}")
    else:
        print("  (no peer ran: the peer goals are not measured)")
    non_2xx = sum(r.non_2xx for r in results[mock])
    print(f"  0 non-2xx                     {non_2xx}  {'met' if non_2xx == 0 else 'NOT met'}")


def to_fastest_peer(mock: list[Result], peer_rounds: list[list[Result]]) -> float:
    """The median over rounds of the mock's req/s over the fastest peer's in that same round."""
    fastest = [max(rounds[i].rps for rounds in peer_rounds) for i in range(len(mock))]
    return statistics.median(m.rps / f for m, f in zip(mock, fastest, strict=True))


def full_rounds(mock: list[Result], other: list[Result]) -> list[tuple[Result, Result]]:
    """The paired rounds in which each side had as many busy processes as in its busiest round of the run."""
    most_mock, most_other = max(r.busy for r in mock), max(r.busy for r in other)
    return [(m, o) for m, o in zip(mock, other, strict=True) if m.busy == most_mock and o.busy == most_other]


def main(argv: list[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
