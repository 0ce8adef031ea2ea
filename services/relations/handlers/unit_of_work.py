"""The relations unit of work: repositories, and the history every change leaves behind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.relations import derived
from services.relations.models import HistoryEntry
from services.relations.models.base import now
from services.relations.repository import (
    ContactMomentRepository,
    DossierActionRepository,
    DossierRepository,
    DuplicateRepository,
    FieldRepository,
    FunctionRepository,
    HistoryRepository,
    RelationRepository,
    SearchRepository,
    TagRepository,
)
from shared import context
from shared.db import UnitOfWork, insert_rows


@dataclass(frozen=True)
class Via:
    """Through what a change came: an API call, a bulk job, a merge, the system itself."""

    kind: str
    ref: str | None = None

    @classmethod
    def api(cls) -> Via:
        return cls("api", context.correlation_id())

    @classmethod
    def bulk(cls, job_id: str) -> Via:
        return cls("bulk", job_id)

    @classmethod
    def merge(cls, merge_id: str) -> Via:
        return cls("merge", merge_id)


class RelationsUnitOfWork(UnitOfWork):
    def __enter__(self) -> RelationsUnitOfWork:
        fresh = self.session is None
        super().__enter__()
        if fresh:
            derived.watch(self.session)
        return self

    @property
    def relations(self) -> RelationRepository:
        return RelationRepository(self.session)

    @property
    def fields(self) -> FieldRepository:
        return FieldRepository(self.session)

    @property
    def history(self) -> HistoryRepository:
        return HistoryRepository(self.session)

    @property
    def functions(self) -> FunctionRepository:
        return FunctionRepository(self.session)

    @property
    def contact_moments(self) -> ContactMomentRepository:
        return ContactMomentRepository(self.session)

    @property
    def tags(self) -> TagRepository:
        return TagRepository(self.session)

    @property
    def dossiers(self) -> DossierRepository:
        return DossierRepository(self.session)

    @property
    def dossier_actions(self) -> DossierActionRepository:
        return DossierActionRepository(self.session)

    @property
    def search(self) -> SearchRepository:
        return SearchRepository(self.session)

    @property
    def duplicates(self) -> DuplicateRepository:
        return DuplicateRepository(self.session)

    def record(self, relation_id: str, changes: dict[str, list[Any]], via: Via) -> None:
        """One history row per changed field, stamped with who and through what."""
        self.record_many([(relation_id, changes)], via)

    def record_many(self, entries: list[tuple[str, dict[str, list[Any]]]], via: Via) -> None:
        """History for many relations in one statement (a bulk chunk writes thousands)."""
        principal = context.principal()
        who = principal.label if principal is not None else "system"
        rows = [{"relation_id": relation_id, "principal": who, "via": via.kind,
                 "via_ref": via.ref, "field": field, "before": before, "after": after,
                 "at": now()}
                for relation_id, changes in entries for field, (before, after) in changes.items()]
        if rows:
            insert_rows(self.session, HistoryEntry.__table__, rows)
