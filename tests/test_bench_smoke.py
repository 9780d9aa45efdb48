"""The benchmark script must keep working: its smallest mode (about three seconds, Python client) runs here.

It starts the real `pipecat-mock serve --port 0` and the ceiling, loads both and prints the comparison;
the figures themselves are never asserted (speed is shown by the benchmark, not by timed tests).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.e2e
def test_bench_smoke_runs_mock_and_ceiling_side_by_side() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert re.search(r"mean body \d+ bytes", out), out
    for side in ("mock", "ceiling"):
        found = re.search(rf"^{side}\s+([\d,]+)\s+[\d.]+\s+[\d.]+", out, re.MULTILINE)
        assert found, out
        assert int(found.group(1).replace(",", "")) > 0, out
    assert re.search(r"mock / ceiling\s+req/s\s+[\d.]+x", out), out
