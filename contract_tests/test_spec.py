"""1. The spec itself: valid OpenAPI 3.0, every $ref resolves, every example fits its own schema."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
import yaml
from pipecat_cloud_mock import bundled_spec_path
from pipecat_cloud_mock.contract.checks import Exchange, Finding, check_consistency, check_invariants
from pipecat_cloud_mock.contract.plugin import Contract
from pipecat_cloud_mock.contract.report import Tally
from pipecat_cloud_mock.contract.spec_checks import example_violations, openapi_problems, unresolved_refs
from pipecat_cloud_mock.contract.target import Response, session_request


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(bundled_spec_path().read_text(encoding="utf-8"))
    return loaded


def _verdict(tally: Tally, check: str, problems: list[str]) -> None:
    tally.record(check, [Finding(check, "fail", p) for p in problems], key=str(bundled_spec_path()))
    assert not problems, f"[{check}] {bundled_spec_path()}:\n  " + "\n  ".join(problems)


def test_spec_is_valid_openapi_3_0(document: dict[str, Any], contract_tally: Tally) -> None:
    _verdict(contract_tally, "spec-valid", openapi_problems(document))


def test_every_ref_resolves(document: dict[str, Any], contract_tally: Tally) -> None:
    _verdict(contract_tally, "spec-refs", unresolved_refs(document))


def test_every_example_validates_against_its_own_schema(document: dict[str, Any], contract_tally: Tally) -> None:
    _verdict(contract_tally, "spec-examples", [f"{where}: {v}" for where, v in example_violations(document)])


@pytest.mark.contract_requests(0)
def test_the_spec_example_keeps_the_hard_invariants(contract: Contract) -> None:
    """The invariants must not be stricter than the spec's own example (which does break the soft ones)."""
    operation = contract.context.operation
    media = operation.responses["200"].media_type()
    assert media is not None
    assert "default" in media.examples
    body = json.dumps(media.examples["default"]).encode()
    session_id = media.examples["default"]["sessionId"]
    ex = Exchange(session_request("my-agent", session_id), Response(200, {"content-type": "application/json"}, body))
    breaks = check_invariants(contract.context, ex) or []
    assert not breaks, [f.message for f in breaks]
    soft = check_consistency(contract.context, ex) or []
    named = [replace(f, message=f"in the spec's own example: {f.message}") for f in soft]
    contract.tally.record("consistency", named, key="spec example")
