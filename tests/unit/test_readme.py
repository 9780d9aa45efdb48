"""The README and the mock-server page cannot go stale.

The README stays a first screen: the two commands that work on a fresh machine, and links that resolve.
docs/mock-server.md: its tables list every option and preference, and its curl outputs are what the mock
answers. Blocks and tables are found by their own shape (a header row, a command line), never by splitting
the text on headings. The runnable examples are files: tests/test_docs_examples.py runs them.
"""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient
from pipecat_cloud_mock.config import OPTIONS
from pipecat_cloud_mock.mocker.negotiate import PREFERENCES

from tests.support import REPO

ROOT = REPO
README = (ROOT / "README.md").read_text(encoding="utf-8")
MOCK = (ROOT / "docs" / "mock-server.md").read_text(encoding="utf-8")
FIRST_SCREEN = "\n".join(README.splitlines()[:60])
RUN_THE_MOCK = "python3.11 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/pipecat-mock serve"
RUN_THE_TESTS = "python3.11 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest"


def test_the_readme_is_short() -> None:
    assert len(README.splitlines()) <= 200


@pytest.mark.parametrize(
    "shown",
    [
        RUN_THE_MOCK,
        RUN_THE_TESTS,
        "curl -H 'Authorization: Bearer any-token' http://127.0.0.1:4010/v1/agents/",
        "def test_a_finished_session(pipecat_mock):",
        "pipecat-mock contract --contract-target https://",
        "[pytest]",
        "(docs/your-tests.md)",
    ],
)
def test_the_first_screen_shows(shown: str) -> None:
    assert shown in FIRST_SCREEN


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/pytest\n" in ci
    assert "mkdocs build --strict" in ci


def _slug(heading: str) -> str:
    # Python-Markdown's toc slugify, which mkdocs uses for anchors.
    text = re.sub(r"[^\w\s-]", "", heading.replace("`", "")).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


LINKS = re.findall(r"\]\(([^)\s]+)\)", README)


def test_the_readme_has_links() -> None:
    assert len(LINKS) >= 10


@pytest.mark.parametrize("link", [link for link in LINKS if "://" not in link])
def test_each_readme_link_resolves(link: str) -> None:
    target, _, anchor = link.partition("#")
    path = ROOT / target
    assert path.is_file(), f"README links to {target}, which does not exist"
    if anchor:
        headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)
        assert anchor in {_slug(h) for h in headings}, f"{target} has no heading for #{anchor}"


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
    [(command, output)] = re.findall(r"```console\n\$ (curl -s .*?json\.tool)\n(\{.*?\n\})\n```", MOCK, re.S)
    path = re.findall(r"http://127\.0\.0\.1:4010(/\S+)", command)[0]
    response = client.get(path, headers={"Authorization": "Bearer any-token"})
    assert response.json == json.loads(output)
