"""The `pipecat_mock` fixture, used the way a user's test suite uses it (pytester, in process).

The documented examples are run by tests/test_docs_examples.py.
"""

from __future__ import annotations

import pytest


def test_each_test_starts_from_the_loaded_state(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import requests

SID = "6f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f"

def test_first(pipecat_mock):
    pipecat_mock.add_session("a", SID, coldStart=True)
    pipecat_mock.add_stub({"match": {"agentName": "b"}, "respond": {"status": 500}})
    requests.get(pipecat_mock.session_url("b", SID), headers=pipecat_mock.headers, timeout=5)
    assert len(pipecat_mock.requests()) == 1
    assert len(pipecat_mock.requests(path_prefix="/v1/agents/b/")) == 1
    assert pipecat_mock.requests(path_prefix="/v1/agents/a/") == []

def test_second(pipecat_mock):
    assert pipecat_mock.admin.sessions() == []
    assert pipecat_mock.admin.stubs() == []
    assert pipecat_mock.requests() == []
    response = requests.get(pipecat_mock.session_url("b", SID), headers=pipecat_mock.headers, timeout=5)
    assert response.status_code == 200
"""
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_an_exception_in_the_server_fails_the_test_that_caused_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import requests
from pipecat_cloud_mock.pipeline import mock as _pipeline

SID = "6f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f"

def test_breaks_the_server(pipecat_mock, monkeypatch):
    def boom(self, request):
        raise RuntimeError("boom inside the mock")
    monkeypatch.setattr(_pipeline.MockPipeline, "_answer", boom)
    response = requests.get(pipecat_mock.session_url("a", SID), headers=pipecat_mock.headers, timeout=5)
    assert response.status_code == 500

def test_after_it(pipecat_mock):
    response = requests.get(pipecat_mock.session_url("a", SID), headers=pipecat_mock.headers, timeout=5)
    assert response.status_code == 200
"""
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_breaks_the_server*", "*boom inside the mock*"])


def test_bad_admin_calls_raise_with_every_problem(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest
from pipecat_cloud_mock.admin_client import AdminError

def test_bad(pipecat_mock):
    with pytest.raises(AdminError) as caught:
        pipecat_mock.add_session("a", "not-a-uuid", coldStart="yes")
    assert caught.value.status == 400
    assert len(caught.value.problems) == 2
    assert "coldStart" in str(caught.value)
"""
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_fixture_follows_a_config_with_api_keys_and_an_admin_token(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import pytest
from pipecat_cloud_mock import Config

@pytest.fixture(scope="session")
def pipecat_mock_config():
    return Config(access_log=False, api_keys=("key-1",), admin_token="admin-secret")
"""
    )
    pytester.makepyfile(
        """
import requests

def test_guarded(pipecat_mock):
    sid = pipecat_mock.add_session("a", coldStart=True)  # the fixture's client sends the admin token
    assert requests.get(pipecat_mock.session_url("a", sid), headers=pipecat_mock.headers, timeout=5).json()["coldStart"]
    wrong = requests.get(pipecat_mock.session_url("a", sid), headers={"Authorization": "Bearer other"}, timeout=5)
    assert wrong.status_code == 401
    assert requests.get(pipecat_mock.url + "/__admin/sessions", timeout=5).status_code == 401
"""
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_flask_and_openapi_core_load_only_when_a_test_asks_for_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import sys

HEAVY = ("flask", "werkzeug", "openapi_core")

def test_without_the_fixture():
    assert [name for name in HEAVY if name in sys.modules] == []

def test_with_the_fixture(pipecat_mock):
    assert all(name in sys.modules for name in HEAVY)
"""
    )
    # A fresh interpreter, as a user's `pytest` is: this process has long imported them.
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_one_server_serves_the_whole_test_session(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
URLS = []

def test_first(pipecat_mock):
    URLS.append(pipecat_mock.url)

def test_second(pipecat_mock):
    assert URLS == [pipecat_mock.url]
"""
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
