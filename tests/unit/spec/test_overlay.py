"""The Overlay 1.0 subset the spec loader applies, and its refusal of what it cannot apply."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipecat_cloud_mock import SpecError, bundled_spec_path, load_spec
from pipecat_cloud_mock.spec.overlay import apply_overlay

DOC = {"openapi": "3.0.0", "paths": {"/a": {"get": {"tags": ["x"]}}}, "info": {"title": "t"}}


def test_update_merges_and_remove_deletes() -> None:
    overlay = {
        "overlay": "1.0.0",
        "actions": [
            {"target": "$.paths['/a'].get", "update": {"tags": ["y"], "summary": "s"}},
            {"target": "$.info.title", "remove": True},
        ],
    }
    result = apply_overlay(DOC, overlay, "o.yaml")
    assert result["paths"]["/a"]["get"] == {"tags": ["x", "y"], "summary": "s"}
    assert result["info"] == {}
    assert DOC["paths"]["/a"]["get"] == {"tags": ["x"]}  # the input is left alone


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"target": "$..get", "update": {}}, "not supported. Valid values"),
        ({"target": "$.nope", "update": {}}, "no node at 'nope'"),
        ({"target": "$.paths"}, "needs `update` or `remove: true`"),
        ({"update": {}}, "needs a `target`"),
    ],
)
def test_bad_actions_are_refused_with_the_reason(action: dict[str, object], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        apply_overlay(DOC, {"overlay": "1.0.0", "actions": [action]}, "o.yaml")


def test_bundled_spec_gets_the_sdk_path_and_a_named_spec_does_not(tmp_path: Path) -> None:
    sdk_path = "/organizations/{org}/services/{agentName}/sessions/{sessionId}"
    assert sdk_path in {op.path for op in load_spec().operations}
    copy = tmp_path / "spec.yaml"
    copy.write_text(bundled_spec_path().read_text())
    assert sdk_path not in {op.path for op in load_spec(copy).operations}
    assert sdk_path in {
        op.path for op in load_spec(copy, overlays=(bundled_spec_path().with_name("sdk-overlay.yaml"),)).operations
    }
