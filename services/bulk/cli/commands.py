"""`cardbox bulk …`: list the operations, run a job, and watch, page, cancel or undo one."""

import json
from typing import Annotated, Any

import typer

from services.bulk.cli import flow, render
from services.bulk.cli.session import err, errors_reported, gateway, out

bulk = typer.Typer(help="Bulk jobs: preview, confirm, follow, cancel and undo.",
                   no_args_is_help=True)

TARGETS = "list:ID | group:ID | selection:ID | ids:A,B,… | filter:'{JSON}'"
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask: confirm the preview.")]
Confirm = Annotated[list[str] | None, typer.Option(
    "--confirm", help="Confirm an impact by its key (repeat for several).")]
Shown = Annotated[int, typer.Option("--show", min=0, help="Relations shown in the preview.")]
Interval = Annotated[float, typer.Option("--interval", min=0.05,
                                         help="Seconds between progress polls.")]
Mode = Annotated[str, typer.Option("--mode", help="skip or overwrite relations someone else "
                                                  "changed since the job.")]


def parse_target(value: str) -> dict[str, Any]:
    """--target as the API's target object."""
    kind, _, rest = value.partition(":")
    rest = rest.strip()
    if not rest:
        raise typer.BadParameter(f"expected {TARGETS}", param_hint="--target")
    if kind in ("list", "group", "selection"):
        return {kind: rest}
    if kind == "ids":
        ids = [rid.strip() for rid in rest.split(",") if rid.strip()]
        return {"relation_ids": ids}
    if kind == "filter":
        return {"filter": parse_json(rest, "--target filter")}
    raise typer.BadParameter(f"unknown kind {kind!r}; expected {TARGETS}", param_hint="--target")


def parse_json(value: str, option: str) -> Any:
    try:
        return json.loads(value)
    except ValueError as exc:
        raise typer.BadParameter(f"not JSON: {exc}", param_hint=option) from None


@bulk.command("operations")
def operations(ctx: typer.Context) -> None:
    """The bulk operations installed, with their parameters."""
    with errors_reported():
        render.operations_table(out(), gateway(ctx).operations())


@bulk.command("run")
def run(ctx: typer.Context,
        target: Annotated[str, typer.Option(help=f"Whose relations: {TARGETS}.")],
        operation: Annotated[str, typer.Option(help="An operation's name (cardbox bulk "
                                                    "operations).")],
        params: Annotated[str, typer.Option(help="The operation's parameters as a JSON "
                                                 "object.")] = "{}",
        suppress_automations: Annotated[bool, typer.Option(
            "--suppress-automations",
            help="Ask downstream automations to ignore the changes.")] = False,
        yes: Yes = False, confirm: Confirm = None, show: Shown = 20,
        interval: Interval = 0.5) -> None:
    """Preview a job, confirm it, follow its progress and summarise its outcome."""
    body = {"target": parse_target(target), "operation": operation,
            "params": parse_json(params, "--params"),
            "suppress_automations": suppress_automations}
    if not isinstance(body["params"], dict):
        raise typer.BadParameter("expected a JSON object", param_hint="--params")
    choices = flow.Choices(yes=yes, confirmations=tuple(confirm or ()), shown=show,
                           interval=interval)
    with errors_reported():
        client = gateway(ctx)
        code = flow.carry_out(client, client.create_job(body), choices, out(), err())
    raise typer.Exit(code)


@bulk.command("status")
def status(ctx: typer.Context, job_id: Annotated[str, typer.Argument(help="The job's id.")],
           watch: Annotated[bool, typer.Option(help="Follow it with a progress bar until it "
                                                    "ends.")] = False,
           interval: Interval = 0.5) -> None:
    """A job's status, progress, counts and timings."""
    with errors_reported():
        client = gateway(ctx)
        job = client.job(job_id)
        if not watch:
            render.job_state(out(), job)
            return
        code = flow.summarise(client, flow.watch(client, job, interval, err()), out())
    raise typer.Exit(code)


@bulk.command("results")
def results(ctx: typer.Context, job_id: Annotated[str, typer.Argument(help="The job's id.")],
            outcome: Annotated[str | None, typer.Option(
                help="Only this outcome: changed, unchanged, failed, skipped, cancelled, "
                     "pending.")] = None,
            limit: Annotated[int, typer.Option(min=1, help="Relations shown at most.")] = 50,
            ) -> None:
    """The outcome per relation of a job, in target order."""
    with errors_reported():
        client = gateway(ctx)
        rows: list[dict[str, Any]] = []
        cursor = None
        while len(rows) < limit:
            page = client.results(job_id, outcome=outcome, cursor=cursor,
                                  limit=min(limit - len(rows), 500))
            rows += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        render.items(out(), rows, title=f"Results of {job_id}"
                     + (f" ({outcome})" if outcome else ""))
        if cursor is not None:
            out().print(f"More relations follow: --limit {limit * 2} shows more.")


@bulk.command("cancel")
def cancel(ctx: typer.Context,
           job_id: Annotated[str, typer.Argument(help="The job's id.")]) -> None:
    """Cancel a job: chunks being applied finish, the rest are not started."""
    with errors_reported():
        job = gateway(ctx).cancel(job_id)
    out().print(f"Job {job_id} is {job['status']}.")


@bulk.command("undo")
def undo(ctx: typer.Context, job_id: Annotated[str, typer.Argument(help="The job to undo.")],
         mode: Mode = "skip", yes: Yes = False, confirm: Confirm = None, show: Shown = 20,
         interval: Interval = 0.5) -> None:
    """Preview the job that puts back what a job changed, confirm it and follow it."""
    if mode not in ("skip", "overwrite"):
        raise typer.BadParameter("expected skip or overwrite", param_hint="--mode")
    choices = flow.Choices(yes=yes, confirmations=tuple(confirm or ()), shown=show,
                           interval=interval, mode=mode)
    with errors_reported():
        client = gateway(ctx)
        code = flow.carry_out(client, client.undo(job_id, mode), choices, out(), err())
    raise typer.Exit(code)
