"""The soak script keeps working: a small run (a few thousand requests) prints every figure it reports.

The figures are never asserted beyond being there and the run being clean (speed and memory are shown by the
soak itself, in docs/security.md, not by timed tests)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.support import REPO

ROOT = REPO


@pytest.mark.e2e
def test_a_small_soak_reports_rss_p99_and_admin_traffic() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "soak.py"), "--requests", "2000", "--max-seconds", "120"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert re.search(r"soak: 2,000 API requests", out), out
    assert "non-2xx or failed API requests: 0\n" in out
    assert "errors the server logged: 0\n" in out
    assert re.search(r"admin: [\d,]+ writes, [\d,]+ journal reads \(limit 1000\), 0 failed", out), out
    assert re.search(r"p99 \(ms\)\s+start\s+[\d.]+\s+end\s+[\d.]+", out), out
    assert len(re.findall(r"^\s+(master|worker \d+)(\s+[\d.]+){4}$", out, re.MULTILINE)) == 3, out
