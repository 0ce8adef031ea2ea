"""Plugins: how a service declares itself to the platform, and how the platform finds them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

from marshmallow import Schema
from sqlalchemy import MetaData

from shared.access import RoutePermissions
from shared.db import UnitOfWork
from shared.messages import Command, Envelope, Event, MessageType, Query
from shared.periodic import Periodic

SERVICES_GROUP = "cardbox.services"
BULK_OPERATIONS_GROUP = "cardbox.bulk_operations"
UNDO_KINDS = ("before_images", "inverse", None)

Handler = Callable[[Envelope, UnitOfWork], Any]


@dataclass(frozen=True)
class ServicePlugin:
    """A service as the platform sees it: a declaration, not a procedure."""

    name: str
    title: str
    metadata: MetaData
    migrations: Path
    blueprints: tuple = ()
    events: dict[Event, Handler] = field(default_factory=dict)
    commands: dict[Command | Query, Handler] = field(default_factory=dict)
    uow_class: type[UnitOfWork] = UnitOfWork
    # Work the service does by itself every so often, in its consumer process.
    periodic: tuple[Periodic, ...] = ()
    # Steps run with the runtime right after each migration (e.g. creating the first user).
    after_migrate: tuple[Callable[[Any], None], ...] = ()
    # Work queues of its own (bulk.tasks): queue_type -> kombu Queue, declared with the
    # service's other queues (and a dead-letter queue each), consumed by its own workers.
    work_queues: tuple[Callable[[str], Any], ...] = ()
    # Workers the embedded process runs as threads beside the consumer (bulk workers): each
    # callable gets the runtime and answers objects with run(), stop() and a `ready` event.
    embedded_workers: tuple[Callable[[Any], list[Any]], ...] = ()
    # What its routes need unless a view declares otherwise (shared.access): read for GET and
    # HEAD, write for the rest. None: every view must declare its own.
    permissions: RoutePermissions | None = None
    version: str = "1"

    def handler_table(self) -> dict[str, tuple[MessageType, Handler]]:
        return {mt.name: (mt, fn) for mt, fn in {**self.events, **self.commands}.items()}


def service_plugins(names: list[str] | None = None) -> list[ServicePlugin]:
    """Installed services, in name order; `names` narrows and orders the choice."""
    found = {ep.name: ep for ep in entry_points(group=SERVICES_GROUP)}
    wanted = names or sorted(found)
    missing = [name for name in wanted if name not in found]
    if missing:
        raise LookupError(f"services not installed: {', '.join(missing)}")
    return [found[name].load() for name in wanted]


@dataclass(frozen=True)
class OperationContext:
    """What an operation is given with every call: the bus (`rpc.call(Query, payload)` asks
    the owner), who the job runs for (a principal dict) and the job ({id, params,
    suppress_automations, confirmations}; empty before the job exists)."""

    rpc: Any
    principal: dict[str, Any]
    job: dict[str, Any] = field(default_factory=dict)


class BulkOperation(ABC):
    """A bulk operation, installed as a package under the `cardbox.bulk_operations` entry
    points (description = the class docstring). Plugins hold no state: the bulk service
    keeps jobs and items, cuts them into chunks and records the outcomes the owner answers.

    A job's life: validate() and the schema at creation, preview() a page at a time and
    impacts() over the whole target while it is a draft, command() per chunk once it is
    confirmed, and for its undo job changed_since() (preview) and undo_command() per chunk.

    Values that differ per relation (edit_each): params may hold `per_relation`
    ({relation_id: values}); the bulk service keeps each relation's values with its item and
    hands preview() and command() params whose `per_relation` holds just the relations at
    hand."""

    name: ClassVar[str]
    params: ClassVar[type[Schema]]      # its parameters, validated when a job is created
    permission: ClassVar[str]           # checked at creation, confirmation and execution
    owner: ClassVar[str]                # the service that applies it
    # How a finished job is undone: "before_images" (the owner's recorded before-images),
    # "inverse" (an inverse command), or None with `undo_refusal` saying why it cannot be.
    undo: ClassVar[str | None] = None
    undo_refusal: ClassVar[str | None] = None

    def validate(self, ctx: OperationContext, params: dict[str, Any]) -> None:
        """Check params beyond their schema (ask the owner); raise ValidationFailed naming
        `params.<field>`. The default accepts what the schema accepted."""
        return None

    @abstractmethod
    def preview(self, ctx: OperationContext, params: dict[str, Any],
                relation_ids: list[str]) -> list[dict[str, Any]]:
        """Per relation, in the order given: {relation_id, name?, diff, outcome
        (would_change | unchanged | would_fail), reason?}. Writes nothing."""

    def impacts(self, ctx: OperationContext, params: dict[str, Any],
                relation_ids: list[str]) -> list[dict[str, Any]]:
        """What else applying it to these relations (at most 5,000 a call) would do:
        [{key, description, count, confirmation: the key to confirm, or None}]. The bulk
        service adds up the counts per key over the whole target. Default: nothing."""
        return []

    @abstractmethod
    def command(self, ctx: OperationContext, chunk: list[str],
                params: dict[str, Any]) -> tuple[Command, dict[str, Any]]:
        """The owner's command and its payload for one chunk. The payload carries `job` (the
        owner's idempotency key: ctx.job["key"]), relation_ids, principal and
        suppress_automations; chunk_payload() builds that part."""

    def undo_command(self, ctx: OperationContext, chunk: list[str], items: list[dict[str, Any]],
                     mode: str) -> tuple[Command, dict[str, Any]] | None:
        """The command that undoes a chunk of the job; `items` carry each relation's recorded
        {relation_id, outcome, detail, before, version}; mode "skip" (leave relations changed
        since) or "overwrite". None: nothing to send for this chunk."""
        return None

    def changed_since(self, ctx: OperationContext, items: list[dict[str, Any]]) -> list[str]:
        """Of these items (as for undo_command), the relation ids someone else changed after
        the job; the undo preview lists them and mode "skip" leaves them. Default: none."""
        return []

    def interpret(self, ctx: OperationContext, answer: Any) -> list[dict[str, Any]]:
        """The owner's answer to command() (or, in an undo job, undo_command()) as outcomes
        per relation: {relation_id, outcome: changed | unchanged | failed | skipped, reason?,
        changes?, before?, version?}. Default: the owner answers in those terms already."""
        return answer

    @staticmethod
    def chunk_payload(ctx: OperationContext, chunk: list[str], **extra: Any) -> dict[str, Any]:
        """The part of a chunk payload every owner expects, plus the operation's own."""
        return {"job": ctx.job["key"], "relation_ids": list(chunk), "principal": ctx.principal,
                "suppress_automations": bool(ctx.job.get("suppress_automations")), **extra}


def bulk_operations() -> dict[str, BulkOperation]:
    """Installed bulk operations by name; a malformed plugin is refused by name, not skipped."""
    operations: dict[str, BulkOperation] = {}
    for entry_point in entry_points(group=BULK_OPERATIONS_GROUP):
        operation_class = entry_point.load()
        missing = [attr for attr in ("name", "params", "permission", "owner")
                   if not hasattr(operation_class, attr)]
        if not (isinstance(operation_class, type) and issubclass(operation_class, BulkOperation)):
            raise TypeError(f"bulk operation {entry_point.value} is not a BulkOperation")
        if missing:
            raise TypeError(f"bulk operation {entry_point.value} does not declare "
                            + ", ".join(missing))
        if getattr(operation_class, "undo", None) not in UNDO_KINDS:
            raise TypeError(f"bulk operation {entry_point.value}: undo is one of "
                            + ", ".join(map(repr, UNDO_KINDS)))
        if operation_class.name in operations:
            raise ValueError(f"two bulk operations are called {operation_class.name!r}")
        operations[operation_class.name] = operation_class()
    return operations
