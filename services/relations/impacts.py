"""Archive impacts: what else happens when relations are archived, as plugins.

A finance or community module adds "open invoices need a decision" by installing a package
with an entry point in `cardbox.archive_impacts`; the core does not change.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from importlib.metadata import entry_points
from typing import Any, ClassVar

from sqlalchemy import select

from services.relations.handlers.functions import end_open_functions
from services.relations.models import PortalAccountView

ARCHIVE_IMPACTS_GROUP = "cardbox.archive_impacts"


@dataclass(frozen=True)
class Impact:
    """One consequence of archiving, reported before it happens."""

    key: str                          # the confirmation it asks for
    description: str
    count: int
    requires_confirmation: bool = True
    details: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ArchiveImpact(ABC):
    """A plugin: assesses, then (once confirmed) carries out, one consequence of archiving.
    Both run inside the archive transaction of the relations service."""

    key: ClassVar[str]

    @abstractmethod
    def assess(self, uow, relation_ids: list[str]) -> Impact | None:
        """What would happen to these relations; None when nothing would."""

    @abstractmethod
    def apply(self, uow, relation_ids: list[str], via) -> None:
        """Carry it out, in the caller's transaction."""


@cache
def archive_impacts() -> tuple[ArchiveImpact, ...]:
    """The installed impact plugins, loaded once per process."""
    plugins = []
    for entry_point in sorted(entry_points(group=ARCHIVE_IMPACTS_GROUP), key=lambda e: e.name):
        plugin_class = entry_point.load()
        if not (isinstance(plugin_class, type) and issubclass(plugin_class, ArchiveImpact)):
            raise TypeError(f"archive impact {entry_point.value} is not an ArchiveImpact")
        plugins.append(plugin_class())
    return tuple(plugins)


class EndOpenFunctions(ArchiveImpact):
    """Built in: an archived relation holds no function any more, and none is held with it;
    open functions end on the day of archiving."""

    key = "end_functions"

    def assess(self, uow, relation_ids: list[str]) -> Impact | None:
        functions = uow.functions.open_of(relation_ids, _today())
        if not functions:
            return None
        return Impact(
            key=self.key, count=len(functions),
            description=f"{len(functions)} open functions will end today",
            details=[{"function_id": f.id, "relation_id": f.relation_id,
                      "organisation_id": f.organisation_id, "role": f.role}
                     for f in functions[:100]])

    def apply(self, uow, relation_ids: list[str], via) -> None:
        end_open_functions(uow, relation_ids, _today(), via)


def _today() -> date:
    return datetime.now(UTC).date()


class BlockPortalAccounts(ArchiveImpact):
    """Built in: an archived relation cannot log in to the portal; the accounts service blocks
    its account when it hears of the archive. Reported here, before it happens."""

    key = "block_portal_accounts"

    def assess(self, uow, relation_ids: list[str]) -> Impact | None:
        holders = list(uow.session.scalars(select(PortalAccountView.relation_id).where(
            PortalAccountView.relation_id.in_(relation_ids),
            PortalAccountView.status == "active")))
        if not holders:
            return None
        return Impact(key=self.key, count=len(holders),
                      description=f"{len(holders)} portal accounts will be blocked",
                      details=[{"relation_id": rid} for rid in holders[:100]])

    def apply(self, uow, relation_ids: list[str], via) -> None:
        """Nothing here: the accounts service reacts to relations.relations.archived."""
