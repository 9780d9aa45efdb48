"""One frozen Config, and the table of options that builds it from flags and PIPECAT_MOCK_* variables."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ._secret import Secret
from .errors import ConfigError, suggest

MODES = ("dynamic", "example")


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
    # Measured in bench/ against sync (1): same CPU per request, up to 4x the requests/s under wrk (README).
    threads: int = 8

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


@dataclass(frozen=True)
class Option:
    flag: str
    field: str
    parse: Callable[[str], Any]
    help: str
    metavar: str | None = None
    repeatable: bool = False  # the variable takes a comma-separated list
    switch: bool = False  # a flag without a value; its variable takes 1/0, true/false

    @property
    def env(self) -> str:
        return "PIPECAT_MOCK_" + self.flag.lstrip("-").upper().replace("-", "_") + ("S" if self.repeatable else "")

    def convert(self, raw: str, source: str) -> Any:
        try:
            if self.switch:
                return _parse_bool(raw)
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


# Environment variable names derive from the flag (PIPECAT_MOCK_<FLAG>, plural for repeatable ones).
OPTIONS: tuple[Option, ...] = (
    Option("--host", "host", str, "Interface to listen on.", "HOST"),
    Option("--port", "port", _parse_int, "Port to listen on; 0 picks a free port and prints it.", "PORT"),
    Option("--workers", "workers", _parse_int, "Worker processes (default: CPU count, at most 4).", "N"),
    Option("--threads", "threads", _parse_int, "Threads per worker (default 8); 1 runs gunicorn's sync worker.", "N"),
    Option("--seed", "seed", _parse_int, "Seed of the generated data set; same seed, same bodies.", "N"),
    Option("--mode", "mode", _parse_mode, "dynamic: generated bodies; example: the spec's own examples.", "MODE"),
    Option("--api-key", "api_keys", Secret, "Accept only this bearer token (repeatable); default: any.", "KEY", True),
    Option("--spec", "spec", Path, "OpenAPI document to serve (default: the bundled Pipecat Cloud spec).", "FILE"),
)
