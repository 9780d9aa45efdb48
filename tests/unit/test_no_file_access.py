"""No request can make the mock read a file: names from requests are never paths."""

from __future__ import annotations

import ast
from pathlib import Path

import pipecat_cloud_mock
from flask.testing import FlaskClient

PACKAGE = Path(pipecat_cloud_mock.__file__).parent
FILE_READS = {"read_text", "read_bytes", "open", "iterdir", "glob", "rglob", "listdir", "scandir"}
# Where files are read, and what from: the spec (start-up), fixture files (start-up, from --fixtures).
ALLOWED = {"spec/loader", "state/files", "record/proxy"}  # record/proxy: its own recorded.yaml, to continue it
# Lock files the mock makes itself (a temporary file; --state-db's FILE.lock), opened by path, never by a request.
ALLOWED |= {"locks", "state/store"}
# The contract kit's in-process target: `open` is the WSGI test client's request, not a file.
ALLOWED |= {"contract/target"}


def _file_calls(path: Path) -> set[str]:
    calls = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in FILE_READS:
                calls.add(name)
    return calls


# Every module at any depth, so moving modules into subpackages cannot leave this test checking nothing.
MODULES = sorted(PACKAGE.rglob("*.py"))
MIN_MODULES = 30


def test_only_start_up_modules_read_files() -> None:
    assert len(MODULES) >= MIN_MODULES, f"only {len(MODULES)} modules found under {PACKAGE}: is the walk broken?"
    readers = {p.relative_to(PACKAGE).with_suffix("").as_posix() for p in MODULES if _file_calls(p)}
    assert readers <= ALLOWED, f"{sorted(readers - ALLOWED)} read files; only {sorted(ALLOWED)} may"
    assert _file_calls(PACKAGE / "state" / "files.py")  # the scan does see reads


def test_path_like_names_in_requests_are_just_names(client: FlaskClient) -> None:
    sid = "800d444a-e67e-4686-afb3-b0de509cccb3"
    for agent in ("..%2F..%2Fpyproject.toml", "%2Fetc%2Fpasswd", "fixtures%2Fsessions.yaml"):
        response = client.get(f"/v1/agents/{agent}/sessions/{sid}", headers={"Authorization": "Bearer t"})
        assert response.status_code == 200
        assert response.json is not None
        assert set(response.json) >= {"sessionId", "createdAt"}  # a generated session, not a file
        assert b"[project]" not in response.data
        assert b"root:" not in response.data
