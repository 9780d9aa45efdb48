"""Who may drive the admin API: the developer who started the mock, not a web page they happen to open.

A page on any site can send a "simple" cross-site request (a POST with a text/plain body, no preflight) and,
through DNS rebinding, even reach 127.0.0.1 under its own host name. So, before any admin route runs:
- a write with a body must say `Content-Type: application/json` (a browser cannot send that cross-site
  without a CORS preflight, which the mock never grants);
- an `Origin`, when sent, must be the mock's own origin (the Host the request was sent to);
- without an admin token, the `Host` must name the address the mock listens on (a loopback name, or the
  --host given), so a rebound host name is refused. With a token, the token is what guards the API.
`check` is plain: the shell passes the method and headers and answers the refusal it returns.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


@dataclass(frozen=True)
class AdminGuard:
    listen_host: str  # --host
    has_token: bool

    def host_allowed(self, host: str) -> bool:
        name = _host_name(host)
        if name in LOOPBACK_NAMES or name.endswith(".localhost") or name == self.listen_host.lower():
            return True
        if self.listen_host in WILDCARDS:  # every interface: any address of this machine, by number or name
            return _is_ip(name) or name in {socket.gethostname().lower(), socket.getfqdn().lower()}
        return False

    def check(self, method: str, headers: Mapping[str, str], has_body: bool) -> Refusal | None:
        """`headers` with lower-case names. None: the request may go on to the token check and the routes."""
        host = headers.get("host", "")
        if not self.has_token and not self.host_allowed(host):
            return Refusal(
                403,
                f"The admin API does not answer for host {host[:100]!r}: it answers for the address it listens on "
                f"(127.0.0.1, localhost{', ' + self.listen_host if self.listen_host not in LOOPBACK_NAMES else ''}). "
                "Use that address, or start the mock with --admin-token.",
            )
        origin = headers.get("origin")
        if origin is not None and not _same_origin(origin, host):
            return Refusal(
                403,
                f"The admin API refuses cross-site requests (Origin {origin[:100]!r} is not this mock's own). "
                "Call it from your tests or tools, not from a web page.",
            )
        if method in WRITES and has_body and not _is_json(headers.get("content-type", "")):
            given = headers.get("content-type") or "none"
            return Refusal(
                415,
                f"An admin write needs 'Content-Type: application/json' (got {given[:100]!r}); the body is JSON.",
            )
        return None


def _host_name(host: str) -> str:
    """The name part of a Host header: 'localhost:4010' -> 'localhost', '[::1]:4010' -> '::1'."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        return host.partition(":")[0]
    return host


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _same_origin(origin: str, host: str) -> bool:
    try:
        parts = urlsplit(origin.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and parts.netloc.lower() == host.strip().lower()


def _is_json(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))
