"""What the `pipecat_mock` pytest plugin costs every pytest run of an environment where the package is installed.

pytest imports every pytest11 plugin at start-up, fixture used or not. Each round starts one fresh interpreter
per side (in rotating order) and reads the CPU time (user + system) the child spent on the imports alone,
interpreter start-up excluded:

- `pytest`: `import pytest`, the floor;
- `pytest + plugin`: `import pytest` then `import pipecat_cloud_mock.pytest_plugin`, what a run pays;
- `pytest + app`: `import pytest` then the app, Flask and openapi-core: what the plugin would cost if it
  imported them eagerly (the peer it must stay well away from).

Reported: the median CPU ms per side and the median of the per-round ratios to `pytest`, beside the ceiling
of 1.15x for the plugin. Usage: python bench/plugin_import.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CEILING = 1.15

SIDES = {
    "pytest": "import pytest",
    "pytest + plugin": "import pytest\nimport pipecat_cloud_mock.pytest_plugin",
    "pytest + app": "import pytest\nimport pipecat_cloud_mock.http.app, flask, openapi_core",
}

CHILD = """
import time
started = time.process_time()
{imports}
print(time.process_time() - started)
"""


def measure(imports: str) -> float:
    """CPU seconds a fresh interpreter spends on `imports`."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(imports=imports)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=120,
    )
    return float(done.stdout.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=15, help="rounds of one child per side (default 15)")
    args = parser.parse_args(argv)
    names = list(SIDES)
    for name in names:  # warm the bytecode caches, not counted
        measure(SIDES[name])
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(args.rounds):
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        for name in order:
            times[name].append(measure(SIDES[name]))
    print(f"{args.rounds} rounds, one fresh interpreter per side and round; CPU of the imports alone (median)")
    for name in names:
        print(f"{name:<16} {statistics.median(times[name]) * 1000:8.1f} ms")
    for name in names[1:]:
        ratios = [other / floor for other, floor in zip(times[name], times["pytest"], strict=True)]
        goal = f"  (ceiling {CEILING:.2f}x)" if name == "pytest + plugin" else ""
        print(f"{name} / pytest  {statistics.median(ratios):.2f}x{goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
