"""The queries of the selections service."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, text, update
from sqlalchemy.orm import Session

from services.selections.models import (
    Definition,
    DossierAction,
    DossierMember,
    DossierView,
    FieldDefinition,
    FunctionView,
    GoneRelation,
    MergeRecord,
    RelationValue,
    RelationView,
)
from shared import jsontext
from shared.db import insert_rows, json_recordset, one_of, update_rows
from shared.pagination import decode_cursor, encode_cursor

# session.info key: the relations whose derived group memberships the commit brings up to date.
TOUCHED = "selections.touched"


class ReadModel:
    def __init__(self, session: Session):
        self.session = session

    # --- relations --------------------------------------------------------------------------

    def views(self, relation_ids: Iterable[str]) -> dict[str, RelationView]:
        ids = list(relation_ids)
        rows = self.session.scalars(select(RelationView).where(RelationView.id.in_(ids)))
        return {row.id: row for row in rows}

    def gone(self, relation_ids: Iterable[str]) -> dict[str, GoneRelation]:
        ids = list(relation_ids)
        rows = self.session.scalars(select(GoneRelation).where(GoneRelation.id.in_(ids)))
        return {row.id: row for row in rows}

    def add(self, row: Any) -> None:
        self.session.add(row)

    def touch(self, relation_ids: Iterable[str | None]) -> None:
        """Note relations that may now match a dynamic group differently; the unit of work
        brings their derived memberships up to date when it commits."""
        self.session.info.setdefault(TOUCHED, set()).update(
            relation_id for relation_id in relation_ids if relation_id)

    def replace_values(self, relation_ids: list[str], rows: list[dict[str, Any]]) -> None:
        """The value rows of these relations, all of them anew."""
        self.session.flush()
        self.session.execute(delete(RelationValue).where(RelationValue.relation_id.in_(
            relation_ids)))
        insert_rows(self.session, RelationValue.__table__, rows)

    def advance(self, views: list[dict[str, Any]]) -> set[str]:
        """Write the view rows that follow the stored ones (stored version = new version - 1),
        differing only in state, version and times; answers the ids written. Others are left
        as they are. A concurrent absorb of the same relation waits for the row's lock, then
        finds the version moved on."""
        self.session.flush()
        dialect = self.session.get_bind().dialect
        if dialect.name == "postgresql":
            # One statement, the rows as one JSON document: no scratch table, no lock-first read.
            return set(self.session.scalars(text(
                "UPDATE relation_view AS t SET state = w.state, version = w.version, "
                "updated_at = w.updated_at, absorbed_at = w.absorbed_at "
                f"FROM {json_recordset(RelationView.__table__, list(views[0]), dialect)} "
                "WHERE t.id = w.id AND t.version = w.version - 1 RETURNING t.id"),
                {"rows": jsontext.dumps(views)}))
        stored = dict(self.session.execute(
            select(RelationView.id, RelationView.version)
            .where(RelationView.id.in_([view["id"] for view in views]))).all())
        following = [view for view in views if stored.get(view["id"]) == view["version"] - 1]
        update_rows(self.session, RelationView.__table__, following)
        return {view["id"] for view in following}

    def replace_values_of(self, attributes: dict[str, set[str]],
                          rows: list[dict[str, Any]]) -> None:
        """Anew the value rows of the attributes that changed (`attributes`: relation id ->
        its attributes); `rows` are their new value rows."""
        by_attributes: dict[frozenset[str], list[str]] = {}
        for relation_id, names in attributes.items():
            by_attributes.setdefault(frozenset(names), []).append(relation_id)
        # A bulk change gives its relations the same attributes: one DELETE for them all.
        for names, relation_ids in by_attributes.items():
            self.session.execute(delete(RelationValue).where(
                one_of(self.session, RelationValue.relation_id, relation_ids),
                RelationValue.attribute.in_(sorted(names))))
        insert_rows(self.session, RelationValue.__table__, rows)

    def remove(self, relation_ids: list[str]) -> None:
        """Forget relations: their view rows and value rows."""
        self.session.flush()
        self.session.execute(delete(RelationValue).where(RelationValue.relation_id.in_(
            relation_ids)))
        self.session.execute(delete(RelationView).where(RelationView.id.in_(relation_ids)))

    def unmark_gone(self, relation_ids: list[str], merge_id: str) -> None:
        self.session.execute(delete(GoneRelation).where(
            GoneRelation.id.in_(relation_ids), GoneRelation.merge_id == merge_id))

    def merge(self, merge_id: str) -> MergeRecord | None:
        return self.session.get(MergeRecord, merge_id)

    def exists(self, relation_id: str) -> bool:
        return self.session.get(RelationView, relation_id) is not None

    # --- functions --------------------------------------------------------------------------

    def function(self, function_id: str) -> FunctionView | None:
        return self.session.get(FunctionView, function_id)

    def functions_touching(self, relation_ids: list[str]) -> list[FunctionView]:
        return list(self.session.scalars(select(FunctionView).where(
            FunctionView.relation_id.in_(relation_ids)
            | FunctionView.organisation_id.in_(relation_ids))))

    def bury_functions_of(self, relation_ids: list[str]) -> None:
        """Functions at either end of deleted relations count no more (tombstones stay)."""
        self.session.execute(update(FunctionView).where(
            FunctionView.relation_id.in_(relation_ids)
            | FunctionView.organisation_id.in_(relation_ids)).values(deleted=True))

    # --- dossiers ---------------------------------------------------------------------------

    def dossier(self, dossier_id: str) -> DossierView | None:
        return self.session.get(DossierView, dossier_id)

    def replace_dossier(self, dossier_id: str, member_ids: list[str], actions: list[str]) -> None:
        """A dossier's members and actions, all of them anew (none for a deleted dossier)."""
        self.session.flush()
        self.touch([*member_ids, *self.session.scalars(select(DossierMember.relation_id).where(
            DossierMember.dossier_id == dossier_id))])
        for table in (DossierMember, DossierAction):
            self.session.execute(delete(table).where(table.dossier_id == dossier_id))
        insert_rows(self.session, DossierMember.__table__,
                    [{"dossier_id": dossier_id, "relation_id": rid} for rid in member_ids])
        insert_rows(self.session, DossierAction.__table__,
                    [{"dossier_id": dossier_id, "action": action} for action in actions])

    # --- definitions ------------------------------------------------------------------------

    def field_definition(self, key: str) -> FieldDefinition | None:
        return self.session.get(FieldDefinition, key)

    def field_definitions(self) -> list[FieldDefinition]:
        return list(self.session.scalars(select(FieldDefinition).where(
            FieldDefinition.deleted.is_(False)).order_by(FieldDefinition.key)))

    def definition(self, kind: str, key: str) -> Definition | None:
        return self.session.get(Definition, (kind, key))

    def definition_keys(self, kind: str) -> list[str]:
        return list(self.session.scalars(select(Definition.key).where(
            Definition.kind == kind, Definition.deleted.is_(False)).order_by(Definition.key)))

    # --- filters ----------------------------------------------------------------------------

    def count(self, condition: ColumnElement[bool]) -> int:
        return self.session.scalar(select(func.count()).select_from(RelationView)
                                   .where(condition))

    def page(self, condition: ColumnElement[bool], *, limit: int,
             cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """The states of matching relations by id, `limit` at a time after `cursor`."""
        query = select(RelationView.id, RelationView.state).where(condition)
        position = decode_cursor(cursor, 1)
        if position:
            query = query.where(RelationView.id > position[0])
        rows = self.session.execute(query.order_by(RelationView.id).limit(limit + 1)).all()
        states = [row.state for row in rows[:limit]]
        if len(rows) <= limit:
            return states, None
        return states, encode_cursor([rows[limit - 1].id])
