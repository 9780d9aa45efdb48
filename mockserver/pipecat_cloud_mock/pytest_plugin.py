"""The `pipecat_mock` pytest fixture (registered through the pytest11 entry point).

One live mock per test session on a free 127.0.0.1 port, reset before every test. Exceptions raised
inside the server thread fail the test whose request caused them (at its teardown), with the traceback.
Change what the server loads by overriding the session-scoped `pipecat_mock_config` fixture.

pytest imports this module in every run of an environment where the package is installed, so it imports
only the standard library and pytest: Flask, openapi-core and the app load when a test first asks for
`pipecat_mock` (tests/unit/test_plugin_import.py guards this, bench/plugin_import.py measures it).
"""

from __future__ import annotations

import re
import threading
import traceback
import uuid
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Unpack

import pytest

if TYPE_CHECKING:
    from flask import Flask
    from werkzeug.serving import BaseWSGIServer

    from pipecat_cloud_mock.admin_client import AdminClient, Clock, JournalEntry, JournalFilters, UnmatchedRequest
    from pipecat_cloud_mock.config import Config

__all__ = ["PipecatMock", "PipecatMockServer"]

STRICT = "pipecat_mock_strict"  # the marker and the ini option of strict mode


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        STRICT, "fail every test that used pipecat_mock and made requests no spec operation matched", type="bool"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{STRICT}(enabled=True): fail this test at teardown when it made requests no spec operation of the "
        "pipecat mock matched (a typo'd path, a wrong method); enabled=False turns the ini option off for it",
    )


class PipecatMockServer:
    """The app on werkzeug's server in a daemon thread; collects exceptions raised while serving."""

    def __init__(self, config: Config) -> None:
        from flask import got_request_exception
        from werkzeug.serving import make_server

        from pipecat_cloud_mock.http.app import create_app

        self.app: Flask = create_app(config)
        self.errors: list[str] = []
        self._lock = threading.Lock()
        got_request_exception.connect(self._on_exception, self.app)
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._serve, name="pipecat-mock", daemon=True)
        self._thread.start()

    def _on_exception(self, sender: Any, exception: BaseException, **_: Any) -> None:
        with self._lock:
            self.errors.append("".join(traceback.format_exception(exception)))

    def _serve(self) -> None:
        try:
            self._server.serve_forever(poll_interval=0.05)
        except BaseException:  # the server loop itself died: the next test must hear of it
            with self._lock:
                self.errors.append(traceback.format_exc())

    def take_errors(self) -> list[str]:
        with self._lock:
            errors, self.errors = self.errors, []
        return errors

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()
        self.app.extensions["pipecat_mock"].control.close()


