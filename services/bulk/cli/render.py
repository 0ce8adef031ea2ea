"""What the CLI prints: previews, impacts, job states, outcome summaries and problems. Values
from the server go in as Text, never as markup."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from services.bulk.cli.client import ApiError

OUTCOMES = ("changed", "unchanged", "failed", "skipped", "cancelled")


def _text(value: Any) -> Text:
    if value is None:
        return Text("—", style="dim")
    if isinstance(value, str):
        return Text(value)
    return Text(json.dumps(value, ensure_ascii=False))


def _diff(diff: dict[str, Any] | None) -> Text:
    lines = Text()
    for number, (field, change) in enumerate((diff or {}).items()):
        before, after = change if isinstance(change, list) and len(change) == 2 else (None, change)
        if number:
            lines.append("\n")
        lines.append(f"{field}: ", style="bold")
        lines.append_text(_text(before))
        lines.append(" → ")
        lines.append_text(_text(after))
    return lines


def operations_table(console: Console, operations: list[dict[str, Any]]) -> None:
    table = Table(title="Bulk operations")
    table.add_column("name", no_wrap=True)
    for column in ("parameters (* required)", "permission", "undo", "description"):
        table.add_column(column)
    for op in operations:
        params = _parameters(op.get("params") or {})
        undo = op.get("undo") or Text(op.get("undo_refusal") or "no", style="yellow")
        table.add_row(_text(op["name"]), _text(params), _text(op.get("permission")),
                      undo if isinstance(undo, Text) else _text(undo),
                      _text(" ".join((op.get("description") or "").split())))
    console.print(table)


def _parameters(schema: dict[str, Any]) -> str:
    """The parameter names of a JSON Schema (its top-level $ref followed), required ones
    starred."""
    ref = schema.get("$ref", "")
    if ref.startswith("#/$defs/"):
        schema = (schema.get("$defs") or {}).get(ref.removeprefix("#/$defs/"), {})
    required = set(schema.get("required") or ())
    return ", ".join(name + ("*" if name in required else "")
                     for name in sorted(schema.get("properties") or {}))


def preview(console: Console, job: dict[str, Any], shown: int) -> None:
    """The job's count, its first relations with their diffs, and its impacts."""
    undoing = f" (undo of {job['undo_of']})" if job.get("undo_of") else ""
    console.print(Text.assemble(("Job ", ""), (job["id"], "bold"), f": {job['operation']}"
                                f"{undoing} on {job['total']} relations", style=""))
    items = (job.get("items") or [])[:shown]
    if items:
        _preview_table(console, items, job["total"])
    impacts(console, job.get("impacts") or [])


def _preview_table(console: Console, items: list[dict[str, Any]], total: int) -> None:
    table = Table(title=f"First {len(items)} of {total} relations")
    table.add_column("relation", overflow="fold", min_width=36)  # a whole uuid on one line
    for column in ("outcome", "changes", "reason"):
        table.add_column(column, overflow="fold")
    for item in items:
        who = Text(item.get("name") or "", style="bold")
        who.append(("\n" if item.get("name") else "") + item["relation_id"], style="dim")
        table.add_row(who, _outcome(item["outcome"]), _diff(item.get("diff")),
                      _text(item.get("reason")) if item.get("reason") else Text(""))
    console.print(table)


def impacts(console: Console, found: list[dict[str, Any]]) -> None:
    if not found:
        console.print("Impacts: none besides the changes above.")
        return
    table = Table(title="Impacts")
    for column in ("impact", "relations", "confirmation needed"):
        table.add_column(column, overflow="fold")
    for impact in found:
        table.add_row(_text(impact["description"]), _text(impact.get("count")),
                      _text(impact.get("confirmation") or "no"))
    console.print(table)


def _outcome(outcome: str) -> Text:
    style = {"would_change": "green", "changed": "green", "would_fail": "red", "failed": "red",
             "changed_since": "yellow", "skipped": "yellow"}.get(outcome, "")
    return Text(outcome, style=style)


def job_state(console: Console, job: dict[str, Any]) -> None:
    """Status, progress, counts per outcome and timings of a job."""
    table = Table(show_header=False, title=f"Job {job['id']}")
    table.add_column("", style="bold")
    table.add_column("")
    progress = job.get("progress") or {}
    rows = [("operation", job["operation"]), ("status", job["status"]),
            ("progress", f"{progress.get('done', 0)}/{progress.get('total', job['total'])}"),
            ("relations per second", progress.get("per_second")),
            ("seconds left", progress.get("eta_seconds")), ("undo of", job.get("undo_of")),
            ("created", job.get("created_at")), ("started", job.get("started_at")),
            ("finished", job.get("finished_at")), ("error", job.get("error"))]
    rows += [(name, (job.get("counts") or {}).get(name, 0)) for name in OUTCOMES]
    for name, value in rows:
        table.add_row(name, _text(value))
    console.print(table)


def summary_line(job: dict[str, Any]) -> str:
    """One line a script can read: `<status>: 3 changed, 0 unchanged, …`."""
    counts = job.get("counts") or {}
    return f"{job['status']}: " + ", ".join(f"{counts.get(name, 0)} {name}"
                                            for name in OUTCOMES)


def outcome_summary(console: Console, job: dict[str, Any],
                    failures: list[dict[str, Any]]) -> None:
    """Counts per outcome, then the first failures with their reasons."""
    style = "green" if job["status"] == "completed" else "red"
    console.print(Text(summary_line(job), style=style))
    rate = (job.get("progress") or {}).get("per_second")
    if rate:
        console.print(f"{job['total']} relations at {rate} per second")
    if job.get("error"):
        console.print(Text("error: " + job["error"], style="red"))
    if failures:
        counted = (job.get("counts") or {}).get("failed", len(failures))
        items(console, failures, title=f"Failures (the first {len(failures)} of {counted})")


def items(console: Console, rows: list[dict[str, Any]], *, title: str) -> None:
    table = Table(title=title)
    table.add_column("relation", overflow="fold", min_width=36)
    for column in ("outcome", "changes", "reason"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(_text(row["relation_id"]), _outcome(row["outcome"]),
                      _diff(row.get("diff")), _text(row.get("reason") or ""))
    console.print(table)


def problem(console: Console, error: ApiError) -> None:
    """The server's refusal: status, detail and each field's problems, one per line."""
    console.print(Text(f"Error {error.status}: {error.detail}", style="bold red"))
    for field, messages in _flattened(error.errors):
        console.print(Text.assemble("  ", (field, "bold"), ": ", messages))
    if error.status == 401:
        console.print("  sign in with: cardbox login --url URL --email E")


def _flattened(errors: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(errors, dict):
        found: list[tuple[str, str]] = []
        for key, value in errors.items():
            found += _flattened(value, f"{prefix}.{key}" if prefix else str(key))
        return found
    if isinstance(errors, list) and all(isinstance(m, str) for m in errors):
        return [(prefix or "request", "; ".join(errors))]
    return [(prefix or "request", json.dumps(errors, ensure_ascii=False))]
