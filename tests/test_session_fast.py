"""The hot-path rewrites in _session/_walker: formatting exactly like the stdlib calls they replace, and the
one-draw-per-sample timeseries keeping the distribution it documents."""

from __future__ import annotations

import random
import statistics
import time
import uuid

from hypothesis import given
from hypothesis import strategies as st

from mockserver._session import (
    _CPU_NOISE,
    CPU_NOISE_SIGMA,
    NORMAL_QUANTILES,
    SPEAKING_SHARE,
    _timeseries,
)
from mockserver._walker import iso_ms, uuid4_from


def test_noise_tables_are_normal_with_the_documented_sigma() -> None:
    assert abs(statistics.fmean(NORMAL_QUANTILES)) < 1e-9
    assert 0.97 < statistics.pstdev(NORMAL_QUANTILES) < 1.0  # 256 quantiles slightly under-cover the tails
    assert abs(statistics.pstdev(_CPU_NOISE) - CPU_NOISE_SIGMA) < 0.5


def test_speaking_share_and_speech_load_over_many_samples() -> None:
    # Quiet samples sit within ~3 sigma of the session's base; speaking ones add 60..320 millicores.
    speaking = total = 0
    for seed in range(300):
        rng = random.Random(seed)
        samples = _timeseries(rng, 1_000_500, 1_240_500)  # 4 minutes: 47 samples at 5 s
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


@given(st.integers(-(2**40), 2**45))
def test_iso_ms_matches_strftime(epoch_ms: int) -> None:
    expected = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_ms // 1000)) + f".{epoch_ms % 1000:03d}Z"
    assert iso_ms(epoch_ms) == expected


def test_lazy_rng_draws_exactly_like_rng_for() -> None:
    from mockserver._session import lazy_rng_for, rng_for

    lazy, eager = lazy_rng_for(7, "fill", "op", 200, "agent"), rng_for(7, "fill", "op", 200, "agent")
    assert [lazy.random(), lazy.randint(0, 9), lazy.getrandbits(128), lazy.choice("abc")] == [
        eager.random(),
        eager.randint(0, 9),
        eager.getrandbits(128),
        eager.choice("abc"),
    ]
