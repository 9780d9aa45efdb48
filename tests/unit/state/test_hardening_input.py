"""Bounded input: regex stubs, YAML aliases, nesting, lone surrogates, sizes and quotes of bad values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from pipecat_cloud_mock.errors import FixtureError
from pipecat_cloud_mock.state.files import load_fixtures
from pipecat_cloud_mock.state.limits import MAX_ADMIN_BODY, MAX_FIXTURE_FILE

from tests.support import REPO
from tests.support.mocks import MockFactory
from tests.support.servers import CLI

SID = "800d5d4a-0fe4-4a3f-b4c8-6a0b86d9b0b5"
ROOT = REPO


@pytest.fixture
def client(make_mock: MockFactory) -> FlaskClient:
    return make_mock.client()


def _problems(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(FixtureError) as caught:
        load_fixtures(tmp_path)
    return str(caught.value)


def _check_fixtures(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, "check-fixtures", str(directory)], capture_output=True, text=True, timeout=120, check=False
    )


# --- item 4: regex stubs ------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["(a+)+$", r"(\w+\s?)*$", "((a+)b?)+", "(a*)*"])
def test_a_catastrophic_regex_stub_is_a_400_naming_the_pattern(client: FlaskClient, pattern: str) -> None:
    rule = {"match": {"sessionId": {"regex": pattern}}, "respond": {"status": 500}}
    response = client.post("/__admin/stubs", json=rule)
    assert response.status_code == 400
    [problem] = response.json["problems"]
    assert problem["where"] == "match.sessionId.regex"
    assert repr(pattern) in problem["message"]
    assert client.get("/__admin/stubs").json["stubs"] == []


def test_a_catastrophic_regex_in_a_fixture_file_is_refused(tmp_path: Path) -> None:
    text = "stubs: [{match: {agentName: {regex: '(x*y?)*z'}}, respond: {status: 500}}]\n"
    assert "'(x*y?)*z'" in _problems(tmp_path, "f.yaml", text)


@pytest.mark.parametrize(
    "pattern", ["[a-z]+-bot", "a{2,5}", "(GET|POST)", "(ab)+", "x(a|b)*y", "(?i)sales.*", r"(\d+\.)+\d+", "([a-z]+-)+x"]
)
def test_ordinary_regexes_are_accepted(client: FlaskClient, pattern: str) -> None:
    rule = {"match": {"agentName": {"regex": pattern}}, "respond": {"status": 500}}
    assert client.post("/__admin/stubs", json=rule).status_code == 201


def test_a_backtracking_regex_that_passes_the_check_is_cut_off_when_it_matches() -> None:
    # (a|aa)+$ has no nested repeat, yet backtracks exponentially on a's followed by a b: every match of a
    # stub pattern has a time limit, so the request is answered (as if the stub did not match).
    script = f"""
from pipecat_cloud_mock import Config, create_app
client = create_app(Config()).test_client()
rule = {{"match": {{"agentName": {{"regex": "(a|aa)+$"}}}}, "respond": {{"status": 500}}}}
assert client.post("/__admin/stubs", json=rule).status_code == 201
agent = "a" * 80 + "b"
answer = client.get(f"/v1/agents/{{agent}}/sessions/{SID}", headers={{"Authorization": "Bearer k"}})
print(answer.status_code)
"""
    try:
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail("one request to a backtracking stub pattern held its worker for 2 minutes")
    assert result.stdout.split() == ["200"], result.stderr


# --- item 5: YAML aliases ------------------------------------------------------------------------

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
stubs: [{respond: {status: 200, body: *g}}]
"""


def test_a_yaml_bomb_is_refused_at_its_first_alias(tmp_path: Path) -> None:
    message = _problems(tmp_path, "bomb.yaml", BOMB)
    assert "aliases (*a) are not accepted" in message
    result = _check_fixtures(tmp_path)
    assert result.returncode == 2
    assert "aliases" in result.stderr


def test_a_yaml_merge_key_is_an_alias_too(tmp_path: Path) -> None:
    text = "base: &base {status: 500}\nstubs: [{respond: {<<: *base}}]\n"
    assert "aliases (*base)" in _problems(tmp_path, "merge.yaml", text)


# --- item 9: nesting, lone surrogates, malformed bodies ---------------------------------------------


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_deep_nesting_in_a_fixture_file_is_a_problem_not_a_traceback(tmp_path: Path, suffix: str) -> None:
    deep = "[" * 5000 + "]" * 5000
    text = f'{{"stubs": [{{"respond": {{"status": 200, "body": {deep}}}}}]}}'
    message = _problems(tmp_path, f"deep.{suffix}", text)
    assert "nested" in message
    result = _check_fixtures(tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr) < 5000


def test_moderate_nesting_past_the_limit_is_named(tmp_path: Path) -> None:
    deep = "[" * 100 + "]" * 100
    message = _problems(tmp_path, "deep.json", f'{{"stubs": [{{"respond": {{"status": 200, "body": {deep}}}}}]}}')
    assert "nested deeper than 64 levels" in message


def test_deep_admin_json_is_a_400(client: FlaskClient) -> None:
    body = '{"region": ' + "[" * 3000 + "]" * 3000 + "}"
    response = client.put(f"/__admin/sessions/a/{SID}", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in json.dumps(response.json)


def test_a_lone_surrogate_is_refused_by_the_admin_api(client: FlaskClient) -> None:
    response = client.put(f"/__admin/sessions/a/{SID}", data='{"region": "\\ud800"}', content_type="application/json")
    assert response.status_code == 400
    assert "lone surrogate" in response.json["problems"][0]["message"]
    assert client.get(f"/v1/agents/a/sessions/{SID}", headers={"Authorization": "Bearer k"}).status_code == 200


def test_a_lone_surrogate_is_refused_in_a_fixture_file(tmp_path: Path) -> None:
    text = '{"sessions": {"a": {"' + SID + '": {"region": "\\ud800"}}}}'
    assert "lone surrogate" in _problems(tmp_path, "s.json", text)


# --- item 10: sizes and quotes ---------------------------------------------------------------------


def test_an_admin_body_over_the_limit_is_a_413(client: FlaskClient) -> None:
    body = b'{"region": "' + b"x" * MAX_ADMIN_BODY + b'"}'
    response = client.put(f"/__admin/sessions/a/{SID}", data=body, content_type="application/json")
    assert response.status_code == 413
    assert "limit" in response.json["error"]
    assert client.get("/__admin/sessions").json["sessions"] == []


def test_a_400_quotes_only_an_excerpt_of_a_huge_bad_value(client: FlaskClient) -> None:
    huge = "y" * 1_000_000
    response = client.put(f"/__admin/sessions/a/{SID}", json={"coldStart": huge}, content_type="application/json")
    assert response.status_code == 400
    assert len(response.data) < 4000
    assert "coldStart" in json.dumps(response.json)


def test_a_fixture_file_over_the_size_limit_exits_2_with_a_problem(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as file:
        file.truncate(MAX_FIXTURE_FILE + 1)  # sparse: no real disk used
    result = _check_fixtures(tmp_path)
    assert result.returncode == 2
    assert "the limit is 16 MiB" in result.stderr
    assert "MemoryError" not in result.stderr
    os.unlink(big)
