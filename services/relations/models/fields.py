"""Custom field definitions: what administrators add to the relation card."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from services.relations.models.base import Base, now, plain
from shared.db import JSONType

FIELD_TYPES = ("checkbox", "choice", "multi_choice", "text", "long_text", "date", "number")
CHOICE_TYPES = ("choice", "multi_choice")


class FieldDefinition(Base):
    __tablename__ = "field_definitions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))
    # [{"key": "sport", "label": "Sport"}]: values hold keys, so a label can be renamed freely.
    options: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    applies_to: Mapped[list[str]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    @property
    def option_keys(self) -> list[str]:
        return [option["key"] for option in self.options or []]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "type": self.type,
                "options": list(self.options or []), "required": self.required,
                "applies_to": list(self.applies_to), "created_at": plain(self.created_at),
                "updated_at": plain(self.updated_at)}
