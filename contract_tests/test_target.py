"""3. The target, with fixed and Hypothesis-generated requests; every response goes through every check.

Each test sends one request per call (per example) unless marked `contract_requests(n)`; `contract_repeated(n)`
adds the repetitions of n of them. The run plans its request budget from that, and from `contract_needs`: a test
whose needs are not met skips and costs nothing.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pipecat_cloud_mock.contract.plugin import Contract
from pipecat_cloud_mock.contract.strategies import agent_names, credentials, session_ids, valid_session_ids
from pipecat_cloud_mock.contract.target import BAD_CREDENTIALS, Credentials, session_request

EXAMPLE_SESSION_ID = "800d444a-e67e-4686-afb3-b0de509cccb3"  # the id in the spec's own example
REPEATED_SAMPLE = 4  # generated requests that are each sent --contract-repeat times


@pytest.mark.contract_needs("key")
def test_a_well_formed_request_keeps_the_contract(contract: Contract) -> None:
    contract.require_key()
    contract.check(session_request("my-agent", EXAMPLE_SESSION_ID))


@pytest.mark.contract_needs("key")
def test_an_invalid_session_id_gets_a_documented_answer(contract: Contract) -> None:
    contract.require_key()
    contract.check(session_request("my-agent", "not-a-session-id"))


@pytest.mark.parametrize("bad", BAD_CREDENTIALS, ids=lambda c: c.label.replace(" ", "-"))
def test_missing_or_bad_credentials_are_refused(contract: Contract, bad: Credentials) -> None:
    contract.check(session_request("my-agent", EXAMPLE_SESSION_ID, bad))


@pytest.mark.contract_needs("key", "session")
@pytest.mark.contract_repeated(1)
def test_the_known_session_answers_200_with_its_own_id_every_time(contract: Contract) -> None:
    """Asked --contract-repeat times: a target that breaks one answer in three shows it here."""
    known = contract.require_known_session()
    contract.require_key()
    for exchange in contract.check_repeated(session_request(*known)):
        assert exchange.response.status == 200  # the known-session check has said why, if not


@pytest.mark.contract_needs("key")
@given(data=st.data())
def test_generated_requests_with_the_key_keep_the_contract(contract: Contract, data: st.DataObject) -> None:
    contract.require_key()
    contract.check(session_request(data.draw(agent_names, "agent"), data.draw(session_ids, "session id")))


@pytest.mark.contract_needs("key")
@pytest.mark.contract_repeated(1)
@settings(max_examples=REPEATED_SAMPLE)
@given(agent=agent_names, session_id=valid_session_ids)
def test_a_sample_of_generated_requests_keeps_the_contract_every_time(
    contract: Contract, agent: str, session_id: str
) -> None:
    contract.require_key()
    contract.check_repeated(session_request(agent, session_id))


@given(data=st.data())
def test_generated_requests_without_valid_credentials_are_refused(contract: Contract, data: st.DataObject) -> None:
    request = session_request(
        data.draw(agent_names, "agent"), data.draw(session_ids, "session id"), data.draw(credentials(False))
    )
    contract.check(request)
