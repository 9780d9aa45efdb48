"""GET /__admin/coverage: every documented status listed, every served one too, each with what produced it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pipecat_cloud_mock.cli.main import main
from pipecat_cloud_mock.state.coverage import SOURCES, ServedCounts

from tests.support import REPO
from tests.support.mocks import MockFactory
from tests.support.servers import serve_in_thread

SESSION_ID = "800d444a-e67e-4686-afb3-b0de509cccb3"
AUTH = {"Authorization": "Bearer t"}
URL = f"/v1/agents/a/sessions/{SESSION_ID}"


def make_app(make_mock: MockFactory, tmp_path: Path, kind: str, **config: Any) -> Flask:
    state_db = tmp_path / "state.sqlite3" if kind == "state-db" else None
    return make_mock(state_db=state_db, **config)


@pytest.fixture(params=["ring", "state-db"])
def app(make_mock: MockFactory, request: pytest.FixtureRequest, tmp_path: Path) -> Flask:
    return make_app(make_mock, tmp_path, request.param)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as c:
        yield c


def coverage(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/__admin/coverage")
    assert response.status_code == 200
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    return body


def statuses(report: dict[str, Any], operation_id: str = "getSession") -> dict[str, Any]:
    op = next(o for o in report["operations"] if o["operationId"] == operation_id)
    result: dict[str, Any] = op["statuses"]
    return result


def test_the_shape_lists_documented_statuses_served_or_not_and_served_ones_documented_or_not(
    client: FlaskClient,
) -> None:
    for _ in range(2):
        client.get(URL, headers=AUTH)
    client.get(URL)  # 401: documented, as in the official reference
    client.get(URL, headers={**AUTH, "Prefer": "code=999"})  # the mock's own 422: the spec does not document it
    report = coverage(client)
    get_session = next(o for o in report["operations"] if o["operationId"] == "getSession")
    assert get_session["method"] == "GET"
    assert get_session["path"] == "/agents/{agentName}/sessions/{sessionId}"
    assert get_session["statuses"] == {
        "200": {"documented": True, "served": 2, "sources": {"generated": 2}},
        "401": {"documented": True, "served": 1, "sources": {"security": 1}},
        "404": {"documented": True, "served": 0, "sources": {}},
        "422": {"documented": False, "served": 1, "sources": {"preference": 1}},
        "500": {"documented": True, "served": 0, "sources": {}},
    }
    # Every operation of the spec is listed, each with all its documented statuses.
    spec = client.application.extensions["pipecat_mock"].spec
    assert [o["operationId"] for o in report["operations"]] == [op.operation_id for op in spec.operations]
    documented = sum(len(op.documented_statuses) for op in spec.operations)
    assert report["summary"] == {
        "documented": documented,
        "documented_served": 2,  # the 200 and the 401; the undocumented 422 is not counted
        "ratio": round(2 / documented, 2),
    }


def test_sources_say_what_produced_each_answer(client: FlaskClient) -> None:
    client.get(URL, headers=AUTH)  # generated
    client.get(URL, headers={**AUTH, "Prefer": "example=default"})  # the spec's example
    client.get(URL, headers={**AUTH, "Prefer": "code=404"})  # generated error body
    client.get(URL, headers={**AUTH, "Prefer": "code=999"})  # 422: the mock cannot honour it
    client.put(f"/__admin/sessions/fx/{SESSION_ID}", json={"completionStatus": "HTTP_ERROR"})
    client.get(f"/v1/agents/fx/sessions/{SESSION_ID}", headers=AUTH)  # a fixture session
    client.post("/__admin/stubs", json={"match": {"agentName": "st"}, "respond": {"status": 500}})
    client.get(f"/v1/agents/st/sessions/{SESSION_ID}", headers=AUTH)  # a stub
    client.post("/__admin/stubs", json={"match": {"agentName": "flt"}, "respond": {"status": 200}, "errorRate": 1})
    client.get(f"/v1/agents/flt/sessions/{SESSION_ID}", headers=AUTH)  # a fault the stub injects
    client.get(URL)  # security
    got = statuses(coverage(client))
    assert got["200"]["sources"] == {"generated": 1, "example": 1, "fixture": 1}
    assert got["404"] == {"documented": True, "served": 1, "sources": {"generated": 1}}
    assert got["500"]["sources"] == {"stub": 1, "fault": 1}
    assert got["401"]["sources"] == {"security": 1}
    assert got["422"] == {"documented": False, "served": 1, "sources": {"preference": 1}}
    # Nothing produced an answer the list of sources does not name.
    assert {s for entry in got.values() for s in entry["sources"]} <= set(SOURCES)


def test_the_journal_records_each_answer_operation_and_source(client: FlaskClient) -> None:
    client.get(URL, headers={**AUTH, "Prefer": "example=default"})
    client.get("/v1/typo", headers=AUTH)
    newest, oldest = client.get("/__admin/requests").json["requests"]  # type: ignore[index]
    assert (newest["operation"], newest["source"]) == (None, "routing")
    assert (oldest["operation"], oldest["source"]) == ("getSession", "example")


def test_an_error_rate_counts_as_a_fault(make_mock: MockFactory, tmp_path: Path) -> None:
    app = make_app(make_mock, tmp_path, "ring", error_rate=1.0)
    with app.test_client() as client:
        client.get(URL, headers=AUTH)
        assert statuses(coverage(client))["500"]["sources"] == {"fault": 1}


@pytest.mark.parametrize("kind", ["ring", "state-db"])
def test_coverage_outlives_the_journal_bound(make_mock: MockFactory, tmp_path: Path, kind: str) -> None:
    app = make_app(make_mock, tmp_path, kind, journal_size=2)
    with app.test_client() as client:
        for _ in range(7):
            client.get(URL, headers=AUTH)
        assert len(client.get("/__admin/requests").json["requests"]) == 2  # type: ignore[index]
        assert statuses(coverage(client))["200"]["served"] == 7


def test_served_counts_are_shared_with_forked_processes_and_skip_what_they_do_not_know() -> None:
    counts = ServedCounts(["getSession", "other"])
    pids = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:  # a worker: count and leave at once, without pytest's teardown
            for _ in range(50):
                counts.add("getSession", 200, "generated")
            os._exit(0)
        pids.append(pid)
    for pid in pids:
        assert os.waitpid(pid, 0)[1] == 0
    counts.add("other", 599, "stub")
    counts.add("unknown-operation", 200, "generated")
    counts.add("getSession", 600, "generated")
    counts.add("getSession", 200, "not-a-source")
    assert sorted(counts.rows()) == [("getSession", 200, "generated", 100), ("other", 599, "stub", 1)]
    counts.clear()
    assert counts.rows() == []


# --- pipecat-mock coverage ------------------------------------------------------------------------------


@pytest.fixture
def served(make_mock: MockFactory, tmp_path: Path) -> Iterator[str]:
    """A live mock that served a 200, a 401 and an undocumented 422 (a Prefer it cannot honour) of getSession."""
    app = make_app(make_mock, tmp_path, "ring")
    with serve_in_thread(app) as url:
        with app.test_client() as client:  # the same MockPipeline: the same counts
            client.get(URL, headers=AUTH)
            client.get(URL)
            client.get(URL, headers={**AUTH, "Prefer": "code=999"})
        yield url


def test_the_table_lists_each_status_and_the_share_served(served: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", "--url", served]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["operation", "endpoint", "status", "documented", "served", "sources"]
    rows = [line.split(None, 4) for line in out if line.startswith("getSession ")]
    assert [r[3] for r in rows] == ["200", "401", "404", "422", "500"]
    assert "generated 1" in out[2]
    assert "0 (never)" in next(line for line in out if " 404 " in line)
    assert "security 1" in next(line for line in out if " 401 " in line)
    assert "preference 1" in next(line for line in out if " 422 " in line)
    assert out[-1].startswith("2 of ")  # the 200 and the 401: the 422 is not a documented status


def test_markdown_is_a_table_for_a_ci_summary(served: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", "--url", served, "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## API coverage\n")
    assert "| operation | endpoint | status | documented | served | sources |" in out
    assert "| `getSession` | `GET /agents/{agentName}/sessions/{sessionId}` | 404 | yes | ❌ never |  |" in out
    assert "| `getSession` | `GET /agents/{agentName}/sessions/{sessionId}` | 401 | yes | ✅ 1 | security 1 |" in out
    assert "| `getSession` | `GET /agents/{agentName}/sessions/{sessionId}` | 422 | no | ✅ 1 | preference 1 |" in out


def test_json_is_the_admin_answer(served: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", "--url", served, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert statuses(report)["401"]["sources"] == {"security": 1}


def test_min_gates_on_the_share_of_documented_statuses(served: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", "--url", served, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    share = 100 * report["summary"]["documented_served"] / report["summary"]["documented"]
    assert 0 < share < 99
    assert main(["coverage", "--url", served, "--min", str(int(share))]) == 0
    assert main(["coverage", "--url", served, "--min", str(int(share) + 1)]) == 1
    err = capsys.readouterr().err
    assert f"{share:.1f}% of documented statuses served, under --min" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min", "101"], "--min '101' is not valid. Valid values: a percentage from 0 to 100"),
        (["--min", "many"], "--min 'many' is not valid"),
    ],
)
def test_bad_arguments_say_what_is_accepted(
    served: str, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["coverage", "--url", served, *args]) == 2
    assert message in capsys.readouterr().err


def test_a_wrong_url_gets_a_clear_error(served: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", "--url", served + "/v1"]) == 2
    assert "Give the mock's root URL, without /v1." in capsys.readouterr().err
    assert main(["coverage", "--url", "127.0.0.1:4010"]) == 2
    assert "Valid values: the mock's http(s) URL" in capsys.readouterr().err


def test_the_admin_token_is_sent_and_never_printed(
    make_mock: MockFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(make_mock, tmp_path, "ring", admin_token="adm-secret")
    with serve_in_thread(app) as url:
        assert main(["coverage", "--url", url]) == 2
        assert "--admin-token" in capsys.readouterr().err
        assert main(["coverage", "--url", url, "--admin-token", "adm-secret"]) == 0
        out, err = capsys.readouterr()
        assert "adm-secret" not in out + err


def test_the_docs_show_the_table_the_command_prints(served: str, capsys: pytest.CaptureFixture[str]) -> None:
    docs = (REPO / "docs" / "verification.md").read_text(encoding="utf-8")
    assert main(["coverage", "--url", served]) == 0
    assert capsys.readouterr().out in docs


@pytest.mark.parametrize("kind", ["ring", "state-db"])
def test_an_answer_recorded_without_a_source_counts_as_generated(
    make_mock: MockFactory, tmp_path: Path, kind: str
) -> None:
    app = make_app(make_mock, tmp_path, kind)
    store = app.extensions["pipecat_mock"].control.store
    store.record("GET", URL, {}, {}, 200, None, "getSession", None)
    store.record("GET", "/v1/typo", {}, {}, 404)  # no operation: journaled, not counted
    assert store.served() == [("getSession", 200, "generated", 1)]
    assert len(store.requests()) == 2
