"""Plugins: how a service declares itself to the platform, and how the platform finds them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData

from shared.db import UnitOfWork
from shared.messages import Command, Envelope, Event, MessageType, Query

SERVICES_GROUP = "cardbox.services"

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
