"""The realism layer for SessionResponse: values that look like one real Pipecat Cloud session.

Only what is Pipecat's own lives here: how sessions end (completion statuses, the bot that never started),
cold and warm starts, the resource metrics drawn from one real-looking time series, and the lifecycle
(endState, events). The times follow the general time-order rule (`object_rules.TimeOrder`); the schema
walker fills any other field the spec declares and drops what the spec does not (the spec stays the
source of truth). A generated session and one fitted to given times are built by the same function (`_session`).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import struct
from bisect import bisect
from collections.abc import Mapping
from functools import lru_cache
from statistics import NormalDist
from typing import Any

from pipecat_cloud_mock.mocker.object_rules import TimeOrder
from pipecat_cloud_mock.mocker.object_rules import parse_iso_ms as parse_iso_ms  # the lifecycle reads times too
from pipecat_cloud_mock.mocker.walker import ANCHOR_SECONDS, iso_ms, uuid4_from, uuid4_from_bytes
from pipecat_cloud_mock.seed import rng_for

# completionStatus vocabulary from the spec's description, weighted like a healthy production agent.
_COMPLETIONS = ("HTTP_COMPLETED", "WS_CONNECTION_CLOSED", "HTTP_ERROR", "200", "500", "504")
_COMPLETION_WEIGHTS = (62, 22, 7, 5, 3, 1)
_COMPLETION_CUMULATIVE = tuple(itertools.accumulate(_COMPLETION_WEIGHTS))  # a weighted draw is one bisect
_COMPLETION_TOTAL = _COMPLETION_CUMULATIVE[-1]
ACTIVE_SHARE = 0.15
COLD_START_SHARE = 0.25
WARM_START_MAX_SECONDS = 2
COLD_START_SECONDS = (6, 25)
_MIB = 1024 * 1024
_MIN_MEMORY = 64 * _MIB
_MEMORY_SIGMA = 3 * _MIB
SPEAKING_SHARE = 0.45
_SPEAKING_OF_128 = round(SPEAKING_SHARE * 128)
# 256 equally likely quantiles of the standard normal: a draw of 8 bits is a normal deviate, no math per sample.
NORMAL_QUANTILES = tuple(NormalDist().inv_cdf((i + 0.5) / 256) for i in range(256))
CPU_NOISE_SIGMA = 12
_CPU_NOISE = tuple(int(z * CPU_NOISE_SIGMA) for z in NORMAL_QUANTILES)
_MEMORY_NOISE = tuple(int(z * _MEMORY_SIGMA) for z in NORMAL_QUANTILES)
DURATION_SIGMA = 0.8  # of a session's log-normal length
MAX_SESSION_SECONDS = 3_600.0


def agent_ids(seed: int, agent_name: str) -> tuple[str, str, str]:
    """(organizationId, serviceId, deploymentId): one organization per seed, stable ids per agent."""
    if len(agent_name) > _CACHED_NAME_LENGTH:  # 4,096 cached names of up to 1 MiB each could hold 4 GiB
        return _derive_agent_ids(seed, agent_name)
    return _cached_agent_ids(seed, agent_name)


def _derive_agent_ids(seed: int, agent_name: str) -> tuple[str, str, str]:
    org = uuid4_from(rng_for(seed, "organization"))
    rng = rng_for(seed, "agent", agent_name)
    return org, uuid4_from(rng), uuid4_from(rng)


_CACHED_NAME_LENGTH = 256
_cached_agent_ids = lru_cache(maxsize=4096)(_derive_agent_ids)


# Every draw of one session comes from one SHAKE-128 stream of its key, read in this layout: 13 words of
# 32 bits for the scalars, 4 UUIDs' worth of bytes, then one word per timeseries sample. One hash call
# replaces seeding a Mersenne Twister and a dozen of its method calls per request.
_HEAD = struct.Struct("<13I16s16s16s16s")
_WORD = 1 << 32
_ACTIVE_BELOW = int(ACTIVE_SHARE * _WORD)
_COLD_BELOW = int(COLD_START_SHARE * _WORD)
_HALF = _WORD // 2
_REJOIN_BELOW = int(0.1 * _WORD)  # a participant who rejoined: two meeting entries
_NO_BOT_COMPLETIONS = frozenset({"HTTP_ERROR", "500", "504"})


def _pick(word: int, low: int, high: int) -> int:
    """A draw in low..high from a uniform 32-bit word (multiply-shift: bias below (high - low) / 2**32)."""
    return low + ((word * (high - low + 1)) >> 32)


def session_values(seed: int, agent_name: str, session_id: str) -> dict[str, Any]:
    """The session of this id as the world holds it: its kind, times and load all drawn from its stream."""
    return _session(seed, agent_name, session_id, None)


def session_values_between(
    seed: int,
    agent_name: str,
    session_id: str,
    created_ms: int,
    end_ms: int | None,
    now_ms: int,
    completion: str | None,
) -> dict[str, Any]:
    """The session of `session_values` (same ids, start type, load), living from `created_ms` to `end_ms`
    (None: still running at `now_ms`): its samples, percentiles and updatedAt are those of that lifetime."""
    return _session(seed, agent_name, session_id, (created_ms, end_ms, now_ms, completion))


def _log_normal_seconds(median: float, z: float, low: float) -> float:
    return min(MAX_SESSION_SECONDS, max(low, median * math.exp(DURATION_SIGMA * z)))


# The general time-order rule: updatedAt, the session's last change, is never before its creation or end.
_order_times = TimeOrder.of(("createdAt", "endedAt", "updatedAt")).apply
_UPDATED = frozenset({"updatedAt"})


def _session(
    seed: int, agent_name: str, session_id: str, given: tuple[int, int | None, int, str | None] | None
) -> dict[str, Any]:
    """One session: its times drawn, or `given` as (created, end, now, completion); the rest from its stream."""
    key = f"{seed}\x1fsession\x1f{agent_name}\x1f{session_id}".encode("utf-8", "surrogatepass")
    stream = hashlib.shake_128(key)
    (
        w_active, w_completion, w_no_bot, w_cold, w_start, w_created, w_millis, w_z1, w_z2,
        w_cpu, w_memory, w_growth, w_rejoin, metrics_id, meeting_id, participant, rejoined,
    ) = _HEAD.unpack(stream.digest(_HEAD.size))  # fmt: skip
    cold = w_cold < _COLD_BELOW
    drawn_start = _pick(w_start, *COLD_START_SECONDS) if cold else _pick(w_start, 0, WARM_START_MAX_SECONDS)
    bot_start: int | None  # None: the bot never started (yet)
    if given is not None:
        created_ms, end_ms, now_ms, completion = given
        last_ms = end_ms if end_ms is not None else max(now_ms, created_ms)
        bot_start = drawn_start if last_ms >= created_ms + drawn_start * 1000 else None
    else:
        active = w_active < _ACTIVE_BELOW
        completion = (
            None if active else _COMPLETIONS[bisect(_COMPLETION_CUMULATIVE, (w_completion * _COMPLETION_TOTAL) >> 32)]
        )
        # Some failed sessions never got a bot: no start time, no metrics, no meeting.
        bot_start = None if completion in _NO_BOT_COMPLETIONS and w_no_bot < _HALF else drawn_start
        now_ms = ANCHOR_SECONDS * 1000
        if active:
            created_ms = (ANCHOR_SECONDS - _pick(w_created, 20, 900)) * 1000 - _pick(w_millis, 0, 999)
            end_ms = None
        else:
            created_ms = (ANCHOR_SECONDS - _pick(w_created, 3_600, 30 * 86_400)) * 1000 + _pick(w_millis, 0, 999)
            # Log-normal around the median, its normal deviate by Box-Muller from two words.
            z = math.sqrt(-2.0 * math.log((w_z1 + 1) / _WORD)) * math.cos(math.tau * w_z2 / _WORD)
            duration = _log_normal_seconds(150 if bot_start is not None else 4, z, 2.0)
            end_ms = created_ms + (bot_start or 0) * 1000 + int(duration * 1000)
        last_ms = end_ms if end_ms is not None else now_ms
    org, service, deployment = agent_ids(seed, agent_name)
    started = bot_start is not None
    series = (
        _timeseries(
            stream,
            created_ms + (bot_start or 0) * 1000,
            last_ms,
            _pick(w_cpu, 90, 220),
            _pick(w_memory, 160, 320) * _MIB,
            w_growth,
        )
        if started
        else _Series()
    )
    samples = series.samples
    # The last change: the end, else the latest sample (the metrics store's write), else the creation.
    updated_ms = end_ms if end_ms is not None else (samples[-1]["t"] * 1000 if samples else created_ms)
    times: dict[str, Any] = {"createdAt": created_ms, "endedAt": end_ms, "updatedAt": updated_ms}
    _order_times(times, _UPDATED)
    meetings: list[dict[str, str]] = []
    if started and completion != "WS_CONNECTION_CLOSED":  # WebSocket transports have no Daily meeting
        meeting = uuid4_from_bytes(meeting_id)
        meetings.append({"participantId": uuid4_from_bytes(participant), "meetingId": meeting})
        if w_rejoin < _REJOIN_BELOW:
            meetings.append({"participantId": uuid4_from_bytes(rejoined), "meetingId": meeting})
    return {
        "sessionId": session_id,
        "serviceId": service,
        "organizationId": org,
        "deploymentId": deployment,
        "endedAt": None if end_ms is None else iso_ms(end_ms),
        "botStartSeconds": bot_start,
        "coldStart": cold if started else None,
        "completionStatus": completion,
        "createdAt": iso_ms(created_ms),
        "updatedAt": iso_ms(times["updatedAt"]),
        "resourceMetrics": _metrics(uuid4_from_bytes(metrics_id), session_id, series) if samples else None,
        "meetingIds": meetings,
    }


def sample_interval(lifetime_seconds: float) -> int:
    """Fixed within a session; longer sessions are sampled more coarsely, as metrics stores downsample."""
    if lifetime_seconds <= 300:
        return 5
    if lifetime_seconds <= 1_200:
        return 15
    return 60


class _Series:
    """A session's samples, and their CPU and memory values apart (for the percentiles)."""

    __slots__ = ("cpus", "memories", "samples")

    def __init__(self) -> None:
        self.samples: list[dict[str, int]] = []
        self.cpus: list[int] = []
        self.memories: list[int] = []


