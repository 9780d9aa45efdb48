import requests


def test_a_finished_session(pipecat_mock):
    sid = pipecat_mock.add_session("support-bot", completionStatus="HTTP_COMPLETED")
    answer = requests.get(pipecat_mock.session_url("support-bot", sid), headers=pipecat_mock.headers, timeout=5)
    assert answer.json()["completionStatus"] == "HTTP_COMPLETED"
    assert [call.status for call in pipecat_mock.requests()] == [200]
