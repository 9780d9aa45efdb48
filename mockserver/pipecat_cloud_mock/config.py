"""One frozen Config, and the table of options that builds it from flags and PIPECAT_MOCK_* variables."""

from __future__ import annotations

import ipaddress
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from pipecat_cloud_mock.errors import ConfigError, suggest
from pipecat_cloud_mock.faults import Fault, Latency, parse_fault, parse_latency, parse_rate
from pipecat_cloud_mock.secret import Secret

MODES = ("dynamic", "example")
MAX_JOURNAL_SIZE = 1_000_000  # the journal's ring lives in shared memory: ~24 bytes of index per entry, plus its text
MAX_CLIENT_TIMEOUT = 3600.0


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class Config:
    """Everything that shapes the mock's answers and its server. Build it directly or with `Config.from_env()`."""

    spec: Path | None = None  # None: the bundled spec
    host: str = "127.0.0.1"
    port: int = 4010
    workers: int = field(default_factory=_default_workers)
    seed: int = 0
    mode: str = "dynamic"
    api_keys: tuple[Secret, ...] = ()
    access_log: bool = True
    # gthread with 8 threads per worker: keep-alive, and a delayed answer does not block the worker.
    # Measured in bench/ against sync (1): same CPU per request, up to 4x the requests/s under wrk (bench/README.md).
    threads: int = 8
    latency: Latency | None = None  # added to every API answer (faults never touch /__admin/)
    error_rate: float = 0.0  # share of API requests answered 500
    fault: Fault | None = None  # connection fault injected into a share (fault_rate) of API requests
    fault_rate: float | None = None  # None with a fault: every request
    fixtures: Path | None = None  # a directory of fixture files, loaded at start-up
    only_fixtures: bool = False  # sessions no fixture defines answer 404
    admin: bool = True  # the /__admin/ API
    admin_token: Secret | None = None
    journal_size: int = 1000
    state_db: Path | None = None  # None: a temporary file, removed at exit
    redact_headers: tuple[str, ...] = ()  # more header names the journal masks (beyond the rule in _redact)
    client_timeout: float = 10.0  # seconds a client has for a request's head, and again for its body

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"mode {self.mode!r} is not a mode. {suggest(self.mode, MODES)}")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port {self.port} is out of range. Valid values: 0 (any free port) to 65535.")
        if self.workers < 1:
            raise ConfigError(f"workers {self.workers} is too small. Valid values: 1 or more.")
        if self.threads < 1:
            raise ConfigError(f"threads {self.threads} is too small. Valid values: 1 or more.")
        if any(not isinstance(k, Secret) for k in self.api_keys):
            object.__setattr__(
                self, "api_keys", tuple(k if isinstance(k, Secret) else Secret(k) for k in self.api_keys)
            )
        if any(not k.reveal() for k in self.api_keys):
            raise ConfigError("an API key is empty. Valid values: a non-empty token, as sent after 'Bearer '.")
        if self.latency is not None:
            object.__setattr__(self, "latency", parse_latency(self.latency))
        if self.fault is not None:
            object.__setattr__(self, "fault", parse_fault(self.fault))
        object.__setattr__(self, "error_rate", parse_rate(self.error_rate, "error rate"))
        if self.fault_rate is not None:
            if self.fault is None:
                raise ConfigError("a fault rate needs a fault. Add --fault KIND (reset, empty, truncate or slow).")
            object.__setattr__(self, "fault_rate", parse_rate(self.fault_rate, "fault rate"))

        token: object = self.admin_token
        if isinstance(token, str):
            object.__setattr__(self, "admin_token", Secret(token))
        if self.admin_token is not None and not self.admin_token.reveal():
            raise ConfigError("the admin token is empty. Valid values: a non-empty token, as sent after 'Bearer '.")
        if self.admin and self.admin_token is None and not is_loopback(self.host):
            raise ConfigError(
                f"--host {self.host} opens the admin API to the network, and it has no token. "
                "Add --admin-token TOKEN (clients then send 'Authorization: Bearer TOKEN' to /__admin/), "
                "or --no-admin, or listen on 127.0.0.1 (see docs/security.md)."
            )
        if not 0 < self.client_timeout <= MAX_CLIENT_TIMEOUT:
            raise ConfigError(
                f"client timeout {self.client_timeout:g} is out of range. "
                f"Valid values: more than 0, up to {MAX_CLIENT_TIMEOUT:g} (seconds)."
            )
        if not 1 <= self.journal_size <= MAX_JOURNAL_SIZE:
            size = "small" if self.journal_size < 1 else "large"
            raise ConfigError(
                f"journal size {self.journal_size} is too {size}. Valid values: 1 to {MAX_JOURNAL_SIZE:,} (requests)."
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Defaults, then PIPECAT_MOCK_* variables, then `overrides` (the parsed flags)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for option in OPTIONS:
            raw = environ.get(option.env)
            if raw is not None and raw != "":
                values[option.field] = option.convert(raw, source=f"{option.env}={raw!r}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ConfigError(f"unknown config field(s) {sorted(unknown)}. {suggest(sorted(unknown)[0], known)}")
        return cls(**values)

    def with_changes(self, **changes: Any) -> Config:
        return replace(self, **changes)


_NO_ADMIN_DEPRECATED = "Config.no_admin is deprecated and will be removed in the next release; use Config.admin"


_dataclass_init = Config.__init__


def _init_accepting_no_admin(self: Config, *args: Any, no_admin: bool | None = None, **kwargs: Any) -> None:
    if no_admin is not None:
        warnings.warn(_NO_ADMIN_DEPRECATED, DeprecationWarning, stacklevel=2)
        kwargs.setdefault("admin", not no_admin)
    _dataclass_init(self, *args, **kwargs)


def _no_admin(config: Config) -> bool:
    warnings.warn(_NO_ADMIN_DEPRECATED, DeprecationWarning, stacklevel=2)
    return not config.admin


# The old double negative, Config(no_admin=True) and config.no_admin, still works for one release.
Config.__init__ = _init_accepting_no_admin  # type: ignore[method-assign]
Config.no_admin = property(_no_admin)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Option:
    """One command-line option: its flag, its environment variable, and how its text becomes a value.

    The one option type of every table: `serve` (OPTIONS, below), `record`, and the contract kit.
    """

    flag: str
    field: str  # the argparse dest, and for serve the Config field it sets
    parse: Callable[[str], Any]
    help: str
    metavar: str | None = None  # None: the field's last word (CONTRACT_TARGET -> TARGET)
    repeatable: bool = False  # the variable takes a comma-separated list
    switch: bool = False  # a flag without a value; its variable takes 1/0, true/false
    negate: bool = False  # a switch that sets its field to False (--quiet turns access_log off)
    variable: str | None = None  # its environment variable; None: PIPECAT_MOCK_<FLAG>; "": none
    secret: bool = False  # a credential: never echoed; `pipecat-mock contract` moves it out of argv

    @property
    def env(self) -> str:
        if self.variable is not None:
            return self.variable
        return "PIPECAT_MOCK_" + self.flag.lstrip("-").upper().replace("-", "_") + ("S" if self.repeatable else "")

    def argument(self, help_text: str | None = None) -> dict[str, Any]:
        """Keyword arguments for argparse's add_argument (and pytest's addoption, which takes the same). The
        default is None, so that a variable can fill in what no flag gave."""
        text = self.help if help_text is None else help_text
        kwargs: dict[str, Any] = {"dest": self.field, "default": None, "help": text + self._env_hint()}
        if self.switch:
            return {**kwargs, "action": "store_const", "const": not self.negate}
        metavar = self.metavar or self.field.rsplit("_", 1)[-1].upper()
        return {**kwargs, "action": "append" if self.repeatable else "store", "metavar": metavar}

    def _env_hint(self) -> str:
        return f" [env: {self.env}]" if self.env else ""

    def convert(self, raw: str, source: str) -> Any:
        try:
            if self.switch:
                return _parse_bool(raw) != self.negate
            if self.repeatable:
                return tuple(self.parse(part.strip()) for part in raw.split(",") if part.strip())
            return self.parse(raw)
        except (ValueError, ConfigError) as exc:
            raise ConfigError(f"{source}: {exc}") from None


def _parse_int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a whole number") from None


def _parse_seconds(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number of seconds, e.g. 10 or 2.5") from None


def _parse_mode(raw: str) -> str:
    if raw not in MODES:
        raise ValueError(f"{raw!r} is not a mode. {suggest(raw, MODES)}")
    return raw


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{raw!r} is not a boolean. Valid values: 1, 0, true, false, yes, no, on, off.")


def _parse_error_rate(raw: str) -> float:
    return parse_rate(raw, "error rate")


def _parse_fault_rate(raw: str) -> float:
    return parse_rate(raw, "fault rate")


# Environment variable names derive from the flag (PIPECAT_MOCK_<FLAG>, plural for repeatable ones).
OPTIONS: tuple[Option, ...] = (
    Option("--host", "host", str, "Interface to listen on.", "HOST"),
    Option("--port", "port", _parse_int, "Port to listen on; 0 picks a free port and prints it.", "PORT"),
    Option("--workers", "workers", _parse_int, "Worker processes (default: CPU count, at most 4).", "N"),
    Option("--threads", "threads", _parse_int, "Threads per worker (default 8); 1 runs gunicorn's sync worker.", "N"),
    Option("--seed", "seed", _parse_int, "Seed of the generated data set; same seed, same bodies.", "N"),
    Option("--mode", "mode", _parse_mode, "dynamic: generated bodies; example: the spec's own examples.", "MODE"),
    Option("--api-key", "api_keys", Secret, "Accept only this bearer token (repeatable); default: any.", "KEY", True),
    Option("--latency", "latency", parse_latency, "API delay (ms): 250, uniform:100-300, lognormal:120-900.", "MS"),
    Option("--error-rate", "error_rate", _parse_error_rate, "Share of API requests answered 500 (0 to 1).", "R"),
    Option("--fault", "fault", parse_fault, "Connection fault: reset, empty, truncate or slow.", "KIND"),
    Option("--fault-rate", "fault_rate", _parse_fault_rate, "Share of API requests that get --fault (default 1).", "R"),
    Option("--spec", "spec", Path, "OpenAPI document to serve (default: the bundled Pipecat Cloud spec).", "FILE"),
    Option("--fixtures", "fixtures", Path, "Directory of fixture files (YAML/JSON) to load at start-up.", "DIR"),
    Option("--only-fixtures", "only_fixtures", bool, "Sessions no fixture defines answer 404.", switch=True),
    Option("--no-admin", "admin", bool, "Turn the /__admin/ API off.", switch=True, negate=True),
    Option("--admin-token", "admin_token", Secret, "Require 'Authorization: Bearer TOKEN' on /__admin/.", "TOKEN"),
    Option(
        "--journal-size",
        "journal_size",
        _parse_int,
        "Requests the journal keeps (default 1000, at most 1,000,000).",
        "N",
    ),
    Option("--state-db", "state_db", Path, "SQLite file for shared admin state (default: a temp file).", "FILE"),
    Option("--redact-header", "redact_headers", str.strip, "Mask this header in the journal.", "NAME", True),
    Option(
        "--client-timeout",
        "client_timeout",
        _parse_seconds,
        "Seconds a client has to send a request's head, and then its body; later: 408 (default 10).",
        "S",
    ),
    Option("--quiet", "access_log", _parse_bool, "No access-log line per request.", switch=True, negate=True),
)
