"""Every exception the mock raises on purpose, each saying what to do about it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class MockError(Exception):
    """Base of the mock's own errors; the CLI prints the message and exits with `exit_code`."""

    exit_code = 2


class SpecError(MockError):
    """The OpenAPI document is missing, unreadable or invalid."""

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class ConfigError(MockError):
    """A flag, environment variable or config value has a value the mock cannot use."""


class PreferenceError(MockError):
    """A `Prefer` header or `__` query parameter the mock cannot honour (answered with 422)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a fixture file or an admin request body."""

    source: str  # the file, or "request body"
    where: str  # a JSON path such as sessions["my-agent"]["800d..."].coldStart; "" for the whole document
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.where}: {self.message}" if self.where else f"{self.source}: {self.message}"


class FixtureError(MockError):
    """Fixtures (files or admin bodies) that do not fit the format or the spec; lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{count} fixture problem{'s' if count != 1 else ''}; nothing was loaded:\n{lines}")


def suggest(value: str, valid: Iterable[str]) -> str:
    """'Valid values: a, b. Did you mean a?' for a value that is not among `valid`."""
    choices = sorted(set(valid))
    text = f"Valid values: {', '.join(choices)}."
    close = difflib.get_close_matches(value, choices, n=1)
    if close:
        text += f" Did you mean {close[0]!r}?"
    return text


def error_response(status: int, message: str) -> dict[str, str]:
    """The values of an ErrorResponse, the reference's error shape (both fields required): every error the mock
    answers itself starts here, and bodies.error shapes it further to the served spec's schema."""
    return {"error": message, "code": str(status)}
