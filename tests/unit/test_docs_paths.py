"""Every test file the docs, the README or a docstring names exists: moved tests leave no stale pointer."""

from __future__ import annotations

import re

from tests.support import REPO

NAMED = re.compile(r"(?<![\w/.-])((?:tests|bench|contract_tests|docs/examples)/[\w/]+\.py)")
WHERE = [
    "README.md",
    "ARCHITECTURE.md",
    "CHANGELOG.md",
    "docs/**/*.md",
    "bench/README.md",
    "fixtures/README.md",
    "mockserver/**/*.py",
]


def test_every_named_test_or_bench_file_exists() -> None:
    files = sorted({path for pattern in WHERE for path in REPO.glob(pattern)})
    named = {(path.relative_to(REPO), found) for path in files for found in NAMED.findall(path.read_text())}
    assert len(named) > 10, "found almost no file names: the pattern no longer matches how the docs name files"
    missing = sorted(f"{where}: {name}" for where, name in named if not (REPO / name).exists())
    assert missing == []
