"""Edges of the general object rules that random specs rarely reach."""

from __future__ import annotations

from pipecat_cloud_mock.mocker.walker import MISSING, compile_schema
from pipecat_cloud_mock.seed import rng_for


def test_a_min_max_pair_whose_ranges_barely_overlap_is_still_ordered_and_in_range() -> None:
    # maxBatch may be 0..500 and minBatch 1..: a swap cannot fix minBatch 586 beside maxBatch 0.
    schema = {
        "type": "object",
        "required": ["minBatch", "maxBatch"],
        "properties": {
            "maxBatch": {"type": "integer", "maximum": 500},
            "minBatch": {"type": "integer", "minimum": 1},
        },
    }
    generate = compile_schema(schema)
    crossed = 0
    for n in range(3000):
        value = generate(rng_for("overlap", n), MISSING)
        assert 1 <= value["minBatch"] <= value["maxBatch"] <= 500, value
        crossed += value["minBatch"] == 1 and value["maxBatch"] == 500
    assert crossed > 0  # the overlap case was drawn
