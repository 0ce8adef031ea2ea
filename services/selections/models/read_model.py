"""The read model: what selections knows of relations, kept from relations events, in tables
shaped for filtering in SQL. Text columns hold folded copies (services.selections.text);
answers come from the whole state kept beside them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Double,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import JSONType

# The kinds of Definition.
TAG, DOSSIER_ACTION = "tag", "dossier_action"
# LIKE 'prefix%' can use a b-tree on PostgreSQL only with the pattern operator class.
PATTERN_OPS = "text_pattern_ops"


class Base(DeclarativeBase):
    """Every table of the selections service: the read model and what staff save."""


class RelationView(Base):
    """One row per live (active or archived) relation: the columns filters use, and the whole
    state for answers. Merged and deleted relations have no row (see GoneRelation)."""

    __tablename__ = "relation_view"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(400))
    initials: Mapped[str | None] = mapped_column(String(40))
    first_name: Mapped[str | None] = mapped_column(String(100))
    infix: Mapped[str | None] = mapped_column(String(40))
    last_name: Mapped[str | None] = mapped_column(String(150))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    street: Mapped[str | None] = mapped_column(String(200))
    house_number: Mapped[str | None] = mapped_column(String(20))
    postcode: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    # The relation's own times, as fixed-width UTC text (text.moment).
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]] = mapped_column(JSONType)
    absorbed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_relation_view_status", "status", "id"),
        Index("ix_relation_view_last_name", "last_name", postgresql_ops={"last_name": PATTERN_OPS}),
        Index("ix_relation_view_name", "name", postgresql_ops={"name": PATTERN_OPS}),
        Index("ix_relation_view_city", "city", postgresql_ops={"city": PATTERN_OPS}),
        Index("ix_relation_view_postcode", "postcode", postgresql_ops={"postcode": PATTERN_OPS}),
        Index("ix_relation_view_birth_date", "birth_date"),
        # Room for a row's next version on its page (migration 3e1f7a9c2b50 says why).
        {"postgresql_with": {"fillfactor": 70}},
    )


class RelationValue(Base):
    """The many-valued and custom parts of a relation, one row per value: e-mail addresses,
    phone numbers, tags (`attribute` "email", "phone", "tag") and custom field values
    ("field:<key>"; a multiple choice has a row per option). Text is folded; a text longer
    than the indexed part keeps its whole folded form in `long`."""

    __tablename__ = "relation_values"

    relation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    attribute: Mapped[str] = mapped_column(String(80), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str | None] = mapped_column(String(200))
    long: Mapped[str | None] = mapped_column(Text)
    number: Mapped[float | None] = mapped_column(Double)

    __table_args__ = (
        # relation_id last: a filter's subquery answers from the index alone.
        Index("ix_relation_values_text", "attribute", "text", "relation_id",
              postgresql_ops={"text": PATTERN_OPS}),
        Index("ix_relation_values_number", "attribute", "number", "relation_id"),
    )


class AccountState(Base):
    """A relation's portal account status, from the accounts service's events (newest version
    per relation wins). Kept apart from relation_view: the two services' events arrive in no
    particular order relative to each other."""

    __tablename__ = "account_states"

    relation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))  # invited | active | blocked | deleted
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_account_states_status", "status", "relation_id"),)


class GoneRelation(Base):
    """A relation merged into another or deleted: later (or late) state events for it change
    nothing, until a merge undone brings a merged one back."""

    __tablename__ = "gone_relations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reason: Mapped[str] = mapped_column(String(20))  # merged | deleted
    merge_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MergeRecord(Base):
    """A merge as the read model applied it: whom it took away, which functions it moved
    (relations moves them without function events), and whether it was undone."""

    __tablename__ = "merge_records"

    merge_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    keep_id: Mapped[str] = mapped_column(String(36))
    merged_ids: Mapped[list[str]] = mapped_column(JSONType)
    # [[function id, relation_id, organisation_id], ...] as they were before the merge
    moved_functions: Mapped[list[list[str]]] = mapped_column(JSONType)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)


class FunctionView(Base):
    """Who holds which role (folded) at which relation, from when to when (the last day held).
    A deleted function stays as a tombstone, so a late event cannot bring it back."""

    __tablename__ = "function_view"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    relation_id: Mapped[str] = mapped_column(String(36))
    organisation_id: Mapped[str] = mapped_column(String(36))
    role: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[str] = mapped_column(String(32))  # text.moment, orders the events
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_function_view_role", "role", "relation_id"),
        Index("ix_function_view_organisation", "organisation_id", "role"),
        Index("ix_function_view_relation", "relation_id"),
    )


class DossierView(Base):
    """A dossier's version (events apply only if newer); a deleted one stays as a tombstone."""

    __tablename__ = "dossier_view"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class DossierMember(Base):
    __tablename__ = "dossier_members"

    dossier_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    relation_id: Mapped[str] = mapped_column(String(36), primary_key=True)

    __table_args__ = (Index("ix_dossier_members_relation", "relation_id"),)


class DossierAction(Base):
    """An action a dossier carries; it applies to each of the dossier's members."""

    __tablename__ = "dossier_actions"

    dossier_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    action: Mapped[str] = mapped_column(String(100), primary_key=True)

    __table_args__ = (Index("ix_dossier_actions_action", "action", "dossier_id"),)


class FieldDefinition(Base):
    """A custom field as filters need it: its type and option keys. A deleted one stays as a
    tombstone dated by the deletion, so only a later definition brings the key back."""

    __tablename__ = "field_definitions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))
    options: Mapped[list[str]] = mapped_column(JSONType)
    updated_at: Mapped[str] = mapped_column(String(32))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class Definition(Base):
    """A tag or dossier action key (`kind` "tag" or "dossier_action"); tombstones as above."""

    __tablename__ = "definitions"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[str] = mapped_column(String(32))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
