"""The run's settings: what the options and their environment variables ask for, checked once."""

from __future__ import annotations

import os
import secrets
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from pipecat_cloud_mock.config import Option
from pipecat_cloud_mock.contract.options import (
    CLI_MARK,
    DEFAULT_MAX_REQUESTS,
    DEFAULT_RATE,
    DEFAULT_REPEAT,
    OPTIONS,
)
from pipecat_cloud_mock.secret import Secret
from pipecat_cloud_mock.state.coverage import parse_percent


@dataclass(frozen=True)
class RunSettings:
    target: str = ""  # "": the mock in-process
    api_key: Secret | None = None
    agent: str | None = None
    session_id: str | None = None
    strict: bool = False
    max_requests: int | None = None  # None: unlimited (our own mock)
    rate: float | None = None
    seed: int = 0  # of the generated requests (Hypothesis' seed); printed, replayed with --contract-seed
    repeat: int = DEFAULT_REPEAT  # answers asked for per repeated request (1: no repetition)
    min_coverage: float | None = None  # percent of documented statuses the target must return
    report: str | None = None  # the JSON report's path; the Markdown summary goes beside it

    @property
    def live_url(self) -> bool:
        return self.target not in ("", "mock") and not self.target.startswith("wsgi:")

    def describe(self) -> str:
        where = {"": "pipecat-mock in-process (Flask test client)", "mock": "pipecat-mock serve (spawned)"}.get(
            self.target, self.target
        )
        limits = f"; at most {self.max_requests} requests at {self.rate:g}/s" if self.live_url else ""
        if self.target in ("", "mock"):
            key = "; the kit's own API key"
        else:
            key = "; API key given" if self.api_key else "; no API key (tests that need one are skipped)"
        return f"contract target: {where}{key}{'; strict' if self.strict else ''}{limits}"

    @property
    def over_http(self) -> bool:
        """Each request costs a round trip: Hypothesis does not shrink (each step would be one more request)."""
        return self.live_url or self.target == "mock"

    @property
    def replay(self) -> str:
        return f"--contract-seed {self.seed}"

    def replay_test(self, name: str) -> str:
        """How to replay one test's requests; `pipecat-mock contract` takes pytest's -k after `--`."""
        select = f"-k {shlex.quote(name)}"
        if os.environ.get(CLI_MARK) == "1":
            return f"pipecat-mock contract {self.replay} -- {select}  (with the same target options)"
        return f"{self.replay} {select}"


def settings_from(config: pytest.Config) -> RunSettings:
    """The run's settings from flags and environment variables; a bad value is a UsageError saying what is valid."""
    values = {o.field: _value(config, o) for o in OPTIONS}
    target = values["contract_target"] or ""
    agent, session_id = values["contract_agent"], values["contract_session_id"]
    if (agent is None) != (session_id is None):
        raise pytest.UsageError(
            "--contract-agent and --contract-session-id go together (PIPECAT_CONTRACT_AGENT, "
            "PIPECAT_CONTRACT_SESSION_ID): name the agent and the id of one session you know exists."
        )
    strict_raw = (values["contract_strict"] or "0").lower()
    if strict_raw not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
        raise pytest.UsageError(
            f"PIPECAT_CONTRACT_STRICT={strict_raw!r} is not valid. Valid values: 1, 0, true, false."
        )
    live = target not in ("", "mock") and not target.startswith("wsgi:")
    if live and not target.startswith(("http://", "https://")):
        raise pytest.UsageError(
            f"--contract-target {target!r} is not valid. Valid values: an http(s) base URL with its prefix "
            "(https://api.pipecat.daily.co/v1), 'mock', or 'wsgi:module:app'."
        )
    key = values["contract_api_key"]
    return RunSettings(
        target=target,
        api_key=Secret(key) if key else None,
        agent=agent,
        session_id=session_id,
        strict=strict_raw in ("1", "true", "yes", "on"),
        max_requests=_number(values["contract_max_requests"], "--contract-max-requests", int, DEFAULT_MAX_REQUESTS)
        if live or values["contract_max_requests"]
        else None,
        rate=_number(values["contract_rate"], "--contract-rate", float, DEFAULT_RATE) if live else None,
        seed=_seed(values["contract_seed"], config.getoption("hypothesis_seed", None)),
        repeat=_repeat(values["contract_repeat"]),
        min_coverage=_percent(values["contract_min_coverage"]),
        report=values["contract_report"],
    )


def _repeat(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_REPEAT
    if not raw.isdigit() or int(raw) < 1:
        raise pytest.UsageError(
            f"--contract-repeat {raw!r} is not valid. Valid values: a whole number, 1 or more (1: no repetition)."
        )
    return int(raw)


def _percent(raw: str | None) -> float | None:
    try:
        return None if raw is None else parse_percent(raw)
    except ValueError as exc:
        raise pytest.UsageError(f"--contract-min-coverage {exc}") from None


def _seed(given: str | None, hypothesis_seed: object) -> int:
    raw = given if given is not None else hypothesis_seed
    if raw is None:
        return secrets.randbelow(2**32)
    try:
        seed = int(str(raw))
    except ValueError:
        seed = -1
    if seed < 0:
        flag = "--contract-seed" if given is not None else "--hypothesis-seed"
        raise pytest.UsageError(f"{flag} {raw!r} is not valid. Valid values: a whole number, 0 or more.")
    return seed


def _number(raw: str | None, flag: str, kind: Callable[[str], Any], default: Any) -> Any:
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value <= 0:
        raise pytest.UsageError(f"{flag} {raw!r} is not valid. Valid values: a number above 0.")
    return value


def _value(config: pytest.Config, option: Option) -> str | None:
    given = config.getoption(option.field)
    if given is not None:
        return str(given) if not option.switch else "1"
    raw = os.environ.get(option.env, "").strip()
    return raw or None
