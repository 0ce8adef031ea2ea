"""Archive impacts: what else happens when relations are archived, as plugins.

A finance or community module adds "open invoices need a decision" by installing a package
with an entry point in `cardbox.archive_impacts`; the core does not change.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib.metadata import entry_points
from typing import Any, ClassVar

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
