"""Whatever a fixture file or admin body holds, the parser answers with problems, never an exception."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pipecat_cloud_mock.spec.loader import load_spec
from pipecat_cloud_mock.state.parse import FixtureParser, Report, json_path

PARSER = FixtureParser(load_spec())
# Keys of the format and of SessionResponse, so generated documents reach deep into the checks.
FORMAT_KEYS = "sessions stubs match respond sequence errorRate status body latency fault id agentName sessionId"
SCHEMA_KEYS = "headers regex fixed uniform lognormal median p99 coldStart resourceMetrics timeseries meetingIds"
KEYS = st.sampled_from([*FORMAT_KEYS.split(), *SCHEMA_KEYS.split(), "800d444a-e67e-4686-afb3-b0de509cccb3"]) | st.text(
    max_size=8
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["250ms", "reset", "slow-.*", "(", "HTTP_COMPLETED", "2025-10-22T08:39:20.000Z"])
)
DOCUMENTS = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5), max_leaves=30
)


@given(DOCUMENTS)
def test_any_document_gives_problems_or_a_valid_fixture_never_an_exception(data: Any) -> None:
    report = Report("f.yaml")
    sessions, stubs = PARSER.document(data, report, id_prefix="f")
    if report.problems:
        assert all(p.source == "f.yaml" and p.message for p in report.problems)
    assert all(isinstance(agent, str) and isinstance(sid, str) for agent, sid in sessions)
    for stub in stubs:  # whatever was accepted survives the store's round trip unchanged
        plain = json.loads(json.dumps(stub.to_plain()))
        assert PARSER.stub(plain, Report("again"), (), default_id="") == stub


# Stub rules shaped like real ones, each value either plausible or junk, to reach every check quickly.
MATCHERS = SCALARS | st.fixed_dictionaries({"regex": SCALARS}) | DOCUMENTS
LATENCIES = (
    SCALARS
    | st.fixed_dictionaries({"fixed": SCALARS})
    | st.fixed_dictionaries({"uniform": st.lists(SCALARS, max_size=3)})
    | st.fixed_dictionaries({"lognormal": st.dictionaries(st.sampled_from(["median", "p99", "p90"]), SCALARS)})
)
RESPONSES = (
    st.fixed_dictionaries(
        {},
        optional={
            "status": st.sampled_from([200, 401, 404, 500, 418, "500", True, None]) | SCALARS,
            "body": DOCUMENTS,
            "latency": LATENCIES,
            "fault": st.sampled_from(["reset", "empty", "truncate", "slow", "rest"]) | SCALARS,
        },
    )
    | DOCUMENTS
)
RULES = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=8) | SCALARS,
        "match": st.fixed_dictionaries(
            {},
            optional={
                "agentName": MATCHERS,
                "sessionId": MATCHERS,
                "headers": st.dictionaries(st.text(max_size=6), MATCHERS, max_size=3) | SCALARS,
            },
        )
        | SCALARS,
        "respond": RESPONSES,
        "sequence": st.lists(RESPONSES, max_size=3) | SCALARS,
        "errorRate": SCALARS,
    },
) | st.dictionaries(KEYS, DOCUMENTS, max_size=6)


@given(RULES)
def test_any_stub_rule_gives_a_stub_or_problems(rule: dict[str, Any]) -> None:
    report = Report("admin")
    stub = PARSER.stub(rule, report, (), default_id="x")
    assert (stub is None) == bool(report.problems)


FULL_DOCUMENT: dict[str, Any] = {
    "sessions": {
        "agent": {
            "800d444a-e67e-4686-afb3-b0de509cccb3": {
                "coldStart": True,
                "resourceMetrics": {"cpuMillicoresP50": 1, "timeseries": [{"t": 1, "c": 2, "m": 3}]},
                "meetingIds": [{"meetingId": "m"}],
            }
        }
    },
    "stubs": [
        {
            "id": "s",
            "description": "d",
            "match": {"agentName": {"regex": "a.*"}, "sessionId": "x", "headers": {"X-A": {"regex": "b"}}},
            "sequence": [
                {"status": 500, "latency": {"uniform": [1, 2]}, "fault": "reset"},
                {"status": 200, "body": {"coldStart": False}, "latency": {"lognormal": {"median": 1, "p99": 2}}},
            ],
            "errorRate": 0.5,
        },
        {"respond": {"status": 404, "body": {"error": "e", "code": "404"}, "latency": "250ms"}},
    ],
}
JUNK: list[Any] = [None, 5, -1.5, float("nan"), True, "", "(", [], [5], {}, {"regex": 5}, {"x": None}]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


def test_the_full_document_is_valid() -> None:
    report = Report("f")
    PARSER.document(FULL_DOCUMENT, report, "f")
    assert report.problems == []


def test_junk_at_every_position_of_a_full_document_gives_problems_there_not_exceptions() -> None:
    paths = _paths(FULL_DOCUMENT)
    assert ("stubs", 0, "sequence", 1, "latency", "lognormal", "p99") in paths  # the walk reaches the leaves
    for path in paths:
        at = json_path(path)
        rejected = []
        for junk in JUNK:
            report = Report("f")
            PARSER.document(_replaced(FULL_DOCUMENT, path, junk), report, "f")  # must not raise
            for problem in report.problems:  # each problem points at the junk, or at what holds it
                assert problem.where.startswith(at) or at.startswith(problem.where), (at, junk, problem)
            if report.problems:
                rejected.append(junk)
        assert rejected, f"no junk value at {at} gave a problem: nothing checks that position"
