import pytest
import requests


def session_summary(api_url: str, token: str, agent: str, session_id: str) -> str:
    """The code under test: reads one session's details from Pipecat Cloud."""
    response = requests.get(
        f"{api_url}/agents/{agent}/sessions/{session_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    if response.status_code == 404:
        return "no such session"
    response.raise_for_status()
    session = response.json()
    if session["endedAt"] is None:
        return "still running"
    return f"ended after {session['botStartSeconds']}s start: {session['completionStatus']}"


def test_a_finished_session(pipecat_mock):
    session_id = pipecat_mock.add_session(
        "support-bot", endedAt="2025-10-22T08:39:26.000Z", botStartSeconds=2, completionStatus="HTTP_COMPLETED"
    )
    summary = session_summary(pipecat_mock.api_url, pipecat_mock.token, "support-bot", session_id)
    assert summary == "ended after 2s start: HTTP_COMPLETED"
    (call,) = pipecat_mock.requests()
    assert call.path == f"/v1/agents/support-bot/sessions/{session_id}"
    assert call.headers["authorization"] == "Bearer ***"  # the journal never keeps credentials


def test_a_running_session(pipecat_mock):
    session_id = pipecat_mock.add_session("support-bot", endedAt=None, completionStatus=None)
    assert session_summary(pipecat_mock.api_url, pipecat_mock.token, "support-bot", session_id) == "still running"


def test_a_missing_session_and_an_outage(pipecat_mock):
    gone = "11111111-2222-4333-8444-555555555555"
    pipecat_mock.add_stub({"match": {"sessionId": gone}, "respond": {"status": 404}})
    assert session_summary(pipecat_mock.api_url, pipecat_mock.token, "support-bot", gone) == "no such session"
    pipecat_mock.add_stub({"match": {"agentName": "support-bot"}, "respond": {"status": 500}})
    with pytest.raises(requests.HTTPError) as raised:
        session_summary(pipecat_mock.api_url, pipecat_mock.token, "support-bot", gone)
    assert raised.value.response.status_code == 500
    assert [call.status for call in pipecat_mock.requests()] == [500, 404]
