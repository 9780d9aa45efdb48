from pipecat_cloud_mock import Config, create_app

app = create_app(Config(seed=7, access_log=False))
client = app.test_client()
response = client.get(
    "/v1/agents/my-agent/sessions/800d444a-e67e-4686-afb3-b0de509cccb3",
    headers={"Authorization": "Bearer any-token", "Prefer": "code=404"},
)
assert response.status_code == 404
assert response.json["code"] == "404"
