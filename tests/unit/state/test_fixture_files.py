"""Fixture files: the examples load; every kind of bad file is refused with file, JSON path and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pipecat_cloud_mock.cli.main import main
from pipecat_cloud_mock.errors import FixtureError
from pipecat_cloud_mock.spec.loader import load_spec
from pipecat_cloud_mock.state.files import load_fixtures
from pipecat_cloud_mock.state.parse import FixtureParser, Report

from tests.support import REPO

EXAMPLES = REPO / "fixtures"
SID = "800d444a-e67e-4686-afb3-b0de509cccb3"


@pytest.fixture(scope="module")
def parser() -> FixtureParser:
    return FixtureParser(load_spec())


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(directory: Path, parser: FixtureParser) -> list[str]:
    with pytest.raises(FixtureError) as caught:
        load_fixtures(directory, parser=parser)
    return [str(p) for p in caught.value.problems]


def test_the_example_fixtures_load(parser: FixtureParser) -> None:
    fixtures = load_fixtures(EXAMPLES, parser=parser)
    assert ("support-bot", SID) in fixtures.sessions
    assert ("voice-bot", "3e5a7c9b-1d2f-4b6a-8e0c-2f4a6c8e0b1d") in fixtures.sessions  # the JSON file
    assert [s.id for s in fixtures.stubs] == ["flaky-session", "gone-session", "slow-agents", "revoked-key"]
    assert [r.status for r in fixtures.stubs[0].responses] == [500, 500, 200]


def test_unquoted_yaml_timestamps_stay_the_strings_written(parser: FixtureParser) -> None:
    fixtures = load_fixtures(EXAMPLES, parser=parser)
    assert fixtures.sessions[("support-bot", SID)]["createdAt"] == "2025-10-22T08:39:20.000Z"


def test_every_problem_in_every_file_is_reported_with_file_and_path(tmp_path: Path, parser: FixtureParser) -> None:
    write(
        tmp_path,
        "a.yaml",
        f"""
sessions:
  my-agent:
    {SID}:
      coldStart: "yes"
      botStartSeconds: 1.5
      resourceMetrics: {{cpuMillicoresP50: fast}}
      sesionId: x
    not-a-uuid: {{}}
stub:
  - respond: {{status: 200}}
