"""One json_path for every message that names a place in a document, and its reading back for fixture bodies."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pipecat_cloud_mock.spec.openapi import json_path
from pipecat_cloud_mock.state.parse import _split

PARTS = st.lists(st.one_of(st.integers(min_value=0, max_value=999), st.text(max_size=8)), max_size=6)


@given(PARTS)
def test_a_path_reads_back_as_the_parts_it_was_made_of(parts: list[str | int]) -> None:
    assert _split(json_path(parts)) == tuple(parts)


def test_identifiers_are_dotted_and_other_keys_quoted() -> None:
    assert json_path(["sessions", "my-agent", 0, "coldStart"]) == 'sessions["my-agent"][0].coldStart'
    assert json_path(["a.b", "123"]) == '["a.b"]["123"]'
