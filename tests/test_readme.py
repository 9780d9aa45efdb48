"""The README's mock-server section cannot go stale: its tables list every option and preference, its
curl outputs are what the mock answers, and its Python example runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from mockserver._config import OPTIONS
from mockserver._negotiate import PREFERENCES

README = Path(__file__).resolve().parent.parent / "README.md"


def section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


MOCK = section("The mock server")


def table_rows(text: str, first_header: str) -> list[list[str]]:
    lines = text[text.index(f"| {first_header} |") :].splitlines()
    rows = []
    for line in lines[2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_the_flag_table_lists_every_option_and_nothing_else() -> None:
    rows = table_rows(MOCK, "Flag")
    documented = {(re.findall(r"`(--[a-z-]+)", flag)[0], env.strip("`")) for flag, env, *_ in rows}
    assert documented == {(o.flag, o.env) for o in OPTIONS}


def test_the_preference_table_lists_every_preference_both_ways() -> None:
    rows = table_rows(MOCK, "Prefer")
    assert sorted(re.findall(r"`(\w+)=", row[0])[0] for row in rows) == sorted(PREFERENCES)
    for row in rows:
        name = re.findall(r"`(\w+)=", row[0])[0]
        assert f"?__{name}=" in row[1]


def test_the_python_example_runs() -> None:
    [code] = re.findall(r"```python\n(.*?)```", MOCK, re.S)
    exec(compile(code, str(README), "exec"), {})  # noqa: S102 - our own README's example


def curl_outputs() -> list[tuple[str, str, int, str]]:
    """(curl line, path, status, body) for each `curl -s -i` example."""
    found = []
    pattern = r"\$ (curl -s -i[^\n]*(?:\\\n[^\n]*)?)\nHTTP/1.1 (\d{3})[^\n]*\n(?:[^\n]+\n)*\n(\{[^\n]*\})"
    for command, status, body in re.findall(pattern, MOCK):
        path = re.findall(r"http://127\.0\.0\.1:4010(/\S+)", command)[0]
        found.append((command, path, int(status), body))
    return found


def test_the_error_examples_are_covered() -> None:
    assert sorted(status for *_, status, _ in curl_outputs()) == [401, 404, 500]


@pytest.mark.parametrize(("command", "path", "status", "body"), curl_outputs(), ids=lambda v: str(v)[:30])
def test_the_curl_outputs_are_what_the_mock_answers(
    client: FlaskClient, command: str, path: str, status: int, body: str
) -> None:
    headers = dict(re.findall(r"-H '([^:]+): ([^']*)'", command))
    response = client.get(path, headers=headers)
    assert response.status_code == status
    assert response.data.decode() == body


def test_the_200_example_is_what_the_mock_answers(client: FlaskClient) -> None:
    start = MOCK.index("### 200")
    block = MOCK[start : MOCK.index("```\n", MOCK.index("```console", start) + 10)]
    body = json.loads(block[block.index("\n{") :])
    path = re.findall(r"http://127\.0\.0\.1:4010(/\S+)", block)[0]
    response = client.get(path, headers={"Authorization": "Bearer any-token"})
    assert response.json == body
