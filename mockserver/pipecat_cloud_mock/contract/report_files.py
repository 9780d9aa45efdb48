"""`--contract-report FILE`: the run as JSON (checks, findings, drift, coverage) and a Markdown summary beside it,
for a CI step summary. Plain data in, files out; nothing here holds or prints the key."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipecat_cloud_mock.contract.report import Tally
from pipecat_cloud_mock.contract.verdict import RunFacts, broken, verdict_line

REPORT_VERSION = 1


def report_data(tally: Tally, facts: RunFacts) -> dict[str, Any]:
    checks = {
        name: {state: tally.counts[name][state] for state in ("passed", "failed", "warned")}
        for name in Tally.ordered(tally.counts)
    }
    findings = [
        {"check": check, "state": state, "message": message, "count": n}
        for (check, state), messages in sorted(tally.messages.items())
        for message, n in messages.most_common()
    ]
    drift = [
        {
            "kind": entry.kind,
            "path": entry.path,
            "example": entry.example,
            "statuses": {str(status): n for status, n in sorted(entry.statuses.items())},
        }
        for entry in sorted(tally.drift.values(), key=lambda e: (e.kind, e.path))
    ]
    return {
        "version": REPORT_VERSION,
        "verdict": {"broken": broken(tally, facts), "line": verdict_line(tally, facts)},
        "target": facts.target,
        "seed": facts.replay,
        "checks": checks,
        "findings": findings,
        "drift": {"compared": {str(s): n for s, n in sorted(tally.compared.items())}, "items": drift},
        "coverage": facts.coverage,
        "coverage_gap": facts.coverage_gap,
        "repetitions": {"requests": tally.repeated_requests, "answers": tally.repeated},
        "responses": tally.responses,
        "skipped": {reason: list(tests) for reason, tests in facts.skips.items()},
        "not_checked": [line for line in (facts.not_planned, facts.budget_spent) if line],
    }


def markdown(data: dict[str, Any]) -> str:
    verdict = data["verdict"]
    lines = [f"### Contract kit: {'BROKEN' if verdict['broken'] else 'kept'}", "", verdict["line"], ""]
    lines += ["| check | passed | failed | warned |", "|---|---:|---:|---:|"]
    lines += [f"| `{n}` | {c['passed']} | {c['failed']} | {c['warned']} |" for n, c in data["checks"].items()]
    failures = [f for f in data["findings"] if f["state"] == "failed"]
    if failures:
        lines += ["", "**Failures**", ""]
        lines += [f"- `{f['check']}`: {_cell(f['message'])} (x{f['count']})" for f in failures[:20]]
    coverage = data["coverage"]
    if coverage is not None:
        lines += ["", "**Coverage of the target**", "", "| operation | status | documented | returned |"]
        lines.append("|---|---:|---|---:|")
        for op in coverage["operations"]:
            for status, row in op["statuses"].items():
                served = str(row["served"]) if row["served"] else "0 (never)"
                documented = "yes" if row["documented"] else "no"
                lines.append(f"| `{op['operationId']}` | {status} | {documented} | {served} |")
        summary = coverage["summary"]
        lines += ["", f"{summary['documented_served']} of {summary['documented']} documented statuses returned."]
    if data["coverage_gap"]:
        lines += ["", data["coverage_gap"]]
    if data["drift"]["items"]:
        lines += ["", "**Drift**", ""]
        lines += [f"- {d['kind']} `{d['path']}`" for d in data["drift"]["items"]]
    repeats = data["repetitions"]
    if repeats["requests"]:
        lines += ["", f"Repetitions: {repeats['requests']} request(s) asked again, {repeats['answers']} more answers."]
    lines += [f"- {line}" for line in data["not_checked"]]
    lines += ["", f"`{data['target'].splitlines()[0]}`; replay with `{data['seed']}`", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_path(path: Path) -> Path:
    return path.with_suffix(".md") if path.suffix.lower() == ".json" else path.with_name(path.name + ".md")


def write_report(path: str, tally: Tally, facts: RunFacts, redact: Callable[[str], str]) -> list[Path]:
    """Both files; `redact` runs over each text (a server may echo a credential in a body the findings quote)."""
    data = report_data(tally, facts)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(redact(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n", encoding="utf-8")
    summary = markdown_path(target)
    summary.write_text(redact(markdown(data)), encoding="utf-8")
    return [target, summary]
