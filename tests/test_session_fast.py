"""The hot-path rewrites in _session/_walker must draw and format exactly like the plain stdlib calls they replace.

Each reference below is the readable original; a difference means changed bodies for every existing seed.
"""

from __future__ import annotations

import random
import time
import uuid

from hypothesis import given
from hypothesis import strategies as st

from mockserver._session import _MIB, _timeseries, sample_interval
from mockserver._walker import iso_ms, uuid4_from


def reference_timeseries(rng: random.Random, start_ms: int, end_ms: int) -> list[dict[str, int]]:
    interval = sample_interval((end_ms - start_ms) / 1000)
    first = -(-start_ms // 1000) + interval
    last = end_ms // 1000
    cpu_base = rng.randint(90, 220)
    memory = rng.randint(160, 320) * _MIB
    growth = rng.randint(0, 2 * _MIB)
    samples = []
    for t in range(first, last + 1, interval):
        speaking = rng.random() < 0.45
        cpu = cpu_base + (rng.randint(60, 320) if speaking else 0) + int(rng.gauss(0, 12))
        memory = max(64 * _MIB, memory + growth + int(rng.gauss(0, 3 * _MIB)))
        samples.append({"t": t, "c": max(5, cpu), "m": memory})
    return samples


@given(
    seed=st.integers(0, 2**64),
    start_ms=st.integers(0, 2**42),
    lifetime_ms=st.integers(0, 4 * 3_600_000),
    spare_gaussian=st.booleans(),
)
def test_timeseries_draws_exactly_like_the_random_module(
    seed: int, start_ms: int, lifetime_ms: int, spare_gaussian: bool
) -> None:
    fast, slow = random.Random(seed), random.Random(seed)
    if spare_gaussian:  # a generator that already holds the second value of a Box-Muller pair
        fast.gauss(), slow.gauss()
    assert _timeseries(fast, start_ms, start_ms + lifetime_ms) == reference_timeseries(
        slow, start_ms, start_ms + lifetime_ms
    )
    assert fast.getstate() == slow.getstate()  # later draws (metrics id, meetings) stay the same too


@given(st.integers(0, 2**64))
def test_uuid4_from_matches_uuid_module(seed: int) -> None:
    fast, slow = random.Random(seed), random.Random(seed)
    for _ in range(3):
        assert uuid4_from(fast) == str(uuid.UUID(int=slow.getrandbits(128), version=4))


@given(st.integers(-(2**40), 2**45))
def test_iso_ms_matches_strftime(epoch_ms: int) -> None:
    expected = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_ms // 1000)) + f".{epoch_ms % 1000:03d}Z"
    assert iso_ms(epoch_ms) == expected


def test_timeseries_over_many_seeds_covers_rare_draws() -> None:
    # ~7,000 speaking samples: the 9-bit redraw boundary (a draw of exactly 261) is hit a dozen times.
    for seed in range(200):
        fast, slow = random.Random(seed), random.Random(seed)
        assert _timeseries(fast, 1_000_500, 2_200_500) == reference_timeseries(slow, 1_000_500, 2_200_500)


def test_lazy_rng_draws_exactly_like_rng_for() -> None:
    from mockserver._session import lazy_rng_for, rng_for

    lazy, eager = lazy_rng_for(7, "fill", "op", 200, "agent"), rng_for(7, "fill", "op", 200, "agent")
    assert [lazy.random(), lazy.randint(0, 9), lazy.getrandbits(128), lazy.choice("abc")] == [
        eager.random(),
        eager.randint(0, 9),
        eager.getrandbits(128),
        eager.choice("abc"),
    ]
