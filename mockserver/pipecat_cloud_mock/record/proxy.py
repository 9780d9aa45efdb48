"""`pipecat-mock record`: a proxy to the real API that checks every answer against the spec and writes
the exchanges as a fixture file that `pipecat-mock serve --fixtures DIR` replays.

The API key goes to the target only. It is never printed, logged or written: the client's own
Authorization header is dropped, the key is added to the upstream request alone, and any answer that
echoes it is scrubbed before it is written.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit

import requests
import yaml

from pipecat_cloud_mock.errors import ConfigError, error_response
from pipecat_cloud_mock.pipeline.routing import RouteMatch, Router, raw_request_path
from pipecat_cloud_mock.secret import Secret
from pipecat_cloud_mock.spec.loader import Spec, load_spec
from pipecat_cloud_mock.spec.openapi import ResponseValidator, Violation
from pipecat_cloud_mock.state.files import read_document

RECORDING_FILE = "recorded.yaml"
# Hop-by-hop headers (RFC 9110 7.6.1) and those requests recomputes; never forwarded either way.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "trailers",  # wsgiref's spelling: it refuses either
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "content-encoding",
    "accept-encoding",
}


@dataclass(frozen=True)
class RecordConfig:
    target: str  # e.g. https://api.pipecat.daily.co/v1
    api_key: Secret = field(repr=False)
    out: Path
    host: str = "127.0.0.1"
    port: int = 4010
    timeout: float = 30.0  # seconds, to connect and between bytes of the answer

    def __post_init__(self) -> None:
        parts = urlsplit(self.target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"target {safe_url(self.target)!r} is not a URL. Valid values: http(s)://host[/base], "
                "e.g. https://api.pipecat.daily.co/v1."
            )
        if not self.api_key.reveal():
            raise ConfigError("record needs the real API's key: --api-key KEY, or the PIPECAT_API_KEY variable.")
        if self.out.exists() and not self.out.is_dir():
            raise ConfigError(f"--out {self.out} is a file. Valid values: a directory (created if missing).")
        if not self.timeout > 0:
            raise ConfigError(f"timeout {self.timeout} is not positive. Valid values: seconds above 0, e.g. 30.")


def safe_url(url: str) -> str:
    """`url` without user:password, query or fragment (places a credential could hide), for messages."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return urlunsplit((parts.scheme, (parts.hostname or "") + port, parts.path, "", ""))


