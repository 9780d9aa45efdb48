"""The generic schema walker: a field a future spec adds, in any common format, is generated valid."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pipecat_cloud_mock.mocker.walker import MISSING, compile_schema
from pipecat_cloud_mock.seed import rng_for
from pipecat_cloud_mock.spec.openapi import schema_violations

STRING_FORMATS = ("uuid", "date-time", "date", "time", "email", "idn-email", "ipv4", "ipv6", "byte", "hostname", "uri")
FUTURE_FIELDS: dict[str, Any] = {
    "type": "object",
    "properties": {f"{fmt.replace('-', '_')}": {"type": "string", "format": fmt} for fmt in STRING_FORMATS}
    | {
        "count32": {"type": "integer", "format": "int32"},
        "count64": {"type": "integer", "format": "int64", "minimum": 10, "maximum": 20},
        "ratio": {"type": "number", "format": "float", "minimum": 0, "maximum": 1},
        "ratioExclusive": {"type": "number", "minimum": 0, "maximum": 1, "exclusiveMinimum": True},
        "short": {"type": "string", "minLength": 3, "maxLength": 5},
        "status": {"type": "string", "enum": ["a", "b"], "nullable": True},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 0, "maxItems": 3},
        "nested": {"allOf": [{"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}]},
        "either": {"oneOf": [{"type": "string", "format": "email"}, {"type": "integer"}]},
    },
}
FUTURE_FIELDS["required"] = list(FUTURE_FIELDS["properties"])  # every field present: each format is checked


@given(seed=st.integers(0, 2**32))
def test_every_format_the_validator_checks_is_generated_valid(seed: int) -> None:
    value = compile_schema(FUTURE_FIELDS)(rng_for(seed, "walker"), MISSING)
    assert schema_violations(FUTURE_FIELDS, value) == []
    assert set(value) == set(FUTURE_FIELDS["properties"])


def test_provided_values_are_merged_objects_recursively_and_kept_verbatim_otherwise() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}, "o": FUTURE_FIELDS}}
    value = compile_schema(schema, keep_extra=False)(rng_for(1), {"a": 7, "o": {"short": "abcd"}, "extra": 1})
    assert value["a"] == 7
    assert value["o"]["short"] == "abcd"
    assert "extra" not in value
    assert "uuid" in value["o"]


def test_an_object_given_every_field_in_order_still_merges_its_nested_objects() -> None:
    """The walker's fast path (every field given, in the schema's order) must not skip nested merges."""
    schema = {"type": "object", "properties": {"a": {"type": "integer"}, "o": FUTURE_FIELDS}}
    generate = compile_schema(schema, keep_extra=False)
    given = {"a": 7, "o": {"short": "abcd"}}
    value = generate(rng_for(1), given)
    assert value["o"]["short"] == "abcd"
    assert set(value["o"]) == set(FUTURE_FIELDS["properties"])
    assert value == generate(rng_for(1), {"o": given["o"], "a": 7})  # same as the general path
    assert given == {"a": 7, "o": {"short": "abcd"}}  # what was given is not changed


def test_boolean_schemas_and_tuple_items_do_not_break_the_walker() -> None:
    schema = {
        "type": "object",
        "properties": {"anything": True, "pair": {"type": "array", "items": [{"type": "integer"}]}},
        "additionalProperties": True,
    }
    value = compile_schema(schema)(rng_for(3), MISSING)
    assert isinstance(value["pair"], list)
    assert "anything" in value or len(value) == 1
