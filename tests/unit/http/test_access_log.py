"""One access-log line per request, with method, raw path, status and milliseconds, and never the token."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from pipecat_cloud_mock.http import access_log as _access_log

from tests.support.answers import SESSION_ID
from tests.support.mocks import MockFactory

TOKEN = "sk-very-secret-token"
PATH = f"/v1/agents/my-agent/sessions/{SESSION_ID}"
LINE = re.compile(rf"^GET {re.escape(PATH)} 200 \d+\.\dms( seq=\d+[^\n]*)?$")  # then the faults, if any


@pytest.fixture
def access_client(make_mock: MockFactory) -> Iterator[FlaskClient]:
    app = make_mock(access_log=True)
    with app.test_client() as client:
        yield client


def test_in_process_line_goes_to_the_logger(access_client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="pipecat_cloud_mock.access")
    access_client.get(PATH, headers={"Authorization": f"Bearer {TOKEN}"})
    lines = [r.getMessage() for r in caplog.records if r.name == "pipecat_cloud_mock.access"]
    assert len(lines) == 1
    assert LINE.match(lines[0]), lines
    assert TOKEN not in caplog.text


def test_serve_writes_the_same_line_straight_to_its_fd(access_client: FlaskClient) -> None:
    read_end, write_end = os.pipe()
    _access_log.write_to(write_end)
    try:
        access_client.get(PATH, headers={"Authorization": f"Bearer {TOKEN}"})
    finally:
        _access_log.write_to(None)
        os.close(write_end)
    with os.fdopen(read_end) as pipe:
        written = pipe.read()
    assert written.endswith("\n")
    assert LINE.match(written.rstrip("\n")), written
    assert TOKEN not in written


def test_a_closed_log_never_fails_the_request(access_client: FlaskClient) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    os.close(write_end)
    _access_log.write_to(write_end)
    try:
        assert access_client.get(PATH, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    finally:
        _access_log.write_to(None)
