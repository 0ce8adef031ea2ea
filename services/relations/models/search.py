"""The search index of relations: one row per normalised term a relation can be found by."""

from __future__ import annotations

from alembic.autogenerate import comparators
from alembic.operations import ops
from alembic.util import DispatchPriority
from sqlalchemy import BigInteger, Boolean, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from services.relations.models.base import Base

# The order is the ranking: a name match goes before an e-mail match, before a phone match.
SEARCH_FIELDS = ("name", "email", "phone")
TERM_LENGTH = 320
# Byte order (C collation) on PostgreSQL, as SQLite's BINARY: prefix ranges and keyset order
# then agree with Python's string comparison whatever the database's locale.
TermType = String(TERM_LENGTH).with_variant(String(TERM_LENGTH, collation="C"), "postgresql")

# Written by hand in the migration, per dialect, so they are not in the models: one trigram
# index per field, so a fragment common in e-mail addresses costs nothing in a name search.
# PostgreSQL: partial pg_trgm GIN indexes; SQLite: contentless FTS5 trigram tables fed by
# triggers on relation_search.
FTS_PREFIX = "relation_search_fts"
# The GIN indexes are on translate(term, TRIGRAM_PUNCTUATION, TRIGRAM_SPELLING): pg_trgm reads
# letters and digits only, and terms are lower case, so these capitals stand in for the
# punctuation and spaces a fragment of a name or an address contains.
TRIGRAM_PUNCTUATION = " .@-_'+&/,()"
TRIGRAM_SPELLING = "SDAHUQPNLCOR"


def trigram_index(field: int) -> str:
    """The PostgreSQL GIN index of one field's terms."""
    return f"ix_relation_search_trgm_{SEARCH_FIELDS[field]}"


def fts_table(field: int) -> str:
    """The SQLite FTS5 table of one field's terms (rowid = relation_search.id)."""
    return f"{FTS_PREFIX}_{SEARCH_FIELDS[field]}"


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
    # The whole value (the full name, an address, a number), not a word of it: anything a
    # word contains its whole contains too, so only these are searched for "contains".
    whole: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        # A field's whole values in relation order: "contains" matches are listed by
        # relation id, which is random, so a common fragment is met early on. Also a
        # relation's rows, with field and whole IN all their values.
        Index("uq_relation_search_term", "field", "whole", "relation_id", "term", unique=True,
              postgresql_include=["archived"]),
        # Exact and prefix matches, in the ranking's order; `archived` too, so a scan of it
        # never visits the table.
        Index("ix_relation_search_order", "field", "term", "sort_key", "relation_id",
              "archived"),
    )


@comparators.dispatch_for("schema", priority=DispatchPriority.LAST)
def _keep_hand_written_search_tables(autogen_context, upgrade_ops, schemas) -> None:
    # Autogenerate diffs the models against an upgraded scratch SQLite, where the FTS5 tables
    # and their shadow tables exist without a model: it would propose dropping them each time.
    upgrade_ops.ops[:] = [op for op in upgrade_ops.ops
                          if not (isinstance(op, ops.DropTableOp)
                                  and op.table_name.startswith(FTS_PREFIX))]
