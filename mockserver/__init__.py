"""pipecat-cloud-mock: a spec-driven mock of the Pipecat Cloud session-details API, and a contract kit.

The public names load on first access (PEP 562), so importing a light submodule such as the pytest plugin
does not pull in Flask or openapi-core.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import create_app
    from ._config import Config
    from ._pipeline import Mock as MockPipeline
    from ._pipeline import MockRequest as PipelineRequest
    from ._pipeline import MockResponse as PipelineResponse
    from ._spec import Spec, bundled_spec_path, load_spec
    from .errors import ConfigError, FixtureError, MockError, PreferenceError, SpecError

__version__ = "0.1.0"

# public name -> (module, name inside it)
_LAZY: dict[str, tuple[str, str]] = {
    "create_app": ("._app", "create_app"),
    "Config": ("._config", "Config"),
    "MockPipeline": ("._pipeline", "Mock"),
    "PipelineRequest": ("._pipeline", "MockRequest"),
    "PipelineResponse": ("._pipeline", "MockResponse"),
    "Spec": ("._spec", "Spec"),
    "bundled_spec_path": ("._spec", "bundled_spec_path"),
    "load_spec": ("._spec", "load_spec"),
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
            f"mockserver.{name} is deprecated and will be removed in the next release; use mockserver.{new}",
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
