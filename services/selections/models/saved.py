"""What staff save: relation lists (dynamic), selections (static snapshots) and groups, with
their members. Group memberships are kept for every kind of group: the truth for a static
group, materialised from filters and sub-groups for dynamic and composite ones, so the groups
of one relation is an index lookup."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.selections.models.read_model import Base
from shared.db import JSONType

# Kinds of group, and how a composite group combines its sub-groups.
STATIC, DYNAMIC, COMPOSITE = "static", "dynamic", "composite"
GROUP_KINDS = (STATIC, DYNAMIC, COMPOSITE)
COMBINES = ("union", "intersection", "difference")


class RelationList(Base):
    """A saved filter with a name: its members are whoever matches when it is read."""

    __tablename__ = "relation_lists"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    filter: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "description": self.description,
                "filter": self.filter, "created_at": iso(self.created_at),
                "updated_at": iso(self.updated_at)}


class Group(Base):
    """A group: static (members by hand or in bulk), dynamic (`filter`) or composite
    (`combine` of `member_groups`, in order: a difference is the first minus the rest)."""

    __tablename__ = "groups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(20))
    filter: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    combine: Mapped[str | None] = mapped_column(String(20))
    member_groups: Mapped[list[str] | None] = mapped_column(JSONType)
    visible_on_portal: Mapped[bool] = mapped_column(Boolean, default=False)
    changeable_on_portal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # When every membership of a dynamic or composite group was last evaluated in full.
    evaluated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_groups_portal", "visible_on_portal", "changeable_on_portal"),)


class GroupMember(Base):
    """A relation in a group. `via` says how it got there: manual, bulk, portal, merge (a
    static group), or filter / composite (materialised)."""

    __tablename__ = "group_members"

    group_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    relation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    via: Mapped[str] = mapped_column(String(20))
    # When this membership was written; explain reports the later of this, the group's full
    # evaluation and the relation's MembershipCheck (memberships that stay are not rewritten).
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_group_members_relation", "relation_id", "group_id"),)


class GroupMembershipChange(Base):
    """The history of static memberships: who joined and left which group, when, through
    what (manual, bulk, portal, merge, delete) with its reference (a job, a merge), and who."""

    __tablename__ = "group_membership_changes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    group_id: Mapped[str] = mapped_column(String(36))
    relation_id: Mapped[str] = mapped_column(String(36))
    change: Mapped[str] = mapped_column(String(10))  # joined | left
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    via: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(36))
    actor: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index("ix_group_membership_changes_group", "group_id", "id"),
        Index("ix_group_membership_changes_relation", "relation_id", "id"),
    )


class Selection(Base):
    """A static snapshot of a filter, list or group (`source`: {"filter": node} | {"list": id}
    | {"group": id}), refreshed on demand or on its `schedule` ({"cron", "timezone"})."""

    __tablename__ = "selections"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    source: Mapped[dict[str, Any]] = mapped_column(JSONType)
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    next_refresh_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_selections_next_refresh", "next_refresh_at"),)


class SelectionMember(Base):
    """A relation in a selection's snapshot (`via`: refresh or manual)."""

    __tablename__ = "selection_members"

    selection_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    relation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    via: Mapped[str] = mapped_column(String(20))

    __table_args__ = (Index("ix_selection_members_relation", "relation_id", "selection_id"),)


class SelectionEdit(Base):
    """A hand edit of a selection (`included` true: added, false: removed), kept so a refresh
    honours it unless asked to start over."""

    __tablename__ = "selection_edits"

    selection_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    relation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    included: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str | None] = mapped_column(String(200))


class SelectionRefresh(Base):
    """One refresh of a selection: when, why (created, manual, schedule), by whom, and how many
    joined, left and were members after."""

    __tablename__ = "selection_refreshes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    selection_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    trigger: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str | None] = mapped_column(String(200))
    joined: Mapped[int] = mapped_column(Integer)
    left: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_selection_refreshes_selection", "selection_id", "id"),)


def aware(value: datetime) -> datetime:
    """A stored time with its zone: SQLite hands times back without it; every one is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def iso(value: datetime | None) -> str | None:
    """A stored time as ISO text in UTC."""
    return None if value is None else aware(value).isoformat()
