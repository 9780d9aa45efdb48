"""The shortcut for simple string parameters must judge every value exactly as the full validator does."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from pipecat_cloud_mock.pipeline.params import _simple_check

SCHEMAS = [
    {"type": "string"},
    {"type": "string", "format": "uuid"},
    {"type": "string", "format": "date-time", "description": "d"},
    {"type": "string", "format": "no-such-format"},
]
VALUES = st.one_of(
    st.text(),
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.uuids().map(lambda u: "{" + str(u) + "}"),
    st.uuids().map(lambda u: "urn:uuid:" + str(u)),
    st.uuids().map(lambda u: u.hex),
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
)


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.get("format", "plain"))
@given(value=VALUES)
@example(value="")
@example(value=str(uuid.uuid4())[:-1] + "\u0663")
@example(value="800d444a-e67e-4686-afb3-b0de509cccb3 ")
@example(value="800d444ae67e-4686-afb3-b0de509cccb3-")
@example(value="800d444g-e67e-4686-afb3-b0de509cccb3")  # canonical shape, not hex
def test_simple_check_agrees_with_the_validator(schema: dict[str, str], value: str) -> None:
    check = _simple_check(schema)
    assert check is not None
    assert check(value) == OAS30Validator(schema, format_checker=oas30_format_checker).is_valid(value)


@pytest.mark.parametrize(
    "schema", [{"type": "string", "pattern": "^a"}, {"type": "string", "maxLength": 3}, {"type": "integer"}, {}]
)
def test_richer_schemas_keep_the_full_validator(schema: dict[str, object]) -> None:
    assert _simple_check(schema) is None
