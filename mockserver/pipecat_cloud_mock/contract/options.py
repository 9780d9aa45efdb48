"""The kit's options: each a flag of `pytest contract_tests` and `pipecat-mock contract`, and an environment
variable. Kept free of pytest imports so the CLI can list them without loading the test stack."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_REQUESTS = 100
DEFAULT_RATE = 5.0
DEFAULT_REPEAT = 3  # answers asked for per repeated request: one bad answer in three shows in every repetition
CLI_MARK = "PIPECAT_CONTRACT_VIA_CLI"  # set by `pipecat-mock contract` for the pytest it runs: output says its commands


@dataclass(frozen=True)
class Option:
    flag: str
    env: str
    help: str
    switch: bool = False
    secret: bool = False

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def metavar(self) -> str:
        return self.dest.rsplit("_", 1)[-1].upper()


OPTIONS = (
    Option(
        "--contract-target",
        "PIPECAT_CONTRACT_TARGET",
        "Server to check: a base URL with its prefix (https://api.pipecat.daily.co/v1), 'mock' (start "
        "pipecat-mock serve for the run), or 'wsgi:module:app'. Default: the mock in-process.",
    ),
    Option(
        "--contract-api-key",
        "PIPECAT_API_KEY",
        "Private API key for the target; never printed. Prefer the variable: a flag shows in `ps`.",
        secret=True,
    ),
    Option("--contract-agent", "PIPECAT_CONTRACT_AGENT", "Agent of a session known to exist (with the id below)."),
    Option("--contract-session-id", "PIPECAT_CONTRACT_SESSION_ID", "A session id known to exist; must answer 200."),
    Option("--contract-strict", "PIPECAT_CONTRACT_STRICT", "Drift (undocumented or missing properties) fails.", True),
    Option(
        "--contract-max-requests",
        "PIPECAT_CONTRACT_MAX_REQUESTS",
        f"Most requests sent to a live URL in one run (default {DEFAULT_MAX_REQUESTS}).",
    ),
    Option(
        "--contract-allow-writes",
        "PIPECAT_CONTRACT_ALLOW_WRITES",
        "Against a live URL, also start and stop sessions (test_lifecycle.py); every session started is "
        "stopped again. Off by default: the kit then never sends a writing call to a real API.",
        True,
    ),
    Option(
        "--contract-rate",
        "PIPECAT_CONTRACT_RATE",
        f"Most requests per second to a live URL (default {DEFAULT_RATE:g}).",
    ),
    Option(
        "--contract-seed",
        "PIPECAT_CONTRACT_SEED",
        "Seed of the generated requests (default: a new one each run); a run prints its seed, and the same "
        "seed replays it.",
    ),
    Option(
        "--contract-repeat",
        "PIPECAT_CONTRACT_REPEAT",
        f"Times the known session and a sample of the generated requests are sent (default {DEFAULT_REPEAT}; 1 "
        "turns repetition off); every answer must keep the contract, an ended session's answers must agree.",
    ),
    Option(
        "--contract-min-coverage",
        "PIPECAT_CONTRACT_MIN_COVERAGE",
        "Percent of the checked operations' documented statuses the target must return; below it the run fails.",
    ),
    Option(
        "--contract-report",
        "PIPECAT_CONTRACT_REPORT",
        "Write the run's report to this JSON file (checks, findings, drift, coverage) and a Markdown summary "
        "beside it (the same name with .md).",
    ),
)
