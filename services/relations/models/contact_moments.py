"""Contact moments: a call, an e-mail, a visit or a letter with a relation, and who had it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.relations.models.base import Base, now, plain

CONTACT_KINDS = ("phone", "email", "visit", "letter", "other")
SUBJECT_MAX = 200
NOTE_MAX = 100_000
# Fields a caller may change; who recorded it is the service's.
CONTACT_MOMENT_EDITABLE = ("kind", "at", "subject", "note")


class ContactMoment(Base):
    __tablename__ = "contact_moments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    relation_id: Mapped[str] = mapped_column(String(36), ForeignKey("relations.id"))
    kind: Mapped[str] = mapped_column(String(10))
    # Always stored in UTC: SQLite keeps no zone, and newest-first must compare like with like.
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    note: Mapped[str | None] = mapped_column(Text)
    # The principal's label (shared.auth.Principal.label) of whoever recorded it.
    by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    __table_args__ = (Index("ix_contact_moments_relation", "relation_id", "at", "id"),)

    def apply(self, changes: dict[str, Any]) -> dict[str, list[Any]]:
        """Set what changed; answer {field: [before, after]} for it."""
        changed: dict[str, list[Any]] = {}
        for name, value in changes.items():
            before = getattr(self, name)
            if _comparable(before) != _comparable(value):
                setattr(self, name, value)
                changed[name] = [plain(before), plain(value)]
        if changed:
            self.updated_at = now()
        return changed

    def state(self) -> dict[str, Any]:
        return {"id": self.id, "relation_id": self.relation_id, "kind": self.kind,
                "at": plain(self.at), "subject": self.subject, "note": self.note, "by": self.by,
                "created_at": plain(self.created_at), "updated_at": plain(self.updated_at)}


def _comparable(value: Any) -> Any:
    # A time read back from SQLite is naive UTC; one from the caller is aware.
    return plain(value) if isinstance(value, datetime) else value
