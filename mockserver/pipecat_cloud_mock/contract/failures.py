"""The kit's own exceptions and how a failed test reads: the kit's block, never a traceback of its internals."""

from __future__ import annotations

from collections.abc import Iterator


class ContractBroken(AssertionError):
    """A response broke the contract; the message says which check, which request, what was expected."""


class TargetError(Exception):
    """The target could not be asked (connection refused, reset, a broken HTTP answer)."""


class BudgetSpent(BaseException):
    """The run's request budget ran out. A BaseException, like pytest's own outcomes: Hypothesis lets it
    through at once instead of treating it as a failing example to replay."""


KIT_ERRORS = (ContractBroken, TargetError)
# Hypothesis notes that name its internals or advise editing a test that is not the user's.
_DROPPED_NOTES = ("reproduce_failure", "You can reproduce this", "@seed(")


def _walk(error: BaseException) -> Iterator[BaseException]:
    yield error
    for inner in getattr(error, "exceptions", ()):  # an ExceptionGroup (Hypothesis' FlakyFailure is one)
        yield from _walk(inner)


def kit_failure(error: BaseException) -> BaseException | None:
    """The kit's own error inside `error` (itself, or one in a group), or None for anything else."""
    return next((e for e in _walk(error) if isinstance(e, KIT_ERRORS)), None)


def failure_text(error: BaseException, replay: str) -> str:
    """The kit's block for a failed test: its message, Hypothesis' example as found, and how to replay."""
    found = kit_failure(error)
    assert found is not None
    lines = [str(found)]
    if found is not error and not isinstance(error, KIT_ERRORS):
        lines.append(
            "  note:     the failure did not repeat when the same request was sent again: the target "
            "answers the same request differently"
        )
    for note in [*getattr(error, "__notes__", ()), *(getattr(found, "__notes__", ()) if found is not error else ())]:
        if not any(marker in note for marker in _DROPPED_NOTES):
            lines.append("  " + note.strip().replace("\n", "\n  "))
    lines.append(f"  replay:   {replay}")
    return "\n".join(lines)
