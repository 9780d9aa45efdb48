"""Hypothesis profiles for every test tree (tests/, contract_tests/), chosen with HYPOTHESIS_PROFILE.

default: a quick everyday run; ci: more examples; thorough: thousands, for nightly-style runs.
Each run uses one seed, printed in the header, so a failing run replays with --hypothesis-seed=N.
"""

from __future__ import annotations

import os
import secrets

import pytest
from hypothesis import HealthCheck, settings

_COMMON = {"deadline": None, "print_blob": True, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("default", max_examples=20, **_COMMON)
settings.register_profile("ci", max_examples=60, **_COMMON)
settings.register_profile("thorough", max_examples=2000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Runs before Hypothesis' own plugin reads the option, so the chosen seed is the one in force.
    if config.getoption("hypothesis_seed", None) is None:
        config.option.hypothesis_seed = str(secrets.randbelow(2**32))


def pytest_report_header(config: pytest.Config) -> str:
    seed = config.getoption("hypothesis_seed")
    profile = settings.get_current_profile_name()
    return f"hypothesis profile: {profile}; seed: {seed} (replay a failure with --hypothesis-seed={seed})"
