"""Stub regexes that cannot freeze the mock: refused when written to backtrack without bound, timed when matched.

Two guards, because neither alone is enough. A repeat inside an unbounded repeat (`(a+)+`, `(.*a)*`) is the
classic catastrophic pattern and is refused with the reason. Others (`(a|aa)+$`) still backtrack exponentially
on some inputs, so every match runs on the `regex` engine with a time limit: a match that runs out of time
counts as no match, and the request goes on as if the stub were not there.
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # type: ignore[import-not-found]  # the stdlib parse tree
import re._parser as sre_parse  # type: ignore[import-not-found]
from typing import Any

import regex

MAX_PATTERN_LENGTH = 1000  # characters
MATCH_SECONDS = 0.05  # per value matched; a linear pattern on a 64 KiB header takes far less
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)
_UNBOUNDED = 100  # a repeat of more than this many counts as unbounded


class UnsafePattern(ValueError):
    pass


def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """The compiled pattern; UnsafePattern (ValueError) saying why it is refused."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise UnsafePattern(f"is {len(pattern)} characters long; the limit is {MAX_PATTERN_LENGTH}")
    try:
        tree = sre_parse.parse(pattern)
    except re.error as exc:
        raise UnsafePattern(f"is not a valid regular expression: {exc}") from None
    if _nested_repeat(tree, inside_repeat=False):
        raise UnsafePattern(
            "repeats a group that itself repeats without bound, which can take exponential time on a "
            "non-matching value; write it without the nested repeat (e.g. a+ instead of (a+)+)"
        )
    try:
        return regex.compile(pattern, regex.VERSION0)
    except regex.error as exc:
        raise UnsafePattern(f"is not a valid regular expression: {exc}") from None


def full_match(pattern: regex.Pattern[str], value: str) -> bool:
    """Whether `pattern` matches all of `value`; False when the match runs out of time."""
    try:
        return pattern.fullmatch(value, timeout=MATCH_SECONDS) is not None
    except TimeoutError:
        return False


def _nested_repeat(items: Any, inside_repeat: bool) -> bool:
    for op, arg in items:
        if op in _REPEATS:
            _low, high, sub = arg
            unbounded = high == sre_constants.MAXREPEAT or high > _UNBOUNDED
            if unbounded and inside_repeat:
                return True
            if _nested_repeat(sub, inside_repeat or unbounded):
                return True
        elif op == sre_constants.SUBPATTERN:
            if _nested_repeat(arg[-1], inside_repeat):
                return True
        elif op == sre_constants.BRANCH:
            if any(_nested_repeat(branch, inside_repeat) for branch in arg[1]):
                return True
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT) and _nested_repeat(arg[1], inside_repeat):
            return True
    return False
