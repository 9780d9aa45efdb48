from flask.testing import FlaskClient

from tests.support.answers import AUTH, SESSION_ID


def test_session_is_served_and_echoes_the_requested_id(client: FlaskClient) -> None:
    response = client.get(f"/v1/agents/my-agent/sessions/{SESSION_ID}", headers=AUTH)
    assert response.status_code == 200
    assert response.json is not None
    assert response.json["sessionId"] == SESSION_ID


def test_health(client: FlaskClient) -> None:
    assert client.get("/__admin/health").json == {"status": "ok"}
