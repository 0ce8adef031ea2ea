"""The queries of dossiers, their members, and the action definitions they carry."""

from __future__ import annotations

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from services.relations.models import Dossier, DossierActionDefinition, DossierMember
from services.relations.repository.definitions import DefinitionRepository, json_list_holds
from shared.errors import NotFound, ValidationFailed
from shared.pagination import decode_cursor, encode_cursor


class DossierRepository:
    def __init__(self, session: Session):
        self.session = session

    def get(self, dossier_id: str) -> Dossier:
        dossier = self.session.get(Dossier, dossier_id)
        if dossier is None:
            raise NotFound(f"dossier {dossier_id} does not exist")
        return dossier

    def add(self, dossier: Dossier) -> Dossier:
        self.session.add(dossier)
        self.session.flush()
        return dossier

    def delete(self, dossier: Dossier) -> None:
        self.session.delete(dossier)

    def page(self, *, limit: int, cursor: str | None, kind: str | None = None,
             relation_id: str | None = None) -> tuple[list[Dossier], str | None]:
        """By name, a page at a time; `relation_id` narrows to the dossiers it is in."""
        query = select(Dossier).order_by(Dossier.name, Dossier.id)
        if kind:
            query = query.where(Dossier.kind == kind)
        if relation_id:
            query = query.where(Dossier.id.in_(self._ids_of(relation_id)))
        position = decode_cursor(cursor, 2)
        if position:
            if not all(isinstance(part, str) for part in position):
                raise ValidationFailed("the cursor is not one this API handed out",
                                       errors={"cursor": ["unknown cursor"]})
            query = query.where(tuple_(Dossier.name, Dossier.id) > tuple(position))
        rows = list(self.session.scalars(query.limit(limit + 1)))
        if len(rows) <= limit:
            return rows, None
        last = rows[limit - 1]
        return rows[:limit], encode_cursor([last.name, last.id])

    def of_relation(self, relation_id: str) -> list[Dossier]:
        """Every dossier `relation_id` is a member of."""
        query = (select(Dossier).where(Dossier.id.in_(self._ids_of(relation_id)))
                 .order_by(Dossier.name, Dossier.id))
        return list(self.session.scalars(query))

    def holders(self, action: str) -> Select[tuple[Dossier]]:
        """A query for the dossiers whose actions hold `action` (once or more)."""
        return select(Dossier).where(json_list_holds(self.session, "dossiers.actions", action))

    def move_memberships(self, source_id: str, target_id: str) -> list[tuple[Dossier, bool]]:
        """Put `target_id` in every dossier `source_id` is in (never twice) and take
        `source_id` out; answers each dossier touched and whether the target joined it now.
        The caller records history and emits the dossiers' new state (the merge does)."""
        moved = []
        for dossier in self.of_relation(source_id):
            dossier.remove_member(source_id)
            moved.append((dossier, dossier.add_member(target_id)))
        return moved

    def leave_all(self, relation_id: str) -> list[Dossier]:
        """Take `relation_id` out of every dossier; answers the dossiers it left."""
        left = self.of_relation(relation_id)
        for dossier in left:
            dossier.remove_member(relation_id)
        return left

    def _ids_of(self, relation_id: str) -> Select[tuple[str]]:
        return select(DossierMember.dossier_id).where(DossierMember.relation_id == relation_id)


class DossierActionRepository(DefinitionRepository):
    model = DossierActionDefinition
    noun = "dossier action"

    def count_holders(self, key: str) -> int:
        """How many dossiers carry the action."""
        holders = DossierRepository(self.session).holders(key)
        return self.session.scalar(select(func.count()).select_from(holders.subquery()))
