"""Verification helpers: match journal paths against a path or pattern, and rank other calls by closeness.

Standard library only: the pytest plugin and the admin API both use it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from pipecat_cloud_mock.spec.loader import Spec

PathPattern = str | re.Pattern[str]
_PARAM = re.compile(r"\{[^{}/]+\}")


def path_matcher(pattern: PathPattern, base_path: str = "") -> Callable[[str], bool]:
    """A test for journal paths.

    A compiled regex must match the whole path. A string with `{name}` segments is a template: each `{name}`
    matches one path segment. Any other string is the exact path. A string that does not start with
    `base_path` (e.g. "/agents/a/sessions") is also tried under it ("/v1/agents/a/sessions").
    """
    if isinstance(pattern, re.Pattern):
        return lambda path: pattern.fullmatch(path) is not None
    candidates = [pattern]
    if base_path and not (pattern == base_path or pattern.startswith(base_path + "/")):
        candidates.append(base_path + pattern)
    if _PARAM.search(pattern):
        regexes = [re.compile(_template_regex(c)) for c in candidates]
        return lambda path: any(r.fullmatch(path) for r in regexes)
    exact = set(candidates)
    return lambda path: path in exact


def _template_regex(template: str) -> str:
    out, last = "", 0
    for found in _PARAM.finditer(template):
        out += re.escape(template[last : found.start()]) + "[^/]+"
        last = found.end()
    return out + re.escape(template[last:])


def pattern_text(pattern: PathPattern) -> str:
    return pattern.pattern if isinstance(pattern, re.Pattern) else pattern


def closeness(method: str, pattern: str, other_method: str, other_path: str) -> float:
    """0..1: how alike a call is to the one expected (path segments first, the method breaks ties)."""
    wanted, seen = pattern.strip("/").split("/"), other_path.strip("/").split("/")
    # A template's {name} segment is as good as whatever the other path has in its place.
    wanted = [seen[i] if _PARAM.fullmatch(s) and i < len(seen) else s for i, s in enumerate(wanted)]
    score = difflib.SequenceMatcher(None, wanted, seen).ratio()
    score = 0.8 * score + 0.2 * difflib.SequenceMatcher(None, "/".join(wanted), "/".join(seen)).ratio()
    return score * 0.9 + (0.1 if method.upper() == other_method.upper() else 0.0)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    status: int


def summarize(calls: Iterable[Call], method: str, pattern: str, limit: int = 10) -> list[str]:
    """One line per distinct (method, path): its count and statuses, closest to `method pattern` first."""
    groups: dict[tuple[str, str], list[int]] = {}
    for call in calls:
        groups.setdefault((call.method, call.path), []).append(call.status)
    ranked = sorted(groups.items(), key=lambda kv: (-closeness(method, pattern, *kv[0]), kv[0]))
    lines = []
    for (other_method, path), statuses in ranked[:limit]:
        answered = ", ".join(str(s) for s in sorted(set(statuses)))
        lines.append(f"{other_method} {path}  ({times_text(len(statuses))}, answered {answered})")
    if len(ranked) > limit:
        lines.append(f"... and {len(ranked) - limit} other distinct call(s)")
    return lines


def nearest_operation(spec: Spec, method: str, path: str) -> str | None:
    """'GET /v1/agents/{agentName}/sessions/{sessionId}': the operation an unmatched call most likely meant."""
    best, best_score = None, 0.5
    for op in spec.operations:
        template = spec.base_path + op.path
        score = closeness(op.method, template, method, path)
        if score > best_score:
            best, best_score = f"{op.method} {template}", score
    return best


def times_text(n: int) -> str:
    return f"{n} time{'s' if n != 1 else ''}"


class Journaled(Protocol):
    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def status(self) -> int: ...


class Unmatched(Journaled, Protocol):
    @property
    def hint(self) -> str | None: ...


Entry = TypeVar("Entry", bound=Journaled)


def check_called(
    entries: Sequence[Entry],
    method: str,
    pattern: PathPattern,
    times: int | None,
    base_path: str = "",
    journal_size: int | None = None,
) -> tuple[list[Entry], str | None]:
    """The entries that are `method pattern` calls, and why they are not `times` of them (None: they are).

    `times=None`: at least once. `method` "*": any method. `journal_size`: the journal's bound, to say when a
    full journal may have dropped older calls.
    """
    wanted, matches = method.upper(), path_matcher(pattern, base_path)
    hit = [wanted in ("*", e.method.upper()) and matches(e.path) for e in entries]
    hits = [e for e, is_hit in zip(entries, hit, strict=True) if is_hit]
    if (hits and times is None) or len(hits) == times:
        return hits, None
    text = pattern_text(pattern)
    expected = "at least once" if times is None else f"exactly {times_text(times)}"
    lines = [f"expected {wanted} {text} to be called {expected}, but it was called {times_text(len(hits))}."]
    others = [Call(e.method, e.path, e.status) for e, is_hit in zip(entries, hit, strict=True) if not is_hit]
    if others:
        full = text if isinstance(pattern, re.Pattern) or text.startswith(base_path + "/") else base_path + text
        lines += ["Called instead, closest first:", *(f"  {line}" for line in summarize(others, wanted, full))]
    elif not hits:
        lines.append("Nothing else was called either.")
    if journal_size is not None and len(entries) >= journal_size:
        lines.append(f"(The journal keeps the newest {journal_size} requests: older ones are not counted.)")
    return hits, "\n".join(lines)


def unmatched_failure(found: Sequence[Unmatched]) -> str | None:
    """The failure message for requests no operation matched; None when there are none."""
    if not found:
        return None
    lines = [f"  {u.method} {u.path} -> {u.status}" + (f"  ({u.hint})" if u.hint else "") for u in found]
    return f"{len(found)} request(s) matched no operation of the spec:\n" + "\n".join(lines)
