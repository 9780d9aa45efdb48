import pytest
import requests


class KeyRejected(Exception):
    """What the code under test raises when Pipecat Cloud refuses its key."""


def fetch_session(api_url: str, token: str, agent: str, session_id: str) -> dict:
    response = requests.get(
        f"{api_url}/agents/{agent}/sessions/{session_id}", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    if response.status_code == 401:
        raise KeyRejected(response.json()["error"])
    response.raise_for_status()
    return response.json()


def test_a_revoked_key_is_reported(pipecat_mock):
    # Any token is accepted by default: a stub makes this agent's sessions answer 401, challenge header included.
    pipecat_mock.add_stub({"match": {"agentName": "support-bot"}, "respond": {"status": 401}})
    sid = pipecat_mock.add_session("support-bot")
    with pytest.raises(KeyRejected):
        fetch_session(pipecat_mock.api_url, pipecat_mock.token, "support-bot", sid)
    (call,) = pipecat_mock.requests()
    assert call.status == 401


def test_a_request_without_a_key_gets_the_real_401(pipecat_mock):
    # No stub needed: the mock's security stage answers a missing Authorization header as Pipecat Cloud does.
    sid = pipecat_mock.add_session("support-bot")
    response = requests.get(pipecat_mock.session_url("support-bot", sid), timeout=5)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
