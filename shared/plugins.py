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

from shared.db import UnitOfWork
from shared.messages import Command, Envelope, Event, MessageType, Query
from shared.periodic import Periodic

SERVICES_GROUP = "cardbox.services"
BULK_OPERATIONS_GROUP = "cardbox.bulk_operations"

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


class BulkOperation(ABC):
    """A bulk operation, installed as a package under the `cardbox.bulk_operations` entry
    points. Plugins hold no state: the bulk service keeps jobs and items."""

    name: ClassVar[str]
    params: ClassVar[type[Schema]]      # its parameters, validated when a job is created
    permission: ClassVar[str]           # checked at creation, confirmation and execution
    owner: ClassVar[str]                # the service that applies it

    @abstractmethod
    def preview(self, params: dict[str, Any], relations: list[dict[str, Any]]) -> list[dict]:
        """Per relation, the diff the operation would apply; writes nothing."""

    @abstractmethod
    def command(self, job: dict[str, Any], chunk: list[str],
                params: dict[str, Any]) -> tuple[Command, dict[str, Any]]:
        """The command (and payload) that asks the owner to apply one chunk."""


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
        if operation_class.name in operations:
            raise ValueError(f"two bulk operations are called {operation_class.name!r}")
        operations[operation_class.name] = operation_class()
    return operations
