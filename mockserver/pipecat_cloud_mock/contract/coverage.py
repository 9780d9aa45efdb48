"""Coverage of the target: which documented statuses of the operations the kit checked the target returned,
and which it never showed. Plain data in, plain data out; the shape follows the mock's /__admin/coverage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pipecat_cloud_mock.spec.loader import Operation
from pipecat_cloud_mock.state.coverage import documents

Served = Mapping[tuple[str, int], int]  # (operationId, status) -> answers


def coverage(operations: Sequence[Operation], served: Served) -> dict[str, Any]:
    """Each operation with every documented status (returned or not) and every returned one (documented or not)."""
    rows, documented, shown, missing = [], 0, 0, []
    for op in operations:
        seen = {status: n for (op_id, status), n in served.items() if op_id == op.operation_id}
        statuses: dict[str, Any] = {}
        for status in sorted(set(op.documented_statuses) | set(seen)):
            n = seen.get(status, 0)
            statuses[str(status)] = {"documented": documents(op, status), "served": n}
            if status in op.documented_statuses:
                documented += 1
                shown += n > 0
                if not n:
                    missing.append(f"{op.operation_id} {status}")
        rows.append({"operationId": op.operation_id, "method": op.method, "path": op.path, "statuses": statuses})
    ratio = round(shown / documented, 4) if documented else 1.0
    summary = {"documented": documented, "documented_served": shown, "ratio": ratio, "missing": missing}
    return {"operations": rows, "summary": summary}


def percent(report: Mapping[str, Any]) -> float:
    return float(report["summary"]["ratio"]) * 100


def coverage_lines(report: Mapping[str, Any]) -> list[str]:
    summary = report["summary"]
    if not summary["documented"]:
        return []
    lines = []
    for op in report["operations"]:
        got = [s for s, row in op["statuses"].items() if row["served"]]
        undocumented = [s for s, row in op["statuses"].items() if row["served"] and not row["documented"]]
        lines.append(
            f"coverage: {op['operationId']} returned {', '.join(got) or 'nothing'}"
            + (f" ({', '.join(undocumented)} not documented)" if undocumented else "")
        )
    head = (
        f"coverage: {summary['documented_served']} of {summary['documented']} documented statuses returned "
        f"({percent(report):.1f}%)"
    )
    never = f"; never returned: {', '.join(summary['missing'])}" if summary["missing"] else ""
    return [*lines, head + never]


def gap_line(report: Mapping[str, Any], minimum: float | None) -> str | None:
    """The line that fails the run when coverage is below `minimum` percent, or None."""
    if minimum is None or percent(report) >= minimum:
        return None
    missing = ", ".join(report["summary"]["missing"]) or "none"
    return (
        f"coverage gap: {percent(report):.1f}% of the documented statuses returned, below --contract-min-coverage "
        f"{minimum:g}; missing: {missing}"
    )
