"""The mock servers users would pick instead of this one, installed into a cache outside the repository.

npm packages go to `$BENCH_PEERS_DIR` (default `~/.cache/pipecat-mock-bench`), installed on first use with
`npm install --prefix`; a peer whose package cannot be installed, or whose runtime (node, java) is missing, is
reported as skipped with the reason, never as zero. Each peer is started as a command on a free port;
bench/run.py waits for its first 200 and loads it like the mock.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

NPM_PACKAGES = ("wiremock@3.13", "@mockoon/cli@9.9", "@stoplight/prism-cli@5.16")
PRISM_PREFIX = "/agents/bench-agent/sessions/"  # Prism serves the spec's paths without the server's /v1
TEMPLATED_ID = "{{request.pathSegments.[4]}}"  # /v1/agents/{agent}/sessions/{id}: segment 4 is the id


class Skipped(Exception):
    """A peer that cannot run here; the message says why."""


@dataclass(frozen=True)
class Peer:
    name: str
    cmd: list[str]
    prefix: str  # path up to the session id


def cache_dir() -> Path:
    return Path(os.environ.get("BENCH_PEERS_DIR") or Path.home() / ".cache" / "pipecat-mock-bench")


def install(root: Path) -> Path:
    """node_modules with the peers, installed on first use; raises Skipped if npm is missing or fails."""
    modules = root / "npm" / "node_modules"
    wanted = (modules / "wiremock", modules / "@mockoon" / "cli", modules / "@stoplight" / "prism-cli")
    if all(p.is_dir() for p in wanted):
        return modules
    if not shutil.which("npm"):
        raise Skipped("npm is not installed")
    (root / "npm").mkdir(parents=True, exist_ok=True)
    cmd = ["npm", "install", "--prefix", str(root / "npm"), "--no-audit", "--no-fund", *NPM_PACKAGES]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise Skipped("npm install took over 10 minutes") from None
    if done.returncode != 0 or not all(p.is_dir() for p in wanted):
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise Skipped(f"npm install failed: {last[0]}")
    return modules


def version(modules: Path, package: str) -> str:
    version: str = json.loads((modules / package / "package.json").read_text())["version"]
    return version


def wiremock_jar(modules: Path) -> Path:
    jars = sorted((modules / "wiremock").rglob("wiremock-standalone-*.jar"))
    if not jars:
        raise Skipped("the wiremock package has no standalone jar")
    return jars[-1]


def wiremock_root(where: Path, body: bytes, session_id: str, templated: bool) -> Path:
    """A WireMock root dir with one stub for every session GET: the mock's own body bytes, or a template of
    them that puts the requested id where the mock put it."""
    text = body.decode()
    stub: dict[str, object] = {"status": 200, "headers": {"Content-Type": "application/json"}}
    if templated:
        stub |= {"body": text.replace(session_id, TEMPLATED_ID), "transformers": ["response-template"]}
    else:
        stub["base64Body"] = base64.b64encode(body).decode()  # the bytes exactly
    mapping = {"request": {"method": "GET", "urlPathPattern": "/v1/agents/[^/]+/sessions/[^/]+"}, "response": stub}
    (where / "mappings").mkdir(parents=True, exist_ok=True)
    (where / "mappings" / "session.json").write_text(json.dumps(mapping))
    return where


def peers(modules: Path, spec: Path, work: Path, body: bytes, session_id: str, port_for: dict[str, int]) -> list[Peer]:
    """Every peer whose runtime (java, node) is installed; `missing_runtimes` names the others."""
    found: list[Peer] = []
    node = shutil.which("node")
    java = shutil.which("java")
    mock_prefix = "/v1/agents/bench-agent/sessions/"
    if java:
        jar = str(wiremock_jar(modules))
        # As users run it (request journal on), quiet (no journal, no request logging), and templated.
        variants = (
            ("wiremock", False, []),
            ("wiremock-quiet", False, ["--no-request-journal", "--disable-request-logging"]),
            ("wiremock-templated", True, []),
        )
        for name, templated, extra in variants:
            root = wiremock_root(work / name, body, session_id, templated)
            cmd = [java, "-jar", jar, "--bind-address", "127.0.0.1", "--port", str(port_for[name])]
            found.append(Peer(name, [*cmd, "--root-dir", str(root), *extra], mock_prefix))
    if node:
        mockoon = str(modules / "@mockoon" / "cli" / "bin" / "run.js")
        cmd = [node, mockoon, "start", "-d", str(spec), "-l", "127.0.0.1", "-p", str(port_for["mockoon"]), "-X"]
        found.append(Peer("mockoon", cmd, mock_prefix))
        prism = str(modules / "@stoplight" / "prism-cli" / "dist" / "index.js")
        for name, extra in (("prism-static", []), ("prism-dynamic", ["-d"])):
            cmd = [node, prism, "mock", str(spec), "-h", "127.0.0.1", "-p", str(port_for[name]), *extra]
            found.append(Peer(name, cmd, PRISM_PREFIX))
    return found


PEER_NAMES = ("wiremock", "wiremock-quiet", "wiremock-templated", "mockoon", "prism-static", "prism-dynamic")


def missing_runtimes() -> list[str]:
    lines = []
    if not shutil.which("java"):
        lines.append("wiremock, wiremock-quiet, wiremock-templated: skipped (java is not installed)")
    if not shutil.which("node"):
        lines.append("mockoon, prism-static, prism-dynamic: skipped (node is not installed)")
    return lines
