"""Faults and latency as plain data: parse the user's values, decide one request's FaultPlan from the seed.

The pipeline decides (here, without HTTP); the HTTP shell applies (`_fault_shell`). Every random choice comes
from a generator derived from (seed, aspect, request sequence number), never from shared state, so the same
seed and the same request sequence give the same faults and delays in any process.

Latency syntax (flags, environment, `Prefer: delay=`), all in milliseconds:
  250 | 250ms | fixed:250       always 250 ms
  uniform:100-300               evenly between 100 and 300 ms
  lognormal:120-900             long-tailed: median 120 ms, 99th percentile 900 ms
In YAML/JSON (stubs): 250, "250ms", {fixed: 250}, {uniform: [100, 300]}, {lognormal: {median: 120, p99: 900}}.
"""

from __future__ import annotations

import math
import multiprocessing
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from pipecat_cloud_mock.errors import ConfigError, suggest
from pipecat_cloud_mock.locks import ProcessLock
from pipecat_cloud_mock.seed import rng_for

FaultKind = Literal["reset", "empty", "truncate", "slow"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
MAX_DELAY_MS = 60_000.0  # one minute; the server's worker timeout is set above it
_Z99 = 2.3263478740408408  # the standard normal's 99th percentile
LATENCY_SYNTAX = (
    "Valid values: milliseconds such as 250 or 250ms (fixed), uniform:MIN-MAX (e.g. uniform:100-300), "
    "lognormal:MEDIAN-P99 (e.g. lognormal:120-900); in YAML also {fixed: 250}, {uniform: [100, 300]}, "
    "{lognormal: {median: 120, p99: 900}}."
)
_NUMBER = r"\s*(\d+(?:\.\d+)?)\s*(?:ms)?\s*"


@dataclass(frozen=True)
class FixedLatency:
    ms: float

    def sample(self, rng: random.Random) -> float:
        return self.ms

    def to_plain(self) -> Any:
        return {"fixed": self.ms}

    def __str__(self) -> str:
        return f"{self.ms:g}ms"


@dataclass(frozen=True)
class UniformLatency:
    low_ms: float
    high_ms: float

    def sample(self, rng: random.Random) -> float:
        return rng.uniform(self.low_ms, self.high_ms)

    def to_plain(self) -> Any:
        return {"uniform": [self.low_ms, self.high_ms]}

    def __str__(self) -> str:
        return f"uniform:{self.low_ms:g}-{self.high_ms:g}"


@dataclass(frozen=True)
class LognormalLatency:
    median_ms: float
    p99_ms: float

    def sample(self, rng: random.Random) -> float:
        if self.median_ms == 0:
            return 0.0
        sigma = math.log(self.p99_ms / self.median_ms) / _Z99
        return min(MAX_DELAY_MS, rng.lognormvariate(math.log(self.median_ms), sigma))

    def to_plain(self) -> Any:
        return {"lognormal": {"median": self.median_ms, "p99": self.p99_ms}}

    def __str__(self) -> str:
        return f"lognormal:{self.median_ms:g}-{self.p99_ms:g}"


Latency = FixedLatency | UniformLatency | LognormalLatency


@dataclass(frozen=True)
class Fault:
    kind: FaultKind

    def __str__(self) -> str:
        return self.kind


def parse_latency(value: Any) -> Latency:
    """A latency from a flag/header string, a number, a mapping (YAML), or an object with `to_plain()`."""
    if isinstance(value, FixedLatency | UniformLatency | LognormalLatency):
        return value
    if hasattr(value, "to_plain"):  # another module's latency object in the same plain format
        return parse_latency(value.to_plain())
    if isinstance(value, bool):
        raise ConfigError(f"latency {value!r} is not a latency. {LATENCY_SYNTAX}")
    if isinstance(value, int | float):
        return FixedLatency(_ms(value, "latency"))
    if isinstance(value, str):
        return _parse_latency_text(value)
    if isinstance(value, Mapping) and len(value) == 1:
        ((kind, arg),) = value.items()
        if kind == "fixed":
            return FixedLatency(_ms(arg, "fixed"))
        if kind == "uniform" and isinstance(arg, Sequence) and not isinstance(arg, str) and len(arg) == 2:
            return _uniform(_ms(arg[0], "uniform[0]"), _ms(arg[1], "uniform[1]"))
        if kind == "lognormal" and isinstance(arg, Mapping) and set(arg) == {"median", "p99"}:
            return _lognormal(_ms(arg["median"], "lognormal.median"), _ms(arg["p99"], "lognormal.p99"))
    shown = repr(value)[:80]
    raise ConfigError(f"latency {shown} is not a latency. {LATENCY_SYNTAX}")


def _parse_latency_text(text: str) -> Latency:
    raw = text.strip().lower()
    kind, sep, rest = raw.partition(":")
    if not sep:
        kind, rest = "fixed", raw
    if kind == "fixed" and (m := re.fullmatch(_NUMBER, rest)):
        return FixedLatency(_ms(float(m.group(1)), "latency"))
    pair = re.fullmatch(_NUMBER + "-" + _NUMBER, rest)
    if kind == "uniform" and pair:
        return _uniform(_ms(float(pair.group(1)), "uniform"), _ms(float(pair.group(2)), "uniform"))
    if kind == "lognormal" and pair:
        return _lognormal(_ms(float(pair.group(1)), "lognormal"), _ms(float(pair.group(2)), "lognormal"))
    raise ConfigError(f"latency {text[:80]!r} is not a latency. {LATENCY_SYNTAX}")


def _ms(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{where} {value!r} is not a number of milliseconds. {LATENCY_SYNTAX}")
    if isinstance(value, str):
        match = re.fullmatch(_NUMBER, value)
        if not match:
            raise ConfigError(f"{where} {value[:40]!r} is not a number of milliseconds. {LATENCY_SYNTAX}")
        value = float(match.group(1))
    if not 0 <= value <= MAX_DELAY_MS or math.isnan(value):
        raise ConfigError(f"{where} {value:g} ms is out of range. Valid values: 0 to {MAX_DELAY_MS:g} milliseconds.")
    return float(value)


def _uniform(low: float, high: float) -> UniformLatency:
    if low > high:
        raise ConfigError(f"uniform:{low:g}-{high:g} has its minimum above its maximum. Valid values: MIN <= MAX.")
    return UniformLatency(low, high)


def _lognormal(median: float, p99: float) -> LognormalLatency:
    if median <= 0 or p99 < median:
        raise ConfigError(
            f"lognormal median {median:g} / p99 {p99:g} is not a distribution. Valid values: 0 < MEDIAN <= P99."
        )
    return LognormalLatency(median, p99)


def parse_fault(value: Any) -> Fault:
    if isinstance(value, Fault):
        return value
    if isinstance(value, str) and value.strip().lower() in FAULT_KINDS:
        return Fault(value.strip().lower())  # type: ignore[arg-type]
    shown = value if isinstance(value, str) else repr(value)
    raise ConfigError(
        f"fault {shown!r} is not a fault. {suggest(str(value), FAULT_KINDS)} "
        "(reset: connection reset; empty: closed without an answer; truncate: body cut short; "
        "slow: body sent slowly in chunks)"
    )


def parse_rate(value: Any, what: str = "rate") -> float:
    """A share of requests, 0 to 1 (also accepted: a percentage such as 5%)."""
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, str) and value.strip().endswith("%"):
            rate = float(value.strip()[:-1]) / 100
        else:
            rate = float(value)
    except (TypeError, ValueError):
        rate = math.nan
    if not 0 <= rate <= 1:  # NaN fails too
        raise ConfigError(f"{what} {value!r} is not a share of requests. Valid values: 0 to 1 (e.g. 0.05), or 5%.")
    return rate


@dataclass(frozen=True)
class FaultSettings:
    """What one level (a request's Prefer header, a stub, the server's flags) asks for; None: not set here."""

    latency: Latency | None = None
    error_rate: float | None = None
    fault: Fault | None = None
    fault_rate: float | None = None  # with `fault`: the share of requests it hits (default: all)

    @property
    def is_empty(self) -> bool:
        return self.latency is None and self.error_rate is None and self.fault is None


NOT_SET = FaultSettings()


def stub_settings(latency: Any = None, fault: Any = None, error_rate: Any = None) -> FaultSettings:
    """A stub's faults from the fixture model's values (objects or plain YAML values); None: not set.

    A stub's fault hits every request that stub answers (use a `sequence` for some-then-others).
    """
    return FaultSettings(
        latency=None if latency is None else parse_latency(latency),
        error_rate=None if error_rate is None else parse_rate(error_rate, "errorRate"),
        fault=None if fault is None else parse_fault(fault),
    )


@dataclass(frozen=True)
class FaultPlan:
    """What the HTTP shell does to one answer. The default plan changes nothing."""

    sequence: int = -1  # the request's number since the server started (-1: not counted, e.g. admin)
    delay_ms: float = 0.0  # before anything is sent
    error: bool = False  # the pipeline answered 500 in place of the real answer
    fault: FaultKind | None = None

    @property
    def is_noop(self) -> bool:
        return self.delay_ms == 0 and not self.error and self.fault is None

    def describe(self) -> str:
        parts = [f"seq={self.sequence}"]
        if self.delay_ms:
            parts.append(f"delay={self.delay_ms:.0f}ms")
        if self.error:
            parts.append("error=500")
        if self.fault:
            parts.append(f"fault={self.fault}")
        return " ".join(parts)


NO_FAULTS = FaultPlan()


def decide(seed: int, sequence: int, layers: Sequence[FaultSettings]) -> FaultPlan:
    """The plan for request number `sequence`; for each setting the first layer that sets it wins.

    Each aspect draws from its own generator, so adding a latency never changes which requests fail.
    """
    if all(layer.is_empty for layer in layers):  # the usual request: nothing set, so nothing to draw
        return FaultPlan(sequence)

    def first(name: str) -> Any:
        return next((getattr(layer, name) for layer in layers if getattr(layer, name) is not None), None)

    latency: Latency | None = first("latency")
    error_rate: float = first("error_rate") or 0.0
    fault: Fault | None = first("fault")
    fault_layer = next((layer for layer in layers if layer.fault is not None), None)
    fault_rate = 1.0 if fault_layer is None or fault_layer.fault_rate is None else fault_layer.fault_rate

    delay = latency.sample(rng_for(seed, "faults", "delay", sequence)) if latency else 0.0
    error = error_rate > 0 and rng_for(seed, "faults", "error", sequence).random() < error_rate
    hit = fault is not None and rng_for(seed, "faults", "fault", sequence).random() < fault_rate
    return FaultPlan(sequence, round(delay, 3), error, fault.kind if hit and fault else None)


class RequestCounter:
    """Numbers API requests 0, 1, 2... in arrival order, across forked worker processes.

    The counter lives in shared memory created before gunicorn forks, so with several workers the numbers
    still follow the order in which requests reached the mock; a client that sends one request at a time
    gets the same numbers, and so the same faults, whatever the worker count.
    """

    def __init__(self) -> None:
        # A lock the kernel gives back when its holder dies, and the raw value used under it.
        self._lock = ProcessLock()
        self._value = multiprocessing.RawValue("q", 0)

    def next(self) -> int:
        with self._lock:
            number = int(self._value.value)
            self._value.value = number + 1
        return number

    def reset(self) -> None:
        with self._lock:
            self._value.value = 0
