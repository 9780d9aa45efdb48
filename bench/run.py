"""Benchmark `pipecat-mock serve` (no flags but --port 0) side by side with a ceiling and, if npm is there, Prism.

Every request asks for a new session id. Sides are loaded in turn, the order rotating each round, and the
figures reported are medians over the rounds: the machine is small and shared, so only ratios measured in
the same run mean something. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.client
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = ROOT / "spec" / "pipecat-cloud.yaml"
AUTH = {"Authorization": "Bearer bench-token"}
MOCK_PREFIX = "/v1/agents/bench-agent/sessions/"
PRISM_PREFIX = "/agents/bench-agent/sessions/"  # Prism serves the spec's paths without the server's /v1
PRISM_PACKAGE = "@stoplight/prism-cli@5"


@dataclass(frozen=True)
class Side:
    name: str
    url: str  # base URL, e.g. http://127.0.0.1:4711
    prefix: str  # path up to the session id
    pgid: int  # the server's process group: its CPU time is read from /proc


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float = float("nan")  # server CPU time (all its processes) per request: robust to a busy machine
    busy: int = 0  # the server's processes that did at least a tenth of its work in this run


@dataclass(frozen=True)
class Server:
    ready: str  # what the readiness pattern matched (the URL), or ""
    pgid: int
    proc: subprocess.Popen[bytes]


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
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, env=_clean_env(), cwd=ROOT, start_new_session=True
            )
        try:
            yield Server(_wait_for_line(proc, ready, timeout, name, log) if ready else "", proc.pid, proc)
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
    base = [str(script)] if script.exists() else [sys.executable, "-m", "mockserver"]
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


def wait_until_serving(side: Side, timeout: float, alive: Callable[[], bool] = lambda: True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"{side.name} exited before it answered")
        try:
            if get(side.url, f"{side.prefix}{uuid.uuid4()}", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{side.name} did not answer 200 within {timeout:.0f}s")


# --- load generators -------------------------------------------------------------------------------------------

_WRK_LINE = re.compile(r"WRK_RESULT (.*)")


def pinned(cmd: list[str], cpu: int | None) -> list[str]:
    """`cmd` run on one CPU only (taskset), or as it is when `cpu` is None."""
    return cmd if cpu is None else ["taskset", "-c", str(cpu), *cmd]


def load_wrk(side: Side, seconds: float, connections: int, threads: int, cpu: int | None = None) -> Result:
    cmd = pinned(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "5s"], cpu)
    cmd += ["-s", str(HERE / "ids.lua"), side.url, "--", side.prefix]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    found = _WRK_LINE.search(out)
    if not found:
        raise RuntimeError(f"wrk printed no result line:\n{out}")
    f = {k: int(v) for k, v in (pair.split("=") for pair in found.group(1).split())}
    errors = f["connect"] + f["read"] + f["write"] + f["status"] + f["timeout"]
    return Result(f["requests"] / (f["duration_us"] / 1e6), f["p50_us"] / 1000, f["p99_us"] / 1000, errors)


def load_python(side: Side, seconds: float, connections: int, cpu: int | None = None) -> Result:
    cmd = pinned([sys.executable, str(HERE / "pyload.py"), side.url + side.prefix, str(seconds), str(connections)], cpu)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    return Result(r["requests"] / r["seconds"], r["p50_ms"], r["p99_ms"], r["errors"])


# --- the run ----------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=10.0, help="length of one load run (default 10)")
    p.add_argument("--rounds", type=int, default=3, help="rounds; every side is loaded once per round (default 3)")
    p.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    p.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: the load generator shares 2 cores)")
    p.add_argument("--samples", type=int, default=1000, help="requests that measure the mock's mean body size")
    p.add_argument("--client", choices=("auto", "wrk", "python"), default="auto", help="auto: wrk if installed")
    p.add_argument("--no-prism", action="store_true", help="skip Stoplight Prism even if npm is installed")
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
        args.client, args.no_prism = "python", True
    if args.client == "auto":
        args.client = "wrk" if shutil.which("wrk") else "python"
    if args.client == "wrk" and not shutil.which("wrk"):
        p.error("wrk is not installed (Debian: apt-get install wrk); use --client python")
    return args


def start_prism(stack: ExitStack, name: str, dynamic: bool, quiet: bool, cpu: int | None) -> Side:
    port = free_port()
    cmd = ["npx", "-y", PRISM_PACKAGE, "mock", str(SPEC), "-h", "127.0.0.1", "-p", str(port)]
    # At its default level (as users run it) Prism logs several lines per request; -v warn is Prism at its best.
    cmd += ["-v", "warn"] if quiet else []
    server = stack.enter_context(started(pinned([*cmd, "-d"] if dynamic else cmd, cpu), None, 0, name))
    side = Side(name, f"http://127.0.0.1:{port}", PRISM_PREFIX, server.pgid)
    wait_until_serving(side, 180, lambda: server.proc.poll() is None)  # npx may first fetch Prism from npm
    return side


PRISM_SIDES = (  # name, dynamic, quiet
    ("prism-static", False, False),
    ("prism-static-quiet", False, True),
    ("prism-dynamic", True, False),
)


# The ceiling is the Flask endpoint; the mock's API skips Flask, so the bare WSGI one is shown beside it.
CEILINGS = (("ceiling", ()), ("ceiling-wsgi", ("--plain-wsgi",)))
GOALS = {"ceiling": "  (goal >= 0.70)", "prism-static": "  (goal >= 2)"}


def run(args: argparse.Namespace) -> int:
    def load_for(seconds: float) -> Callable[[Side], Result]:
        if args.client == "wrk":
            return lambda s: load_wrk(s, seconds, args.connections, args.threads, args.client_cpu)
        return lambda s: load_python(s, seconds, args.connections, args.client_cpu)

    load, warm_up = load_for(args.seconds), load_for(1)
    flags = shlex.split(args.server_flags)
    with ExitStack() as stack:
        ready = re.compile(r"listening on (http://\S+?)\s")
        server = stack.enter_context(started(pinned(mock_command(flags), args.server_cpu), ready, 60, "mock"))
        url = server.ready
        mock = Side("mock", url, MOCK_PREFIX, server.pgid)
        size = mean_body_size(mock, args.samples)
        print(f"mock: `{' '.join(mock_command(flags)[1:])}` at {url}; mean body {size} bytes over {args.samples} ids")
        sides = [mock]
        for name, extra in CEILINGS:
            cmd = [sys.executable, str(HERE / "ceiling.py"), "--size", str(size), *extra, "--port", "0", *flags]
            ceiling_ready = re.compile(r"listening on (http://\S+)")
            ceiling = stack.enter_context(started(pinned(cmd, args.server_cpu), ceiling_ready, 60, name))
            sides.append(Side(name, ceiling.ready, MOCK_PREFIX, ceiling.pgid))
        if args.no_prism:
            print("prism: skipped (--no-prism)")
        elif not shutil.which("npx"):
            print("prism: skipped (npm/npx is not installed)")
        else:
            try:
                for name, dynamic, quiet in PRISM_SIDES:
                    sides.append(start_prism(stack, name, dynamic, quiet, args.server_cpu))
            except (RuntimeError, OSError) as exc:
                print(f"prism: skipped ({str(exc).splitlines()[0]})")
        pinning = ", servers on CPU 1 and the client on CPU 0" if args.pin else ""
        print(
            f"client: {args.client}, {args.connections} connections, {args.seconds:g}s per run, "
            f"{args.rounds} rounds{pinning}"
        )

        if not args.smoke:
            for side in sides:  # warm-up: imports, caches, connection setup
                warm_up(side)
        results: dict[str, list[Result]] = {s.name: [] for s in sides}
        for round_no in range(args.rounds):
            order = sides[round_no % len(sides) :] + sides[: round_no % len(sides)]
            for side in order:
                ticks_before = group_cpu_ticks(side.pgid)
                r = load(side)
                ticks_after = group_cpu_ticks(side.pgid)
                cpu = (sum(ticks_after.values()) - sum(ticks_before.values())) / os.sysconf("SC_CLK_TCK")
                if not ticks_after:
                    cpu = float("nan")
                cpu_us = cpu / (r.rps * args.seconds) * 1e6 if r.rps else float("nan")
                r = dataclasses.replace(r, cpu_us=cpu_us, busy=busy_processes(ticks_before, ticks_after))
                results[side.name].append(r)
                print(
                    f"  round {round_no + 1} {side.name:<19} {r.rps:9,.0f} req/s  p50 {r.p50_ms:7.2f} ms"
                    f"  p99 {r.p99_ms:7.2f} ms  server CPU {r.cpu_us:6.0f} us/req  busy processes {r.busy}"
                    f"  errors {r.errors}",
                    flush=True,
                )
    return report(results)


def report(results: dict[str, list[Result]]) -> int:
    print(f"\n{'side':<19} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/req':>11}  (medians over rounds)")
    for name, rs in results.items():
        rps = statistics.median(r.rps for r in rs)
        p50 = statistics.median(r.p50_ms for r in rs)
        p99 = statistics.median(r.p99_ms for r in rs)
        cpu = statistics.median(r.cpu_us for r in rs)
        print(f"{name:<19} {rps:9,.0f} {p50:8.2f} {p99:8.2f} {cpu:11.0f}")
    mock = results["mock"]
    print()
    for other in results:
        if other == "mock":
            continue
        # Paired per round (the same minute of a noisy machine), then the median.
        ratio = statistics.median(m.rps / o.rps for m, o in zip(mock, results[other], strict=True))
        cpu = statistics.median(o.cpu_us / m.cpu_us for m, o in zip(mock, results[other], strict=True))
        goal = GOALS.get(other, "")
        print(f"mock / {other:<19} req/s {ratio:5.2f}x   CPU per request: {other} / mock {cpu:5.2f}x{goal}")
    print("\nOnly the rounds in which both sides had all their processes busy (see bench/README.md, 'Busy processes'):")
    for other in results:
        if other == "mock":
            continue
        pairs = full_rounds(mock, results[other])
        if pairs:
            ratio = statistics.median(m.rps / o.rps for m, o in pairs)
            print(f"mock / {other:<19} req/s {ratio:5.2f}x   over {len(pairs)} of {len(mock)} rounds")
        else:
            print(f"mock / {other:<19} no such round")
    failed = {name: sum(r.errors for r in rs) for name, rs in results.items()}
    if any(failed.values()):
        print(f"\nERRORS (non-2xx, timeouts or socket errors): {failed}")
        return 1
    return 0


def full_rounds(mock: list[Result], other: list[Result]) -> list[tuple[Result, Result]]:
    """The paired rounds in which each side had as many busy processes as in its busiest round of the run."""
    most_mock, most_other = max(r.busy for r in mock), max(r.busy for r in other)
    return [(m, o) for m, o in zip(mock, other, strict=True) if m.busy == most_mock and o.busy == most_other]


def main(argv: list[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
