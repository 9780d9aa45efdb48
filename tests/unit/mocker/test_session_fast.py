"""The hot-path rewrites in _session/_walker: formatting exactly like the stdlib calls they replace, and the
one-draw-per-sample timeseries keeping the distribution it documents."""

from __future__ import annotations

import hashlib
import math
import random
import statistics
import time
import uuid

from hypothesis import given
from hypothesis import strategies as st
from pipecat_cloud_mock.mocker.session import (
    _CPU_NOISE,
    CPU_NOISE_SIGMA,
    NORMAL_QUANTILES,
    SPEAKING_SHARE,
    _pick,
    _timeseries,
    session_values,
)
from pipecat_cloud_mock.mocker.walker import iso_ms, uuid4_from, uuid4_from_bytes


def test_noise_tables_are_normal_with_the_documented_sigma() -> None:
    assert abs(statistics.fmean(NORMAL_QUANTILES)) < 1e-9
    assert 0.97 < statistics.pstdev(NORMAL_QUANTILES) < 1.0  # 256 quantiles slightly under-cover the tails
    assert abs(statistics.pstdev(_CPU_NOISE) - CPU_NOISE_SIGMA) < 0.5


def test_speaking_share_and_speech_load_over_many_samples() -> None:
    # Quiet samples sit within ~3 sigma of the session's base; speaking ones add 60..320 millicores.
    speaking = total = 0
    for seed in range(300):
        stream = hashlib.shake_128(seed.to_bytes(4, "big"))
        samples = _timeseries(stream, 1_000_500, 1_240_500, 150, 200 * 2**20, seed).samples  # 4 min: 47 at 5 s
        cpu = [s["c"] for s in samples]
        quiet_base = statistics.median_low(sorted(cpu)[: len(cpu) // 3])
        speaking += sum(c > quiet_base + 45 for c in cpu)
        total += len(cpu)
        assert max(cpu) <= quiet_base + 320 + 4 * CPU_NOISE_SIGMA
    assert abs(speaking / total - SPEAKING_SHARE) < 0.05, speaking / total


@given(st.integers(0, 2**64))
def test_uuid4_from_matches_uuid_module(seed: int) -> None:
    fast, slow = random.Random(seed), random.Random(seed)
    for _ in range(3):
        assert uuid4_from(fast) == str(uuid.UUID(int=slow.getrandbits(128), version=4))


@given(st.binary(min_size=16, max_size=16))
def test_uuid4_from_bytes_matches_uuid_module(random_bytes: bytes) -> None:
    assert uuid4_from_bytes(random_bytes) == str(uuid.UUID(bytes=random_bytes, version=4))


def test_ended_sessions_last_log_normally_around_the_documented_median() -> None:
    # Ended sessions with a bot: log-normal durations, median 150 s, sigma 0.8 (then clamped to 2..3600 s).
    durations = []
    for i in range(2000):
        body = session_values(3, "agent", str(uuid.UUID(int=i, version=4)))
        if body["endedAt"] and body["botStartSeconds"] is not None:
            start = _epoch(body["createdAt"]) + body["botStartSeconds"]
            durations.append(math.log(max(1.0, _epoch(body["endedAt"]) - start)))
    assert abs(statistics.median(durations) - math.log(150)) < 0.1, math.exp(statistics.median(durations))
    assert 0.65 < statistics.stdev(durations) < 0.85, statistics.stdev(durations)


@given(st.integers(-1000, 1000), st.integers(0, 10_000))
def test_pick_spans_its_whole_range_evenly(low: int, width: int) -> None:
    high = low + width
    assert _pick(0, low, high) == low
    assert _pick(2**32 - 1, low, high) == high
    counts = [0] * (width + 1)
    for i in range(1, 4 * (width + 1) + 1):  # evenly spaced words: every value drawn about equally often
        counts[_pick(i * 2**32 // (4 * (width + 1) + 2), low, high) - low] += 1
    assert max(counts) - min(counts) <= 2


def _epoch(rfc3339: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


@given(st.integers(-(2**40), 2**45))
def test_iso_ms_matches_strftime(epoch_ms: int) -> None:
    expected = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_ms // 1000)) + f".{epoch_ms % 1000:03d}Z"
    assert iso_ms(epoch_ms) == expected


def test_lazy_rng_draws_exactly_like_rng_for() -> None:
    from pipecat_cloud_mock.seed import lazy_rng_for, rng_for

    lazy, eager = lazy_rng_for(7, "fill", "op", 200, "agent"), rng_for(7, "fill", "op", 200, "agent")
    assert [lazy.random(), lazy.randint(0, 9), lazy.getrandbits(128), lazy.choice("abc")] == [
        eager.random(),
        eager.randint(0, 9),
        eager.getrandbits(128),
        eager.choice("abc"),
    ]
