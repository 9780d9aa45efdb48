"""What the tests share, by what it holds: answer checks (answers), realism checkers (realism_checks), the specs
they serve (specs), mocks that close themselves (mocks), live servers (servers, the one spawner), one-shot
commands (commands), the kit's faulty target (contract_faults) and its in-process runs (contract_runs).

Fixtures live in conftest.py files; a test module never imports another (tests/unit/test_test_layout.py).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