class PipecatMock:
    """What a test gets: URLs for the code under test, and helpers over the admin API."""

    def __init__(self, server: PipecatMockServer, admin: AdminClient) -> None:
        keys = server.app.extensions["pipecat_mock"].config.api_keys
        # An API key the mock accepts: the configured one, else any token works.
        self.token = keys[0].reveal() if keys else "test-token"
        self.url = server.url  # where the mock listens
        self.api_url = server.url + server.app.extensions["pipecat_mock"].spec.base_path  # e.g. .../v1
        self.admin = admin
        self._base_path = server.app.extensions["pipecat_mock"].spec.base_path
        self._journal_size = server.app.extensions["pipecat_mock"].config.journal_size
        from pipecat_cloud_mock.admin_client import Clock

        self.clock: Clock = Clock(admin)  # freeze / advance the time every session lives in

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def session_url(self, agent_name: str, session_id: str) -> str:
        return f"{self.api_url}/agents/{agent_name}/sessions/{session_id}"

    def add_session(self, agent_name: str, session_id: str | None = None, **fields: Any) -> str:
        """Define a session (fields given are served exactly, the rest generated); returns its id."""
        session_id = session_id or str(uuid.uuid4())
        self.admin.put_session(agent_name, session_id, fields)
        return session_id

    def add_stub(self, rule: Mapping[str, Any]) -> str:
        """A stub rule in the fixture format (match + respond or sequence); it wins over earlier ones."""
        return self.admin.add_stub(rule)

    def requests(self, **filters: Unpack[JournalFilters]) -> list[JournalEntry]:
        """What the code under test called, newest first (filters: path, path_prefix, status, method)."""
        return self.admin.requests(**filters)

    def start_session(self, agent_name: str, **start_request: Any) -> str:
        """Start a session as an app does (POST /v1/public/{agent}/start); returns its id."""
        return str(self.admin.start_session(agent_name, self.token, **start_request)["sessionId"])

    def stop_session(self, agent_name: str, session_id: str) -> dict[str, Any]:
        """Stop a running session (DELETE .../sessions/{id}); the StopResponse."""
        return self.admin.stop_session(agent_name, session_id, self.token)

    def reset(self) -> None:
        self.admin.reset()

    # --- verification and coverage ---

    def count(self, **filters: Unpack[JournalFilters]) -> int:
        """How many requests the journal holds that match the filters."""
        return self.admin.count(**filters)

    def unmatched(self) -> list[UnmatchedRequest]:
        """Requests no spec operation matched (404 from routing, 405), newest first."""
        return self.admin.unmatched()

    def coverage(self) -> dict[str, Any]:
        """Documented and served statuses per operation since this test's reset (GET /__admin/coverage)."""
        return self.admin.coverage()

    def assert_called(self, method: str, path: str | re.Pattern[str], times: int | None = None) -> list[JournalEntry]:
        """Assert the code under test called `method path` `times` times (None: at least once); returns those calls.

        `path`: an exact path, a template whose `{name}` segments match any one segment, or a compiled regex
        matching the whole path; a path without the API's base path (/v1) is also tried under it. `method`
        "*" matches any method. On failure the message lists what was called instead, closest first.
        """
        __tracebackhide__ = True
        from pipecat_cloud_mock.state.verify import check_called

        entries = self.admin.requests(limit=self._journal_size)
        hits, failure = check_called(entries, method, path, times, self._base_path, self._journal_size)
        if failure:
            raise AssertionError(failure)
        return hits

    def assert_no_unmatched(self) -> None:
        """Assert every request reached a spec operation: no 404 from routing, no 405."""
        __tracebackhide__ = True
        from pipecat_cloud_mock.state.verify import unmatched_failure

        failure = unmatched_failure(self.admin.unmatched())
        if failure:
            raise AssertionError(failure)


@pytest.fixture(scope="session")
def pipecat_mock_config() -> Config:
    """Override in your conftest.py (session scope) to load fixtures, use --only-fixtures, a seed, and so on."""
    from pipecat_cloud_mock.config import Config

    return Config(access_log=False)


@pytest.fixture(scope="session")
def pipecat_mock_server(pipecat_mock_config: Config) -> Iterator[PipecatMockServer]:
    server = PipecatMockServer(pipecat_mock_config)
    try:
        yield server
    finally:
        server.stop()


def _strict(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker(STRICT)
    if marker is None:
        return bool(request.config.getini(STRICT))
    return bool(marker.args[0] if marker.args else marker.kwargs.get("enabled", True))


@pytest.fixture
def pipecat_mock(
    pipecat_mock_server: PipecatMockServer, pipecat_mock_config: Config, request: pytest.FixtureRequest
) -> Iterator[PipecatMock]:
    """A live Pipecat Cloud mock, reset to its start-up fixtures; see docs/your-tests.md for examples."""
    from pipecat_cloud_mock.admin_client import AdminClient

    token = pipecat_mock_config.admin_token
    mock = PipecatMock(pipecat_mock_server, AdminClient(pipecat_mock_server.url, token.reveal() if token else None))
    pipecat_mock_server.take_errors()  # an earlier test's leftovers were reported there
    mock.reset()
    yield mock
    errors = pipecat_mock_server.take_errors()
    if errors:
        pytest.fail("the pipecat mock server raised while serving this test:\n" + "\n".join(errors), pytrace=False)
    if _strict(request):
        from pipecat_cloud_mock.state.verify import unmatched_failure

        failure = unmatched_failure(mock.admin.unmatched())
        if failure:
            pytest.fail(f"{STRICT}: in this test {failure}", pytrace=False)
