"""Set-based writes of relation states: one INSERT … ON CONFLICT per batch writes the view
rows a newer version reaches, instead of an ORM object per relation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from services.selections.models import GoneRelation, RelationView
from shared.db import copy_to_scratch

# Rows per statement on SQLite: 21 columns each stays well under its parameter limit.
ROWS_PER_STATEMENT = 1000


def upsert_views(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert view rows, or overwrite those whose stored version is older; answers the ids
    written. A row whose stored version is as new or newer is left alone, and so is one of a
    relation merged or deleted (it has a tombstone)."""
    if not rows:
        return set()
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        written = _upsert_copied(session, rows)
    else:
        written = _upsert_values(session, rows)
    expire_loaded(session, written)
    return written


def _upsert_values(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    gone = _gone_ids(session, [row["id"] for row in rows])
    rows = [row for row in rows if row["id"] not in gone]
    if not rows:
        return set()
    table = RelationView.__table__
    written: set[str] = set()
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        statement = sqlite_insert(table).values(rows[start:start + ROWS_PER_STATEMENT])
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.id],
            set_={name: statement.excluded[name] for name in rows[0] if name != "id"},
            where=table.c.version < statement.excluded.version,
        ).returning(table.c.id)
        written.update(session.scalars(statement))
    return written


def _upsert_copied(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """COPY into a scratch table, then one INSERT … SELECT … ON CONFLICT: no statement of
    thousands of parameters to build and parse per batch."""
    names = list(rows[0])
    scratch = copy_to_scratch(session, RelationView.__table__, names, rows)
    updates = ", ".join(f"{name} = excluded.{name}" for name in names if name != "id")
    written = set(session.scalars(text(
        f"INSERT INTO relation_view ({', '.join(names)}) SELECT {', '.join(names)} "
        f"FROM {scratch} AS s WHERE NOT EXISTS (SELECT 1 FROM gone_relations AS g "
        f"WHERE g.id = s.id) ON CONFLICT (id) DO UPDATE SET {updates} "
        f"WHERE relation_view.version < excluded.version RETURNING id")))
    session.execute(text(f"DELETE FROM {scratch}"))
    return written


def _gone_ids(session: Session, relation_ids: list[str]) -> set[str]:
    return set(session.scalars(select(GoneRelation.id).where(GoneRelation.id.in_(relation_ids))))


def expire_loaded(session: Session, relation_ids: set[str]) -> None:
    # A view row this session loaded before is stale now: read it again when next used.
    for instance in list(session.identity_map.values()):
        if isinstance(instance, RelationView) and instance.id in relation_ids:
            session.expire(instance)
