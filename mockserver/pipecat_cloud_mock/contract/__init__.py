"""The contract-testing kit: a pytest suite that checks a server against the bundled Pipecat Cloud spec.

The library lives here; the suite's test files are the top-level `contract_tests/` folder of a checkout,
shipped inside the wheel as `pipecat_cloud_mock/contract/suite/`.
"""

from __future__ import annotations

from pathlib import Path


def suite_dir() -> Path:
    """The folder of the suite's test files: inside the installed wheel, or `contract_tests/` of a checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "suite"
    return installed if installed.is_dir() else here.parents[2] / "contract_tests"
