"""Stub regexes that cannot freeze the mock: refused when written to backtrack without bound, timed when matched.

Two guards, because neither alone is enough. An unbounded repeat of a group made only of repeats (`(a+)+`,
`(\\w+\\s?)*`) is the classic catastrophic pattern and is refused with the reason. Others (`(a|aa)+$`) still
backtrack exponentially on some inputs, so every match runs on the `regex` engine with a time limit: a match
that runs out of time counts as no match, and the request goes on as if the stub were not there.
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
_ONE_CHARACTER = (sre_constants.LITERAL, sre_constants.NOT_LITERAL, sre_constants.ANY, sre_constants.IN)
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
    if _nested_repeat(tree):
        raise UnsafePattern(
            "repeats a group made only of repeats, which can take exponential time on a value that does not "
            "match; write it without the nested repeat (a+ instead of (a+)+, (a+,)+ with a separator)"
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


def _nested_repeat(items: Any) -> bool:
    """Whether an unbounded repeat holds an unbounded repeat and nothing else it must match each time: then one
    text splits into iterations in exponentially many ways ((a+)+, (x*y?)*). (\\d+\\.)+ is fine: each turn
    needs its own '.'."""
    for op, arg in items:
        if op in _REPEATS:
            _low, high, sub = arg
            if _unbounded(high) and _has_unbounded(sub) and _rigid_width(sub) == 0:
                return True
            if _nested_repeat(sub):
                return True
        elif op == sre_constants.SUBPATTERN:
            if _nested_repeat(arg[-1]):
                return True
        elif op == sre_constants.BRANCH:
            if any(_nested_repeat(branch) for branch in arg[1]):
                return True
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT) and _nested_repeat(arg[1]):
            return True
    return False


def _unbounded(high: int) -> bool:
    return bool(high == sre_constants.MAXREPEAT or high > _UNBOUNDED)


def _has_unbounded(items: Any) -> bool:
    for op, arg in items:
        if op in _REPEATS and (_unbounded(arg[1]) or _has_unbounded(arg[2])):
            return True
        if op == sre_constants.SUBPATTERN and _has_unbounded(arg[-1]):
            return True
        if op == sre_constants.BRANCH and any(_has_unbounded(b) for b in arg[1]):
            return True
    return False


def _rigid_width(items: Any) -> int:
    """The fewest characters `items` must match outside their unbounded repeats."""
    total = 0
    for op, arg in items:
        if op in _REPEATS:
            low, high, sub = arg
            total += 0 if _unbounded(high) else low * _rigid_width(sub)
        elif op == sre_constants.SUBPATTERN:
            total += _rigid_width(arg[-1])
        elif op == sre_constants.BRANCH:
            total += min(_rigid_width(b) for b in arg[1])
        elif op in _ONE_CHARACTER:
            total += 1
    return total
