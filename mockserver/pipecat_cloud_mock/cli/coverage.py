"""`pipecat-mock coverage --url URL`: a running mock's coverage as a table, Markdown or JSON, gated by --min."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from pipecat_cloud_mock.errors import ConfigError, MockError
from pipecat_cloud_mock.state.coverage import parse_percent

BELOW_MINIMUM = 1  # exit status when coverage is under --min (2 is for bad usage, as everywhere else)


class CoverageUnreachable(MockError):
    """The mock could not be asked (not running, wrong URL, admin token refused)."""


def register_coverage(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "coverage",
        help="show which documented statuses a running mock served, and which it never did",
        description="Ask a running mock (GET /__admin/coverage) which statuses each operation served and what "
        f"produced them. Exits {BELOW_MINIMUM} when fewer than --min percent of the documented statuses were served.",
    )
    parser.add_argument(
        "--url", required=True, metavar="URL", help="where the mock listens, e.g. http://127.0.0.1:4010"
    )
    parser.add_argument(
        "--format", default="table", choices=("table", "markdown", "json"), help="output (default: table)"
    )
    parser.add_argument("--min", default=None, metavar="PERCENT", help="fail under this share of documented statuses")
    parser.add_argument(
        "--admin-token", default=None, metavar="TOKEN", help="the mock's admin token [env: PIPECAT_MOCK_ADMIN_TOKEN]"
    )
    parser.set_defaults(run=run_coverage)


def run_coverage(args: argparse.Namespace) -> int:
    minimum = _percent(args.min)
    report = _fetch(args.url, args.admin_token or os.environ.get("PIPECAT_MOCK_ADMIN_TOKEN"))
    summary = report["summary"]
    share = 100.0 * summary["documented_served"] / summary["documented"] if summary["documented"] else 0.0
    if args.format == "json":
        print(json.dumps(report, indent=2))
    elif args.format == "markdown":
        print(markdown(report, share))
    else:
        print(table(report, share))
    if minimum is not None and share < minimum:
        print(
            f"pipecat-mock coverage: {share:.1f}% of documented statuses served, under --min {minimum:g}%",
            file=sys.stderr,
        )
        return BELOW_MINIMUM
    return 0


def _percent(raw: str | None) -> float | None:
    try:
        return None if raw is None else parse_percent(raw)
    except ValueError as exc:
        raise ConfigError(f"--min {exc}") from None


def _fetch(url: str, token: str | None) -> dict[str, Any]:
    from pipecat_cloud_mock.admin_client import AdminClient, AdminError

    if not url.startswith(("http://", "https://")):
        raise ConfigError(
            f"--url {url!r} is not valid. Valid values: the mock's http(s) URL, e.g. http://127.0.0.1:4010"
        )
    try:
        return AdminClient(url, token).coverage()
    except AdminError as exc:
        hint = " Give the mock's root URL, without /v1." if exc.status == 404 else ""
        if exc.status == 401:
            hint = " Pass its admin token with --admin-token or PIPECAT_MOCK_ADMIN_TOKEN."
        raise CoverageUnreachable(f"{url} refused GET /__admin/coverage ({exc}).{hint}") from None
    except (OSError, ValueError) as exc:  # connection refused, timeout, a body that is not JSON
        raise CoverageUnreachable(f"cannot read coverage from {url}: {exc}. Is `pipecat-mock serve` running?") from None


def _rows(report: dict[str, Any]) -> list[tuple[str, str, str, str, int, str]]:
    """(operationId, endpoint, status, documented yes/no, times served, sources) per listed status."""
    rows = []
    for op in report["operations"]:
        for status, entry in op["statuses"].items():
            sources = ", ".join(f"{name} {n}" for name, n in entry["sources"].items())
            documented = "yes" if entry["documented"] else "no"
            endpoint = f"{op['method']} {op['path']}"
            rows.append((op["operationId"], endpoint, status, documented, int(entry["served"]), sources))
    return rows


def _summary_line(report: dict[str, Any], share: float) -> str:
    summary = report["summary"]
    return f"{summary['documented_served']} of {summary['documented']} documented statuses served ({share:.1f}%)"


def table(report: dict[str, Any], share: float) -> str:
    header = ("operation", "endpoint", "status", "documented", "served", "sources")
    rows = [(*row[:4], str(row[4]) if row[4] else "0 (never)", row[5]) for row in _rows(report)]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join([*lines, "", _summary_line(report, share)])


def markdown(report: dict[str, Any], share: float) -> str:
    """For a CI step summary (e.g. appended to $GITHUB_STEP_SUMMARY)."""
    lines = [
        "## API coverage",
        "",
        f"**{_summary_line(report, share)}**",
        "",
        "| operation | endpoint | status | documented | served | sources |",
        "|---|---|---|---|---|---|",
    ]
    for operation, endpoint, status, documented, served, sources in _rows(report):
        shown = f"✅ {served}" if served else "❌ never"
        lines.append(f"| `{operation}` | `{endpoint}` | {status} | {documented} | {shown} | {sources} |")
    return "\n".join(lines)
