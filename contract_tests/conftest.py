"""`pytest contract_tests` loads the kit's plugin through this file; nothing else to set up."""

from contract_tests.plugin import *  # noqa: F403  (pytest finds hooks and fixtures by name)
