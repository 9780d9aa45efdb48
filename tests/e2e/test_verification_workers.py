"""Verification and coverage on `pipecat-mock serve` with 1 and 2 workers: every worker counts into the same state."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from pipecat_cloud_mock.admin_client import AdminClient
from pipecat_cloud_mock.state.verify import check_called, unmatched_failure

from tests.support.servers import CLI, run_cli

pytestmark = pytest.mark.e2e

SESSION_ID = "800d444a-e67e-4686-afb3-b0de509cccb3"
AUTH = {"Authorization": "Bearer t"}


@pytest.fixture(
    scope="module",
    params=[("1",), ("2",), ("2", "state-db")],
    ids=["1-worker", "2-workers", "2-workers-state-db"],
)
def url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workers, *kind = request.param
    temp = tmp_path_factory.mktemp("serve")
    # Sync workers (one request at a time each): concurrent requests must be shared between the two.
    args = ["serve", "--port", "0", "--workers", workers, "--threads", "1"]
    if kind:
        args += ["--state-db", str(temp / "state.sqlite3")]
    env = {**os.environ, "TMPDIR": str(temp), "PIPECAT_MOCK_ACCESS_LOG": ""}
    with run_cli(args, env=env) as running:
        yield running.url


def send(url: str, i: int) -> int:
    """Five kinds of request in turn: 200, 200 (another agent), a typo'd path, a wrong method, a 401."""
    session = f"/v1/agents/agent-{i % 2}/sessions/{SESSION_ID}"
    headers = {**AUTH, "Prefer": "delay=20ms", "Connection": "close"}  # held briefly, on a new connection each
    kind = i % 5
    if kind == 2:
        return requests.get(url + "/v1/agents/x/sesions/" + SESSION_ID, headers=headers, timeout=30).status_code
    if kind == 3:
        return requests.post(url + session, headers=headers, timeout=30).status_code
    if kind == 4:
        return requests.get(url + session, headers={"Connection": "close"}, timeout=30).status_code
    return requests.get(url + session, headers=headers, timeout=30).status_code


def test_count_unmatched_coverage_and_reset_hold_across_workers(url: str) -> None:
    admin = AdminClient(url)
    admin.reset()
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda i: send(url, i), range(60)))
    assert sorted(statuses) == sorted([200] * 24 + [404] * 12 + [405] * 12 + [401] * 12)

    assert admin.count() == 60
    assert admin.count(status=405) == 12
    assert admin.count(method="GET", path_prefix="/v1/agents/agent-1/") == 12 + 6  # 200s and 401s of agent-1
    unmatched = admin.unmatched()
    assert sorted({(u.method, u.status) for u in unmatched}) == [("GET", 404), ("POST", 405)]
    assert len(unmatched) == 24

    # What the fixture's assert_called and strict mode conclude from the journal all workers wrote.
    entries = admin.requests()
    template = "/agents/{agentName}/sessions/{sessionId}"
    assert check_called(entries, "GET", template, 36, "/v1")[1] is None  # the 200s and the 401s
    hits, failure = check_called(entries, "GET", template, 37, "/v1")
    assert len(hits) == 36
    assert failure is not None
    assert failure.splitlines()[1:3] == [
        "Called instead, closest first:",
        f"  POST /v1/agents/agent-0/sessions/{SESSION_ID}  (6 times, answered 405)",
    ]
    assert (unmatched_failure(admin.unmatched()) or "").startswith("24 request(s) matched no operation of the spec:")

    report = admin.coverage()
    statuses_of = {o["operationId"]: o["statuses"] for o in report["operations"]}["getSession"]
    assert statuses_of["200"] == {"documented": True, "served": 24, "sources": {"generated": 24}}
    assert statuses_of["401"] == {"documented": True, "served": 12, "sources": {"security": 12}}
    assert statuses_of["404"]["served"] == 0  # the typo'd path reached no operation: not getSession's 404

    admin.reset()
    assert admin.count() == 0
    assert admin.unmatched() == []
    assert unmatched_failure(admin.unmatched()) is None
    assert admin.coverage()["summary"]["documented_served"] == 0


def test_the_coverage_command_gates_a_running_server(url: str) -> None:
    admin = AdminClient(url)
    admin.reset()
    for i in (0, 1, 4):  # two 200s and a 401: two documented statuses of getSession
        send(url, i)
    documented = admin.coverage()["summary"]["documented"]
    share = 100 * 2 / documented
    at_share = str(int(share))
    passed = subprocess.run(
        [CLI, "coverage", "--url", url, "--min", at_share], capture_output=True, text=True, check=False
    )
    assert passed.returncode == 0, passed.stderr
    assert f"2 of {documented} documented statuses served ({share:.1f}%)" in passed.stdout
    above = str(int(share) + 1)
    failed = subprocess.run(
        [CLI, "coverage", "--url", url, "--min", above, "--format", "markdown"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 1
    assert failed.stdout.startswith("## API coverage")
    assert f"{share:.1f}% of documented statuses served, under --min {above}%" in failed.stderr


def test_the_unmatched_list_is_redacted(url: str) -> None:
    admin = AdminClient(url)
    admin.reset()
    requests.get(url + "/v1/typo", headers={"Authorization": "Bearer sk-live-do-not-leak"}, timeout=30)
    response = requests.get(url + "/__admin/requests/unmatched", timeout=30)
    assert "sk-live-do-not-leak" not in response.text
    assert response.json()["requests"][0]["headers"]["authorization"] == "Bearer ***"
