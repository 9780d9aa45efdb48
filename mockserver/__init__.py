"""pipecat-cloud-mock: a spec-driven mock of the Pipecat Cloud session-details API, and a contract kit."""

from ._app import create_app
from ._config import Config
from ._pipeline import Mock, MockRequest, MockResponse
from ._spec import Spec, bundled_spec_path, load_spec
from .errors import ConfigError, FixtureError, MockError, PreferenceError, SpecError

__version__ = "0.1.0"

__all__ = [
    "Config",
    "ConfigError",
    "FixtureError",
    "Mock",
    "MockError",
    "MockRequest",
    "MockResponse",
    "PreferenceError",
    "Spec",
    "SpecError",
    "bundled_spec_path",
    "create_app",
    "load_spec",
]
