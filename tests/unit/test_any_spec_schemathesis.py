"""Schemathesis, every check, against the mock serving the official reference (in process, through WSGI).

It finds nothing but what docs/realism.md explains: a 401 from an operation that declares security but
documents no 401; the 400 the mock answers for a bad request when the operation documents neither 400 nor
422; a query parameter the operation does not name, ignored as the real API does. (Its stateful phase, run
by `st run`, also reports that a deleted agent is still there: the mock keeps no state between requests.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from pipecat_cloud_mock import Config, create_app
from pipecat_cloud_mock.spec.loader import load_spec
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import UndefinedStatusCode
from schemathesis.specs.openapi.checks import AcceptedNegativeData

from tests.support.specs import OFFICIAL

SPEC = load_spec(OFFICIAL)
schema = schemathesis.openapi.from_path(OFFICIAL)
schema.app = create_app(Config(spec=OFFICIAL, access_log=False, api_keys=("st-key",)))  # schemathesis needs it now


@pytest.fixture(scope="module", autouse=True)
def _close_the_app() -> Iterator[None]:
    yield
    schema.app.extensions["pipecat_mock"].control.close()


def explained(failure: Any) -> bool:
    if isinstance(failure, AcceptedNegativeData):
        # Its only "violation" is a query parameter the operation does not name: ignored, as the real API does.
        invalid = [line.strip() for line in failure.message.splitlines() if line.strip().startswith("- ")]
        return invalid == ["- query: violates `additionalProperties`"]
    if not isinstance(failure, UndefinedStatusCode):
        return False
    operation = next(op for op in SPEC.operations if f"{op.method} {op.path}" == failure.operation)
    if failure.status_code == 401:
        return bool(operation.security)
    return failure.status_code == 400 and not {"400", "422"} & set(operation.responses)


STATUSES: list[int] = []
REACHED: set[str] = set()  # operations that answered something other than a 404 at least once


@schema.parametrize()
def test_schemathesis_finds_nothing_the_docs_do_not_explain(case: Any) -> None:
    # The valid key replaces the token schemathesis made up; a case that leaves the header out keeps it out.
    headers = {"Authorization": "Bearer st-key"} if "Authorization" in (case.headers or {}) else None
    try:
        # The operation's own server: schemathesis' WSGI transport otherwise puts every path under the global
        # one (/v1), and the start and proxy operations live under their path-level /v1/public.
        response = case.call_and_validate(headers=headers, base_url=case.operation.base_url)
        STATUSES.append(response.status_code)
        if response.status_code != 404:
            REACHED.add(f"{case.operation.method.upper()} {case.operation.path}")
    except FailureGroup as group:
        unexplained = [f for f in group.exceptions if not explained(f)]
        assert unexplained == [], "\n".join(str(f) for f in unexplained)


def test_schemathesis_got_past_authentication() -> None:
    """Runs after the cases above (same module, in order): hundreds of answers were 2xx bodies, few were 401s."""
    assert sum(1 for s in STATUSES if s < 300) > 100, sorted(set(STATUSES))
    assert STATUSES.count(401) < len(STATUSES) / 4
    # Routing found every operation (under its own server, /v1/public for start and the proxy): none only 404s.
    assert {f"{op.method} {op.path}" for op in SPEC.operations} == REACHED
