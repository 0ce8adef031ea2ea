"""Tag ("kenmerk") definitions, and the shape every administrator-managed definition shares."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from services.relations.models.base import Base, now, plain


class DefinitionMixin:
    """A key administrators define once (lower-case, like a custom field key) and describe."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    category: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "description": self.description,
                "category": self.category, "created_at": plain(self.created_at),
                "updated_at": plain(self.updated_at)}


class TagDefinition(DefinitionMixin, Base):
    """A tag relations can carry in their `tags` list: "journalist", "volunteer"."""

    __tablename__ = "tag_definitions"
