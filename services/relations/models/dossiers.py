"""Dossiers (a household or a case) of relations, and the actions that apply to a dossier."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.relations.models.base import Base, now, plain
from services.relations.models.tags import DefinitionMixin
from shared.db import JSONType

DOSSIER_KINDS = ("household", "case")


class DossierActionDefinition(DefinitionMixin, Base):
    """An action ("actie") a dossier can carry: "newsletter", "christmas_card"."""

    __tablename__ = "dossier_action_definitions"


class DossierMember(Base):
    __tablename__ = "dossier_members"

    dossier_id: Mapped[str] = mapped_column(String(36), ForeignKey("dossiers.id"),
                                            primary_key=True)
    relation_id: Mapped[str] = mapped_column(String(36), ForeignKey("relations.id"),
                                             primary_key=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    __table_args__ = (Index("ix_dossier_members_relation", "relation_id"),)


class Dossier(Base):
    __tablename__ = "dossiers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    # Action keys, in the order they were added; a list (not a table) like a relation's tags.
    actions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    members: Mapped[list[DossierMember]] = relationship(
        cascade="all, delete-orphan", lazy="selectin",
        order_by=(DossierMember.added_at, DossierMember.relation_id))

    # Events carry the version, so the read model can keep the newest state it saw.
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_dossiers_name", "name", "id"),)

    @property
    def member_ids(self) -> list[str]:
        return [member.relation_id for member in self.members]

    def touch(self) -> None:
        # Members live in their own table: touching the row is what bumps the version.
        self.updated_at = now()

    def add_member(self, relation_id: str) -> bool:
        if relation_id in self.member_ids:
            return False
        self.members.append(DossierMember(relation_id=relation_id, added_at=now()))
        self.touch()
        return True

    def remove_member(self, relation_id: str) -> bool:
        kept = [member for member in self.members if member.relation_id != relation_id]
        if len(kept) == len(self.members):
            return False
        self.members = kept
        self.touch()
        return True

    def set_actions(self, actions: list[str]) -> bool:
        if actions == list(self.actions or []):
            return False
        self.actions = actions  # a new list, so the ORM sees the JSON column change
        self.touch()
        return True

    def summary(self) -> dict[str, Any]:
        """What a member's history keeps of the dossier."""
        return {"id": self.id, "name": self.name, "kind": self.kind,
                "actions": list(self.actions or [])}

    def state(self) -> dict[str, Any]:
        """The dossier as events and the API carry it."""
        return {**self.summary(), "member_ids": self.member_ids, "version": self.version,
                "created_at": plain(self.created_at), "updated_at": plain(self.updated_at)}
