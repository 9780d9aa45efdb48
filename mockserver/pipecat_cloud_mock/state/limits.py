"""Bounds on what users hand the mock (admin bodies, fixture files), and short quotes of bad values.

Every refusal names the limit. Checks walk values without recursion, so no input can reach Python's
recursion limit here; the readers turn a RecursionError of the JSON or YAML parser into a plain refusal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

MAX_DEPTH = 64  # nesting of objects and lists; the spec's deepest body is under 10
MAX_ADMIN_BODY = 8 * 2**20  # bytes of one admin request body
MAX_FIXTURE_FILE = 16 * 2**20  # bytes of one fixture file
EXCERPT_CHARS = 60  # of a bad value quoted back
MAX_MESSAGE_CHARS = 400  # of one problem's message
MAX_PROBLEMS = 50  # reported per document; the rest are counted


class TooLarge(ValueError):
    """Input over a size limit."""


def excerpt(value: Any) -> str:
    """A short quote of `value`: its repr, cut to EXCERPT_CHARS with the length that was cut."""
    text = repr(value)
    if len(text) <= EXCERPT_CHARS:
        return text
    return f"{text[:EXCERPT_CHARS]}... ({len(text):,} characters)"


def cut_message(message: str) -> str:
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return f"{message[:MAX_MESSAGE_CHARS]}... (message cut; {len(message):,} characters)"


def parse_json(data: bytes | str, object_pairs_hook: Any = None) -> Any:
    """json.loads, with over-deep nesting a ValueError like any other syntax problem."""
    try:
        return json.loads(data, object_pairs_hook=object_pairs_hook)
    except RecursionError:
        raise ValueError(f"nested too deep (the limit is {MAX_DEPTH} levels)") from None


def plain_problems(value: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path, reason) for each part of a parsed document the mock refuses: nesting over MAX_DEPTH, and text that
    cannot be encoded as UTF-8 (a lone surrogate such as "\\ud800", which JSON and YAML escapes can spell)."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if len(path) > MAX_DEPTH:
            yield path[:MAX_DEPTH], f"nested deeper than {MAX_DEPTH} levels; the limit is {MAX_DEPTH}"
            continue
        if isinstance(item, str):
            if not _encodable(item):
                yield path, f"{excerpt(item)} contains a lone surrogate, which is not text; send valid Unicode"
        elif isinstance(item, Mapping):
            for key, child in item.items():
                if isinstance(key, str) and not _encodable(key):
                    yield path, f"the key {excerpt(key)} contains a lone surrogate, which is not text"
                stack.append(((*path, str(key)), child))
        elif isinstance(item, list | tuple):
            stack.extend(((*path, index), child) for index, child in enumerate(item))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
