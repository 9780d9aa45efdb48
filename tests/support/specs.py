"""The specs the tests serve besides the bundled one (tests/specs/), and their texts for tests that edit them."""

from __future__ import annotations

from tests.support import REPO

SPECS = REPO / "tests" / "specs"
OFFICIAL = SPECS / "pipecat-cloud-official.json"
VALID_MINIMAL = (SPECS / "minimal.yaml").read_text()
OPENAPI_31 = (SPECS / "devices-3.1.yaml").read_text()
