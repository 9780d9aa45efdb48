"""5. When the target is pipecat-mock: deterministic, every documented status reachable, seeds matter."""

from __future__ import annotations

import pytest
from hypothesis import given
from pipecat_cloud_mock import load_spec
from pipecat_cloud_mock.contract.checks import Finding
from pipecat_cloud_mock.contract.plugin import Contract
from pipecat_cloud_mock.contract.strategies import agent_names, valid_session_ids
from pipecat_cloud_mock.contract.target import session_request

# Prefer: code=500 asks for a 5xx and code=401 refuses the valid key on purpose: no-5xx and auth do not apply.
_PREFERRED_CHECKS = ("status", "content-type", "schema", "shape", "drift")
pytestmark = pytest.mark.contract_needs("mock", "key")  # every request here carries the valid key


@pytest.fixture(autouse=True)
def _only_for_the_mock(contract: Contract) -> None:
    contract.require_mock()


@pytest.mark.contract_requests(2)
@given(agent=agent_names, session_id=valid_session_ids)
def test_the_same_request_twice_gives_the_same_body(contract: Contract, agent: str, session_id: str) -> None:
    first = contract.check(session_request(agent, session_id))
    second = contract.check(session_request(agent, session_id))
    same = (first.response.status, first.response.body) == (second.response.status, second.response.body)
    found = [] if same else [Finding("determinism", "fail", "two identical requests got different answers")]
    contract.tally.record("determinism", found, key=contract.key(first))
    if not same:
        contract.fail(second, *found)


@pytest.mark.parametrize("code", load_spec().operation("getSession").answerable_statuses)
def test_every_documented_status_is_reachable_with_prefer_code(contract: Contract, code: int) -> None:
    request = session_request("my-agent", "800d444a-e67e-4686-afb3-b0de509cccb3", headers=[("Prefer", f"code={code}")])
    exchange = contract.check(request, only=_PREFERRED_CHECKS)
    reached = exchange.response.status == code
    found = [] if reached else [Finding("prefer-code", "fail", f"answered {exchange.response.status}", str(code))]
    contract.tally.record("prefer-code", found, key=str(code))
    if not reached:
        contract.fail(exchange, *found)


@pytest.mark.contract_requests(3)
def test_different_seeds_give_different_data(contract: Contract) -> None:
    bodies = [
        contract.check(
            session_request("my-agent", "800d444a-e67e-4686-afb3-b0de509cccb3", headers=[("Prefer", f"seed={seed}")])
        )
        for seed in (1, 2, 3)
    ]
    distinct = len({ex.response.body for ex in bodies}) == 3
    found = [] if distinct else [Finding("seeds", "fail", "seeds 1, 2 and 3 did not give three different bodies")]
    contract.tally.record("seeds", found, key="1,2,3")
    if not distinct:
        contract.fail(bodies[-1], *found)
