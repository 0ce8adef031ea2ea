"""The search index of relations: one row per normalised term a relation can be found by."""

from __future__ import annotations

from alembic.autogenerate import comparators
from alembic.operations import ops
from alembic.util import DispatchPriority
from sqlalchemy import BigInteger, Boolean, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.relations.models.base import Base

# The order is the ranking: a name match goes before an e-mail match, before a phone match.
SEARCH_FIELDS = ("name", "email", "phone")
TERM_LENGTH = 320
# Byte order (C collation) on PostgreSQL, as SQLite's BINARY: prefix ranges and keyset order
# then agree with Python's string comparison whatever the database's locale.
TermType = String(TERM_LENGTH).with_variant(String(TERM_LENGTH, collation="C"), "postgresql")

# Written by hand in the migration, per dialect, so they are not in the models: the pg_trgm GIN
# index (PostgreSQL) and the FTS5 trigram table with its sync triggers (SQLite).
TRIGRAM_INDEX = "ix_relation_search_trgm"
FTS_TABLE = "relation_search_fts"
FTS_SHADOW_TABLES = tuple(f"{FTS_TABLE}_{suffix}"
                          for suffix in ("data", "idx", "docsize", "config", "content"))


class SearchTerm(Base):
    __tablename__ = "relation_search"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"),
                                    primary_key=True)
    relation_id: Mapped[str] = mapped_column(String(36))
    # An index into SEARCH_FIELDS.
    field: Mapped[int] = mapped_column(SmallInteger)
    term: Mapped[str] = mapped_column(TermType)
    # The tie-breaker after the term: the normalised name, family name first.
    sort_key: Mapped[str] = mapped_column(TermType)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("relation_id", "field", "term", name="uq_relation_search_term"),
        Index("ix_relation_search_order", "field", "term", "sort_key", "relation_id"),
    )


@comparators.dispatch_for("schema", priority=DispatchPriority.LAST)
def _keep_hand_written_search_objects(autogen_context, upgrade_ops, schemas) -> None:
    # Autogenerate diffs the models against an upgraded scratch SQLite, where the FTS5 table and
    # its shadow tables exist without a model: it would propose dropping them in every revision.
    hidden = {FTS_TABLE, *FTS_SHADOW_TABLES}
    upgrade_ops.ops[:] = [op for op in upgrade_ops.ops
                          if not (isinstance(op, ops.DropTableOp) and op.table_name in hidden)]