""",
    )
    write(tmp_path, "b.json", json.dumps({"stubs": [{"match": {"agentName": 7}, "respond": {"status": 418}}]}))
    found = problems_of(tmp_path, parser)
    a, b = str(tmp_path / "a.yaml"), str(tmp_path / "b.json")
    expected = [
        (a, f'sessions["my-agent"]["{SID}"].coldStart', "is not of type 'boolean'"),
        (a, f'sessions["my-agent"]["{SID}"].botStartSeconds', "is not of type 'integer'"),
        (a, f'sessions["my-agent"]["{SID}"].resourceMetrics.cpuMillicoresP50', "is not of type 'integer'"),
        (a, f'sessions["my-agent"]["{SID}"].sesionId', "Did you mean 'sessionId'?"),
        (a, 'sessions["my-agent"]["not-a-uuid"]', "is not a 'uuid'"),
        (a, "stub", "Did you mean 'stubs'?"),
        (b, "stubs[0].match.agentName", "expected an exact string or {regex: <pattern>}; got a number"),
        (b, "stubs[0].respond.status", "418 is not a status the API documents. Valid values: 200, 400, 401, 404, 500."),
    ]
    for file, where, reason in expected:
        assert any(p.startswith(f"{file}: {where}: ") and reason in p for p in found), (where, found)
    assert len(found) == len(expected), found


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        ("sessions: [1, 2]", "sessions", "expected a mapping agentName -> sessionId -> session; got a list"),
        ("sessions: {a: 3}", "sessions.a", "expected a mapping sessionId -> session; got a number"),
        (f"sessions: {{a: {{{SID}: [1]}}}}", f'sessions.a["{SID}"]', "a session is a mapping"),
        ("stubs: {a: 1}", "stubs", "expected a list of stub rules; got a mapping"),
        ("stubs: [3]", "stubs[0]", "a stub is a mapping"),
        ("stubs: [{match: {}}]", "stubs[0]", "needs exactly one of `respond`"),
        ("stubs: [{respond: {}, sequence: []}]", "stubs[0]", "needs exactly one of `respond`"),
        ("stubs: [{sequence: []}]", "stubs[0].sequence", "non-empty list"),
        ("stubs: [{respond: {status: '500'}}]", "stubs[0].respond.status", "expected a whole number; got a string"),
        ("stubs: [{respond: {status: true}}]", "stubs[0].respond.status", "got a boolean"),
        ("stubs: [{respond: {stauts: 500}}]", "stubs[0].respond.stauts", "Did you mean 'status'?"),
        ("stubs: [{respond: {status: 404, body: {error: 3}}}]", "stubs[0].respond.body.error", "not of type 'string'"),
        ("stubs: [{respond: {status: 200, body: {coldStart: 1}}}]", "stubs[0].respond.body.coldStart", "boolean"),
        ("stubs: [{respond: {fault: rest}}]", "stubs[0].respond.fault", "Did you mean 'reset'?"),
        ("stubs: [{respond: {latency: soon}}]", "stubs[0].respond.latency", "is not a latency"),
        (
            "stubs: [{respond: {latency: {uniform: [300, 100]}}}]",
            "stubs[0].respond.latency",
            "minimum above its maximum",
        ),
        (
            "stubs: [{respond: {latency: {normal: 5}}}]",
            "stubs[0].respond.latency",
            "{fixed: 250}, {uniform: [100, 300]}",
        ),
        ("stubs: [{respond: {}, errorRate: 1.5}]", "stubs[0].errorRate", "a number from 0 to 1"),
        ("stubs: [{respond: {}, errorRate: true}]", "stubs[0].errorRate", "a number from 0 to 1"),
        ("stubs: [{respond: {}, match: {agentName: {regex: '('}}}]", "stubs[0].match.agentName.regex", "regular"),
        ("stubs: [{respond: {}, match: {agentName: {regexp: a}}}]", "stubs[0].match.agentName.regexp", "'regex'"),
        ("stubs: [{respond: {}, match: {headers: {'a b': x}}}]", 'stubs[0].match.headers["a b"]', "header name"),
        ("stubs: [{respond: {}, match: {agent: x}}]", "stubs[0].match.agent", "Did you mean 'agentName'?"),
        ("stubs: [{respond: {}, id: 'has space'}]", "stubs[0].id", "is not a stub id"),
        ("[1, 2]", "", "a fixture file is a mapping"),
    ],
)
def test_bad_types_and_unknown_keys(tmp_path: Path, parser: FixtureParser, text: str, where: str, reason: str) -> None:
    write(tmp_path, "f.yaml", text)
    found = problems_of(tmp_path, parser)
    assert any((f": {where}: " if where else ": ") in p and reason in p for p in found), found


def test_one_bad_file_means_nothing_is_loaded(tmp_path: Path, parser: FixtureParser) -> None:
    write(tmp_path, "a-good.yaml", f"sessions: {{x: {{{SID}: {{}}}}}}")
    write(tmp_path, "b-bad.yaml", "stubs: [{respond: {status: 418}}]")
    (problem,) = problems_of(tmp_path, parser)
    assert problem.startswith(str(tmp_path / "b-bad.yaml"))


def test_broken_yaml_names_the_line(tmp_path: Path, parser: FixtureParser) -> None:
    write(tmp_path, "bad.yaml", "sessions:\n  a: [unclosed\n")
    (problem,) = problems_of(tmp_path, parser)
    assert problem.startswith(f"{tmp_path / 'bad.yaml'}: not valid YAML")
    assert "line" in problem


def test_broken_json(tmp_path: Path, parser: FixtureParser) -> None:
    write(tmp_path, "bad.json", '{"sessions": ')
    (problem,) = problems_of(tmp_path, parser)
    assert "not valid JSON" in problem


@pytest.mark.parametrize("name", ["dup.yaml", "dup.json"])
def test_duplicate_keys_are_refused_not_silently_overwritten(tmp_path: Path, parser: FixtureParser, name: str) -> None:
    text = "stubs: []\nstubs: []\n" if name.endswith("yaml") else '{"stubs": [], "stubs": []}'
    write(tmp_path, name, text)
    (problem,) = problems_of(tmp_path, parser)
    assert "duplicate key 'stubs'" in problem


def test_a_session_defined_in_two_files_and_a_reused_stub_id(tmp_path: Path, parser: FixtureParser) -> None:
    for name in ("a.yaml", "b.yaml"):
        write(tmp_path, name, f"sessions: {{x: {{{SID}: {{}}}}}}\nstubs: [{{id: same, respond: {{}}}}]")
    found = problems_of(tmp_path, parser)
    assert any("also defined in" in p and p.startswith(str(tmp_path / "b.yaml")) for p in found), found
    assert any("stub id 'same' is also used in" in p for p in found), found


def test_a_session_id_field_that_contradicts_its_key(tmp_path: Path, parser: FixtureParser) -> None:
    write(tmp_path, "f.yaml", f"sessions: {{x: {{{SID}: {{sessionId: 11111111-2222-4333-8444-555555555555}}}}}}")
    (problem,) = problems_of(tmp_path, parser)
    assert "differs from the session's key" in problem


def test_missing_directory_file_instead_of_directory_and_empty_directory(tmp_path: Path, parser: FixtureParser) -> None:
    assert "directory not found" in problems_of(tmp_path / "nope", parser)[0]
    assert "not a directory" in problems_of(write(tmp_path, "f.yaml", ""), parser)[0]
    (tmp_path / "empty").mkdir()
    assert "no fixture files here" in problems_of(tmp_path / "empty", parser)[0]


def test_stubs_survive_the_round_trip_through_their_plain_form(parser: FixtureParser) -> None:
    for stub in load_fixtures(EXAMPLES, parser=parser).stubs:
        again = parser.stub(json.loads(json.dumps(stub.to_plain())), Report("x"), (), default_id="")
        assert again == stub


def test_check_fixtures_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-fixtures", str(EXAMPLES)]) == 0
    assert "OK: 5 session(s), 4 stub(s)" in capsys.readouterr().out
    write(tmp_path, "f.yaml", "stubs: [{respond: {status: 418}}, {respond: {fault: rest}}]")
    assert main(["check-fixtures", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "2 fixture problems; nothing was loaded" in err
    assert "stubs[0].respond.status" in err
    assert "stubs[1].respond.fault" in err


@pytest.mark.usefixtures("refuse_to_serve")
def test_serve_refuses_bad_fixtures_with_exit_status_2_before_listening(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "f.yaml", "sessions: {a: {not-a-uuid: {}}}")
    assert main(["serve", "--fixtures", str(tmp_path), "--port", "0"]) == 2
    assert "is not a 'uuid'" in capsys.readouterr().err


def test_the_format_documentation_examples_are_valid(tmp_path: Path, parser: FixtureParser) -> None:
    import re

    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 2
    for index, block in enumerate(blocks):
        write(tmp_path, f"doc-{index}.yaml", block)
    fixtures = load_fixtures(tmp_path, parser=parser)
    assert len(fixtures.sessions) == 2
    assert len(fixtures.stubs) == 2
