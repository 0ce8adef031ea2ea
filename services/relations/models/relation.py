"""The relation card and its small behaviours."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.relations.models.base import Base, now, plain
from shared.db import JSONType

# Fields a caller may set; the rest (id, type, status, version, times) are the service's.
EDITABLE_FIELDS = ("initials", "first_name", "infix", "last_name", "organisation_name",
                   "birth_date", "emails", "phones", "address")


class Relation(Base):
    __tablename__ = "relations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    type: Mapped[str] = mapped_column(String(20))
    initials: Mapped[str | None] = mapped_column(String(20))
    first_name: Mapped[str | None] = mapped_column(String(100))
    infix: Mapped[str | None] = mapped_column(String(30))
    last_name: Mapped[str | None] = mapped_column(String(150))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    emails: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    phones: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    address: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # active | archived | merged (a tombstone pointing at `merged_into`) | deleted (a tombstone)
    status: Mapped[str] = mapped_column(String(20), default="active")
    archived_reason: Mapped[str | None] = mapped_column(String(500))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    merged_into: Mapped[str | None] = mapped_column(String(36))
    custom_fields: Mapped[dict[str, Any]] = mapped_column("fields", JSONType, default=dict)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    # Optimistic locking: an UPDATE that finds another version raises instead of overwriting.
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_relations_created", "created_at", "id"),)

    def apply(self, changes: dict[str, Any]) -> dict[str, list[Any]]:
        """Set standard fields and custom fields (`fields`: {key: value, None removes});
        answer {field: [before, after]} for what really changed, custom ones as `fields.<key>`."""
        changed: dict[str, list[Any]] = {}
        for name, value in changes.items():
            if name == "fields":
                changed.update(self._apply_custom(value))
                continue
            before = getattr(self, name)
            if before != value:
                setattr(self, name, value)
                changed[name] = [plain(before), plain(value)]
        if changed:
            self.updated_at = now()
        return changed

    def _apply_custom(self, values: dict[str, Any]) -> dict[str, list[Any]]:
        current = dict(self.custom_fields or {})
        changed = {}
        for key, value in values.items():
            before = current.get(key)
            if before == value:
                continue
            if value is None:
                current.pop(key, None)
            else:
                current[key] = value
            changed[f"fields.{key}"] = [before, value]
        # A new dict, so the ORM sees the JSON column change.
        self.custom_fields = current
        return changed

    def display_name(self) -> str:
        """How a person reads the relation: "Jan van der Berg", "J. van der Berg" or "Acme"."""
        if self.status == "deleted":
            return "deleted relation"
        if self.type == "organisation":
            return self.organisation_name or ""
        given = self.first_name or self.initials
        return " ".join(part for part in (given, self.infix, self.last_name) if part)

    def state(self) -> dict[str, Any]:
        """The relation as the contract shapes it, JSON-ready."""
        return {
            "id": self.id,
            "type": self.type,
            "initials": self.initials,
            "first_name": self.first_name,
            "infix": self.infix,
            "last_name": self.last_name,
            "organisation_name": self.organisation_name,
            "birth_date": plain(self.birth_date),
            "emails": list(self.emails or []),
            "phones": list(self.phones or []),
            "address": self.address,
            "status": self.status,
            "archived_reason": self.archived_reason,
            "archived_at": plain(self.archived_at),
            "fields": dict(self.custom_fields or {}),
            "tags": list(self.tags or []),
            "version": self.version,
            "created_at": plain(self.created_at),
            "updated_at": plain(self.updated_at),
        }


def etag_of(state: dict[str, Any]) -> str:
    return f'"{state["id"]}.{state["version"]}"'
