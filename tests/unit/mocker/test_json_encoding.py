"""pipecat_cloud_mock.mocker.encode.dumps: compact JSON that reads back as the same value, whichever encoder runs."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from pipecat_cloud_mock.mocker.encode import dumps

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
@example([5.4e-05])
@example([2.35e-09])
@example([1e16, 1e22, -0.0])
@example("caf\u00e9")
@example("\x7f")
@example('\x1f \b\f\n\t"\\ /')
@example({"int": 2**64, "neg": -(2**63) - 1})
@example({"timeseries": [{"t": 1_793_491_200, "c": 310, "m": 301_989_888}], "endedAt": None})
def test_dumps_round_trips_deterministically(value: Any) -> None:
    out = dumps(value)
    assert json.loads(out) == value
    assert out == dumps(value)  # deterministic


def test_non_string_keys_fall_back_like_json_dumps() -> None:
    assert dumps({1: [True, None]}) == b'{"1":[true,null]}'