def _timeseries(stream: Any, start_ms: int, end_ms: int, cpu_base: int, memory: int, growth_word: int) -> _Series:
    """Per sample: a speaking flag, CPU = base (+ speech) + noise, memory = random walk with growth.

    The hot loop of every request: one 32-bit word of `stream` (a SHAKE-128 hash, after the session's head)
    per sample gives every choice in it (7 bits for the speaking flag, 9 for the speech load, 8 each for the
    two noises, read from tables of normal quantiles).
    """
    interval = sample_interval((end_ms - start_ms) / 1000)
    first = -(-start_ms // 1000) + interval  # the first sample one interval after the bot started
    times = range(first, end_ms // 1000 + 1, interval)
    words = struct.unpack_from(f"<{len(times)}I", stream.digest(_HEAD.size + 4 * len(times)), _HEAD.size)
    growth = _pick(growth_word, 0, 2 * _MIB)
    series = _Series()
    append, append_cpu, append_memory = series.samples.append, series.cpus.append, series.memories.append
    cpu_noise, memory_noise = _CPU_NOISE, _MEMORY_NOISE
    for t, bits in zip(times, words, strict=True):
        cpu = cpu_base + cpu_noise[bits & 255]  # never below 90 - 3 sigma: no floor needed
        if (bits >> 8) & 127 < _SPEAKING_OF_128:
            cpu += 60 + ((bits >> 15) & 511) % 261  # 60..320 millicores while the bot talks
        memory += growth + memory_noise[bits >> 24]
        if memory < _MIN_MEMORY:
            memory = _MIN_MEMORY
        append({"t": t, "c": cpu, "m": memory})
        append_cpu(cpu)
        append_memory(memory)
    return series


@lru_cache(maxsize=1024)
def _percentile_ranks(count: int) -> tuple[int, int, int, int]:
    """Nearest-rank P50, P90, P95 and P99 of `count` sorted samples: always one of the samples, so
    P50 <= P90 <= P95 <= P99 within min..max."""
    p50, p90, p95, p99 = (max(0, math.ceil(q * count) - 1) for q in (0.50, 0.90, 0.95, 0.99))
    return p50, p90, p95, p99


def _metrics(metrics_id: str, session_id: str, series: _Series) -> dict[str, Any]:
    samples, cpu, mem = series.samples, series.cpus, series.memories
    cpu.sort()
    mem.sort()
    p50, p90, p95, p99 = _percentile_ranks(len(samples))
    return {
        "id": metrics_id,
        "sessionId": session_id,
        "sampleCount": len(samples),
        "cpuMillicoresP50": cpu[p50],
        "cpuMillicoresP90": cpu[p90],
        "cpuMillicoresP95": cpu[p95],
        "cpuMillicoresP99": cpu[p99],
        "memoryBytesP50": mem[p50],
        "memoryBytesP90": mem[p90],
        "memoryBytesP95": mem[p95],
        "memoryBytesP99": mem[p99],
        "timeseries": samples,
        "eventTs": iso_ms(samples[-1]["t"] * 1000),
        "createdAt": iso_ms(samples[0]["t"] * 1000),
    }


def drawn_lifetime_seconds(seed: int, agent_name: str, session_id: str) -> int:
    """How long a session runs after its bot started, if nobody stops it: log-normal around 150 s."""
    z = rng_for(seed, "lifetime", agent_name, session_id).gauss(0.0, 1.0)
    return int(_log_normal_seconds(150, z, 30.0))


def end_state(session: Mapping[str, Any], stopped: bool = False) -> str | None:
    """How a session ended, in the words the real service uses (`endState`); None while it runs."""
    if session.get("endedAt") is None:
        return None
    if stopped:
        return "terminated"
    if session.get("botStartSeconds") is None:
        return "ended_before_agent_start" if session.get("completionStatus") != "504" else "agent_start_timeout"
    return "agent_error" if session.get("completionStatus") in _NO_BOT_COMPLETIONS else "completed"


def lifecycle_events(session: Mapping[str, Any]) -> list[dict[str, str]]:
    """The session's lifecycle events (`events`), consistent with its times: start, bot arrival, end."""
    created = session.get("createdAt")
    created_ms = parse_iso_ms(created) if isinstance(created, str) else None
    if created_ms is None:
        return []
    events = [{"eventCode": "SESSION_START_INITIATED", "eventTs": iso_ms(created_ms)}]
    bot = session.get("botStartSeconds")
    if isinstance(bot, int):
        events.append({"eventCode": "REQUEST_ARRIVED_AT_BOT", "eventTs": iso_ms(created_ms + bot * 1000)})
    ended = session.get("endedAt")
    if isinstance(ended, str):
        code = "SESSION_COMPLETED" if isinstance(bot, int) else "SESSION_TIMEOUT"
        events.append({"eventCode": code, "eventTs": ended})
    return events
