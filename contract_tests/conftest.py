"""`pytest contract_tests` loads the kit's plugin through this file; nothing else to set up."""

from pipecat_cloud_mock.contract.plugin import *  # noqa: F403  (pytest finds hooks and fixtures by name)