@dataclass(frozen=True)
class Answer:
    """What the proxy sends back to its client."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Findings:
    violations: tuple[Violation, ...]  # the answer breaks the spec
    undocumented: tuple[Violation, ...]  # fields the spec does not declare
    absent: tuple[str, ...]  # documented fields the answer left out (allowed: the spec requires none)


class Recording:
    """The fixture document being written: sessions for 200s, stubs for other statuses, last answer wins."""

    def __init__(self, path: Path, target: str) -> None:
        self.path = path
        self.target = safe_url(target)
        self._lock = threading.Lock()
        self.sessions: dict[str, dict[str, Any]] = {}
        self.stubs: list[dict[str, Any]] = []
        if path.exists():  # continue an earlier recording instead of losing it
            try:
                loaded = read_document(path) or {}  # read as `serve --fixtures` will read it
                self.sessions = dict(loaded.get("sessions") or {})
                self.stubs = list(loaded.get("stubs") or [])
            except (AttributeError, TypeError, ValueError) as exc:
                reason = str(exc) if isinstance(exc, ValueError) else "not a mapping of sessions and stubs"
                raise ConfigError(
                    f"{path} exists but is not a recording this command can continue ({reason}). "
                    "Move it away or choose another --out."
                ) from None

    def add(self, agent: str, session_id: str, status: int, body: Any, why_stub: str | None = None) -> None:
        """A 200 goes under `sessions` unless `why_stub` says why it must be a stub (served exactly)."""
        with self._lock:
            self.stubs = [s for s in self.stubs if s.get("match") != {"agentName": agent, "sessionId": session_id}]
            by_id = self.sessions.setdefault(agent, {})
            by_id.pop(session_id, None)
            if status == 200 and why_stub is None:
                by_id[session_id] = body
            else:
                stub: dict[str, Any] = {"description": why_stub} if why_stub else {}
                stub["match"] = {"agentName": agent, "sessionId": session_id}
                stub["respond"] = {"status": status, "body": body}
                self.stubs.append(stub)
            if not by_id:
                del self.sessions[agent]
            self._write()

    def _write(self) -> None:
        document: dict[str, Any] = {}
        if self.sessions:
            document["sessions"] = self.sessions
        if self.stubs:
            document["stubs"] = self.stubs
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = (
            f"# Recorded by `pipecat-mock record` from {self.target} (last write {stamp}).\n"
            f"# Replay: pipecat-mock serve --fixtures {self.path.parent}\n"
            + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, self.path)  # a reader never sees half a file


def scrub(value: Any, secret: Secret) -> tuple[Any, bool]:
    """`value` with the secret replaced by *** in every string (keys included); True when it was there."""
    found = False

    def walk(node: Any) -> Any:
        nonlocal found
        if isinstance(node, str):
            cleaned = secret.redact(node)
            found = found or cleaned != node
            return cleaned
        if isinstance(node, Mapping):
            return {walk(k): walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(value), found


class Recorder:
    """Forward one request, check the answer, note it; no HTTP server here (see `wsgi_app`)."""

    def __init__(self, config: RecordConfig, spec: Spec | None = None, out: TextIO | None = None) -> None:
        self.config = config
        self.spec = spec or load_spec()
        self.router = Router(self.spec)
        self.validator = ResponseValidator(self.spec)
        self.strict = ResponseValidator(self.spec, strict=True)
        self.recording = Recording(config.out / RECORDING_FILE, config.target)
        self.http = requests.Session()
        self.http.trust_env = False  # no proxy or netrc from the environment: the key goes to the target only
        self.out = out or sys.stdout

    def say(self, line: str) -> None:
        print(self.config.api_key.redact(line), file=self.out, flush=True)

    def handle(self, method: str, raw_path: str, query: str, headers: Mapping[str, str], body: bytes) -> Answer:
        base = self.spec.base_path
        if base and not (raw_path == base or raw_path.startswith(base + "/")):
            return self._error(404, f"Only paths under {base} are forwarded to the target.")
        upstream = self.config.target.rstrip("/") + raw_path[len(base) :] + (f"?{query}" if query else "")
        forwarded = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP | {"authorization"}}
        forwarded["Authorization"] = f"Bearer {self.config.api_key.reveal()}"
        shown = f"{method} {raw_path}"
        try:
            reply = self.http.request(
                method,
                upstream,
                headers=forwarded,
                data=body or None,
                timeout=self.config.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            return self._proxy_error(shown, 504, f"The target did not answer within {self.config.timeout:g} s.")
        except requests.exceptions.SSLError as exc:
            return self._proxy_error(shown, 502, f"TLS with the target failed: {_reason(exc)}")
        except requests.RequestException as exc:
            return self._proxy_error(shown, 502, f"Cannot reach the target: {_reason(exc)}")

        content_type = reply.headers.get("Content-Type", "")
        answer = Answer(
            reply.status_code,
            reply.content,
            tuple((k, v) for k, v in reply.headers.items() if k.lower() not in _HOP_BY_HOP),
        )
        route = self.router.match(method, raw_path)
        if not isinstance(route, RouteMatch):
            self.say(f"{shown} -> {reply.status_code}  not in the spec: forwarded, not recorded")
            return answer
        findings = self.check(method, raw_path, reply.status_code, content_type, reply.content)
        self._report(shown, reply.status_code, findings)
        self._record(route, method, reply.status_code, content_type, reply.content, findings)
        return answer

    def check(self, method: str, path: str, status: int, content_type: str, body: bytes) -> Findings:
        violations = self.validator.violations(method, path, status, content_type, body)
        strict = [v for v in self.strict.violations(method, path, status, content_type, body) if v not in violations]
        undocumented = tuple(v for v in strict if "Additional properties" in v.message)
        absent = tuple(
            f"{v.where + '.' if v.where else ''}{m.group(1)}"
            for v in strict
            if (m := re.match(r"'([^']+)' is a required property", v.message))
        )
        return Findings(tuple(violations), undocumented, absent)

    def _report(self, shown: str, status: int, findings: Findings) -> None:
        count = len(findings.violations) + len(findings.undocumented)
        self.say(f"{shown} -> {status}  " + (f"{count} finding(s)" if count else "keeps the spec"))
        for v in findings.violations:
            self.say(f"  VIOLATION    {v}")
        for v in findings.undocumented:
            self.say(f"  UNDOCUMENTED {v}")
        if findings.absent:
            self.say(f"  absent (documented, not sent): {', '.join(findings.absent)}")

    def _record(
        self, route: RouteMatch, method: str, status: int, content_type: str, body: bytes, findings: Findings
    ) -> None:
        agent, session_id = route.path_params.get("agentName"), route.path_params.get("sessionId")
        if method != "GET" or agent is None or session_id is None:
            self.say("  not recorded: not a session read")
            return
        if findings.violations:  # a fixture must keep the spec, or `serve --fixtures` refuses the file
            self.say("  not recorded: the answer breaks the spec (see above), so a fixture cannot hold it")
            return
        if status not in route.operation.answerable_statuses:
            self.say(f"  not recorded: {status} is not a status the spec documents, so a fixture cannot hold it")
            return
        try:
            value = json.loads(body) if "json" in content_type.lower() else None
        except ValueError:
            value = None
        if value is None:
            self.say("  not recorded: the body is not JSON")
            return
        value, had_key = scrub(value, self.config.api_key)
        if had_key:
            self.say("  the answer contained the API key: written as *** instead")
        # Fixture sessions hold documented fields only, and the mock fills in any left out; a 200 that
        # has undocumented fields or lacks documented ones becomes a stub, whose body is served exactly.
        odd = [f"undocumented: {v}" for v in findings.undocumented]
        odd += [f"absent: {', '.join(findings.absent)}"] if findings.absent else []
        why = f"recorded {status} kept exactly as a stub ({'; '.join(odd)})" if status == 200 and odd else None
        self.recording.add(agent, session_id, status, value, why)
        self.say(f"  recorded in {self.recording.path}")

    def _error(self, status: int, message: str) -> Answer:
        body = json.dumps(error_response(status, message)).encode()
        return Answer(status, body, (("Content-Type", "application/json"),))

    def _proxy_error(self, shown: str, status: int, message: str) -> Answer:
        self.say(f"{shown} -> {status}  proxy error, nothing recorded: {message}")
        return self._error(status, f"{message} (pipecat-mock record, target {safe_url(self.config.target)})")


def _reason(exc: BaseException) -> str:
    """The innermost cause, on one line: 'Connection refused' rather than a chain of wrappers."""
    while exc.__context__ is not None and exc.__context__ is not exc:
        exc = exc.__context__
    return re.sub(r"\s+", " ", f"{type(exc).__name__}: {exc}")[:300]


StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def wsgi_app(recorder: Recorder) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The recorder as a plain WSGI application (no framework needed for one catch-all route)."""
    from http import HTTPStatus

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = raw_request_path(environ)
        headers = {
            key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        answer = recorder.handle(environ["REQUEST_METHOD"], path, environ.get("QUERY_STRING", ""), headers, body)
        try:
            phrase = HTTPStatus(answer.status).phrase
        except ValueError:
            phrase = "Unknown"
        start_response(f"{answer.status} {phrase}", [*answer.headers, ("Content-Length", str(len(answer.body)))])
        return [answer.body]

    return app


def serve_recorder(recorder: Recorder) -> None:
    """Serve until SIGINT/SIGTERM on a threaded stdlib WSGI server; print the URL first."""
    import signal
    import socketserver
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    class _Server(socketserver.ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class _QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # the recorder prints its own lines
            pass

    config = recorder.config
    server = make_server(config.host, config.port, wsgi_app(recorder), _Server, _QuietHandler)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    host = f"[{config.host}]" if ":" in config.host else config.host
    recorder.say(
        f"pipecat-mock record listening on http://{host}:{server.server_port}  "
        f"(forwarding to {safe_url(config.target)}, writing {recorder.recording.path})"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
