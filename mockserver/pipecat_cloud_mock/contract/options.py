"""The kit's options: each a flag of `pytest contract_tests` and `pipecat-mock contract`, and an environment
variable. Kept free of pytest imports so the CLI can list them without loading the test stack."""

from __future__ import annotations

from pipecat_cloud_mock.config import Option

DEFAULT_MAX_REQUESTS = 100
DEFAULT_RATE = 5.0
DEFAULT_REPEAT = 3  # answers asked for per repeated request: one bad answer in three shows in every repetition
CLI_MARK = "PIPECAT_CONTRACT_VIA_CLI"  # set by `pipecat-mock contract` for the pytest it runs: output says its commands


def _option(flag: str, variable: str, help: str, switch: bool = False, secret: bool = False) -> Option:
    """A kit option: its value is read as text here and checked by `run_settings`."""
    return Option(flag, flag.lstrip("-").replace("-", "_"), str, help, switch=switch, variable=variable, secret=secret)


OPTIONS = (
    _option(
        "--contract-target",
        "PIPECAT_CONTRACT_TARGET",
        "Server to check: a base URL with its prefix (https://api.pipecat.daily.co/v1), 'mock' (start "
        "pipecat-mock serve for the run), or 'wsgi:module:app'. Default: the mock in-process.",
    ),
    _option(
        "--contract-api-key",
        "PIPECAT_API_KEY",
        "Private API key for the target; never printed. Prefer the variable: a flag shows in `ps`.",
        secret=True,
    ),
    _option("--contract-agent", "PIPECAT_CONTRACT_AGENT", "Agent of a session known to exist (with the id below)."),
    _option("--contract-session-id", "PIPECAT_CONTRACT_SESSION_ID", "A session id known to exist; must answer 200."),
    _option("--contract-strict", "PIPECAT_CONTRACT_STRICT", "Drift (undocumented or missing properties) fails.", True),
    _option(
        "--contract-max-requests",
        "PIPECAT_CONTRACT_MAX_REQUESTS",
        f"Most requests sent to a live URL in one run (default {DEFAULT_MAX_REQUESTS}).",
    ),
    _option(
        "--contract-allow-writes",
        "PIPECAT_CONTRACT_ALLOW_WRITES",
        "Against a live URL, also start and stop sessions (test_lifecycle.py); every session started is "
        "stopped again. Off by default: the kit then never sends a writing call to a real API.",
        True,
    ),
    _option(
        "--contract-rate",
        "PIPECAT_CONTRACT_RATE",
        f"Most requests per second to a live URL (default {DEFAULT_RATE:g}).",
    ),
    _option(
        "--contract-seed",
        "PIPECAT_CONTRACT_SEED",
        "Seed of the generated requests (default: a new one each run); a run prints its seed, and the same "
        "seed replays it.",
    ),
    _option(
        "--contract-repeat",
        "PIPECAT_CONTRACT_REPEAT",
        f"Times the known session and a sample of the generated requests are sent (default {DEFAULT_REPEAT}; 1 "
        "turns repetition off); every answer must keep the contract, an ended session's answers must agree.",
    ),
    _option(
        "--contract-min-coverage",
        "PIPECAT_CONTRACT_MIN_COVERAGE",
        "Percent of the checked operations' documented statuses the target must return; below it the run fails.",
    ),
    _option(
        "--contract-report",
        "PIPECAT_CONTRACT_REPORT",
        "Write the run's report to this JSON file (checks, findings, drift, coverage) and a Markdown summary "
        "beside it (the same name with .md).",
    ),
)
