from pathlib import Path

import pytest
from pipecat_cloud_mock import Config


@pytest.fixture(scope="session")
def pipecat_mock_config():
    return Config(access_log=False, fixtures=Path(__file__).parent / "fixtures", only_fixtures=True, seed=7)
