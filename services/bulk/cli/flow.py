"""A job from preview to outcome: show the preview, get the confirmations, confirm, follow the
progress until the job ends, and summarise; answers the exit code."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.text import Text

from services.bulk.cli import render
from services.bulk.cli.client import Gateway, Unreachable

FINAL = ("completed", "completed_with_errors", "cancelled", "failed")
EXIT_OK, EXIT_NOT_CLEAN, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
FAILURES_SHOWN = 10
POLL_MISSES = 10  # polls in a row without an answer before giving up


@dataclass(frozen=True)
class Choices:
    """What the user said on the command line about confirming."""

    yes: bool
    confirmations: tuple[str, ...]
    shown: int
    interval: float
    mode: str | None = None  # undo jobs


def carry_out(gateway: Gateway, draft: dict[str, Any], choices: Choices, out: Console,
              err: Console) -> int:
    """Preview, confirm (or drop the draft), run with a progress bar, summarise."""
    render.preview(out, draft, choices.shown)
    try:
        given = _confirmations(draft, choices, err)
        if given is None:
            gateway.cancel(draft["id"])
            return EXIT_BAD_INPUT if choices.yes else EXIT_NOT_CLEAN
        if not choices.yes and not typer.confirm(_question(draft, choices), default=False):
            raise typer.Abort
    except typer.Abort:  # also Ctrl-C or no input left at a question
        gateway.cancel(draft["id"])
        out.print("Not confirmed: the draft is cancelled, nothing changed.")
        return EXIT_NOT_CLEAN
    job = gateway.confirm(draft["id"], given, choices.mode)
    job = watch(gateway, job, choices.interval, err)
    return summarise(gateway, job, out)


def _question(draft: dict[str, Any], choices: Choices) -> str:
    if not draft.get("undo_of"):
        return f"Run {draft['operation']} on {draft['total']} relations?"
    return (f"Undo job {draft['undo_of']} on {draft['total']} relations, with mode "
            f"{choices.mode} for those changed since?")


def _confirmations(draft: dict[str, Any], choices: Choices, err: Console) -> list[str] | None:
    """The confirmations to send; None when one is missing (--yes) or refused (asked)."""
    given = list(dict.fromkeys(choices.confirmations))
    needed = {impact.get("confirmation"): impact for impact in draft.get("impacts") or []
              if impact.get("confirmation")}
    missing = [key for key in needed if key not in given]
    if missing and choices.yes:
        err.print(Text("This job needs confirming: " + ", ".join(
            f"--confirm {key}" for key in missing) + ". The draft is cancelled, nothing "
            "changed.", style="bold red"))
        return None
    for key in missing:
        impact = needed[key]
        if not typer.confirm(f"{impact['description']} ({impact.get('count')} relations). "
                             f"Confirm {key}?", default=False):
            err.print(f"{key} not confirmed: the draft is cancelled, nothing changed.")
            return None
        given.append(key)
    return given


def watch(gateway: Gateway, job: dict[str, Any], interval: float, console: Console) -> dict:
    """Poll the job until it ends, with a bar of done/total, the rate and the time left."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]}"), TextColumn("{task.fields[eta]}"))
    try:
        with Progress(*columns, console=console) as bar:
            task = bar.add_task(job["operation"], total=max(job["total"], 1), rate="", eta="")
            misses = 0
            while True:
                _show(bar, task, job)
                if job["status"] in FINAL:
                    return job
                time.sleep(interval)
                try:
                    job, misses = gateway.job(job["id"]), 0
                except Unreachable:
                    # A gateway restarting is no reason to stop watching a long job.
                    misses += 1
                    if misses > POLL_MISSES:
                        raise
    except KeyboardInterrupt:
        console.print(f"Stopped watching; the job goes on. Follow it with: cardbox bulk "
                      f"status {job['id']} --watch (or cancel it: cardbox bulk cancel "
                      f"{job['id']})")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _show(bar: Progress, task: Any, job: dict[str, Any]) -> None:
    progress = job.get("progress") or {}
    rate, eta = progress.get("per_second"), progress.get("eta_seconds")
    bar.update(task, completed=progress.get("done", 0),
               description=f"{job['operation']} {job['status']}",
               rate=f"{rate:,.1f} relations/s" if rate else "",
               eta=f"{_clock(eta)} left" if eta is not None and job["status"] not in FINAL
               else "")


def _clock(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def summarise(gateway: Gateway, job: dict[str, Any], out: Console) -> int:
    """Counts per outcome and the first failures; 0 only for a job completed without errors."""
    failures = []
    if (job.get("counts") or {}).get("failed"):
        failures = gateway.results(job["id"], outcome="failed", limit=FAILURES_SHOWN)["items"]
    render.outcome_summary(out, job, failures)
    return exit_code(job)


def exit_code(job: dict[str, Any]) -> int:
    return EXIT_OK if job["status"] == "completed" else EXIT_NOT_CLEAN
