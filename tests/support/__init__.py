"""What the tests share: constants, answer checks (answers), live servers (servers), the kit's faulty target."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
