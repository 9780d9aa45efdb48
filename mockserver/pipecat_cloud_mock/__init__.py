"""pipecat-cloud-mock: a spec-driven mock of the Pipecat Cloud session-details API, and a contract kit.

The public names load on first access (PEP 562), so importing a light submodule such as the pytest plugin
does not pull in Flask or openapi-core.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipecat_cloud_mock.config import Config
    from pipecat_cloud_mock.errors import ConfigError, FixtureError, MockError, PreferenceError, SpecError
    from pipecat_cloud_mock.http.app import create_app
    from pipecat_cloud_mock.pipeline.mock import MockPipeline, PipelineRequest, PipelineResponse
    from pipecat_cloud_mock.spec.loader import Spec, bundled_spec_path, load_spec

__version__ = "0.1.0"

# public name -> (module, name inside it)
_LAZY: dict[str, tuple[str, str]] = {
    "create_app": (".http.app", "create_app"),
    "Config": (".config", "Config"),
    "MockPipeline": (".pipeline.mock", "MockPipeline"),
    "PipelineRequest": (".pipeline.mock", "PipelineRequest"),
    "PipelineResponse": (".pipeline.mock", "PipelineResponse"),
    "Spec": (".spec.loader", "Spec"),
    "bundled_spec_path": (".spec.loader", "bundled_spec_path"),
    "load_spec": (".spec.loader", "load_spec"),
    "ConfigError": (".errors", "ConfigError"),
    "FixtureError": (".errors", "FixtureError"),
    "MockError": (".errors", "MockError"),
    "PreferenceError": (".errors", "PreferenceError"),
    "SpecError": (".errors", "SpecError"),
}

# Old names kept for one release: `Mock*` clashed with unittest.mock and openapi-core's testing helpers.
_DEPRECATED: dict[str, str] = {
    "Mock": "MockPipeline",
    "MockRequest": "PipelineRequest",
    "MockResponse": "PipelineResponse",
}

__all__ = [
    "Config",
    "ConfigError",
    "FixtureError",
    "MockError",
    "MockPipeline",
    "PipelineRequest",
    "PipelineResponse",
    "PreferenceError",
    "Spec",
    "SpecError",
    "bundled_spec_path",
    "create_app",
    "load_spec",
]


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:
        new = _DEPRECATED[name]
        warnings.warn(
            f"pipecat_cloud_mock.{name} is deprecated and will be removed in the next release; "
            f"use pipecat_cloud_mock.{new}",
            DeprecationWarning,
            stacklevel=2,
        )
        return __getattr__(new)
    if name in _LAZY:
        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module, __name__), attribute)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
