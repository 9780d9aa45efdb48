"""Schemathesis, every check, against the mock serving the official reference (in process, through WSGI).

It finds nothing but what docs/realism.md explains: a 401 from an operation that declares security but
documents no 401, and the 400 the mock answers for a bad request when the operation documents neither 400
nor 422. (Its stateful phase, run by `st run`, also reports that a deleted agent is still there: the mock
keeps no state between requests; the docs say so too.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import settings
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import UndefinedStatusCode

from mockserver import Config, create_app
from mockserver._spec import load_spec

OFFICIAL = Path(__file__).parent / "specs" / "pipecat-cloud-official.json"
SPEC = load_spec(OFFICIAL)
schema = schemathesis.openapi.from_path(OFFICIAL)
schema.app = create_app(Config(spec=OFFICIAL, access_log=False, api_keys=("st-key",)))


def explained(failure: Any) -> bool:
    if not isinstance(failure, UndefinedStatusCode):
        return False
    operation = next(op for op in SPEC.operations if f"{op.method} {op.path}" == failure.operation)
    if failure.status_code == 401:
        return bool(operation.security)
    return failure.status_code == 400 and not {"400", "422"} & set(operation.responses)


@schema.parametrize()
@settings(max_examples=5)
def test_schemathesis_finds_nothing_the_docs_do_not_explain(case: Any) -> None:
    try:
        case.call_and_validate(headers={"Authorization": "Bearer st-key"})
    except FailureGroup as group:
        unexplained = [f for f in group.exceptions if not explained(f)]
        assert unexplained == [], "\n".join(str(f) for f in unexplained)
