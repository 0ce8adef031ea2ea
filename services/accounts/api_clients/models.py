"""API clients: internal systems that call Cardbox with a scoped key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from services.accounts.models import Base, _iso, now
from shared.auth import Principal
from shared.db import JSONType
from shared.permissions import NOT_FOR_API_CLIENTS


class ApiClient(Base):
    """Its key is `cbx_<id>_<secret>`; only the secret's SHA-256 is kept. While a rotation's
    grace period runs, the previous secret works too."""

    __tablename__ = "api_clients"

    id: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    scopes: Mapped[list] = mapped_column(JSONType)
    secret_hash: Mapped[str] = mapped_column(String(64))
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64))
    previous_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def state(self) -> dict[str, Any]:
        def at(value: datetime | None) -> str | None:
            return _iso(value) if value else None

        return {"id": self.id, "name": self.name, "description": self.description,
                "scopes": list(self.scopes),
                "status": "revoked" if self.revoked_at else "active",
                "created_by": self.created_by, "created_at": at(self.created_at),
                "rotated_at": at(self.rotated_at), "revoked_at": at(self.revoked_at),
                "last_used_at": at(self.last_used_at),
                "previous_key_expires_at": at(self.previous_expires_at)}

    def principal(self) -> Principal:
        """Who a request made with its key stands for: its scopes are its permissions."""
        return Principal(kind="api_client", id=self.id, name=self.name,
                         scopes=tuple(self.scopes),
                         permissions=tuple(scope for scope in self.scopes
                                           if scope not in NOT_FOR_API_CLIENTS))
