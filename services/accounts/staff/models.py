"""Staff users: the people who work in Cardbox, each with one role."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.accounts.models import Base, _iso, now
from shared.permissions import ROLES, permissions_for_roles

STAFF_ROLES = tuple(ROLES)  # viewer, editor, administrator, superuser


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True,
                                    default=lambda: str(uuid.uuid4()))
    email: Mapped[str] = mapped_column(String(320))
    # Case-folded: one address, one user, however it is written.
    email_folded: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"version_id_col": version}

    def state(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email, "name": self.name, "role": self.role,
                "permissions": list(self.permissions()),
                "must_change_password": self.must_change_password, "version": self.version,
                "created_at": _iso(self.created_at), "updated_at": _iso(self.updated_at),
                "last_login_at": _iso(self.last_login_at) if self.last_login_at else None}

    def permissions(self) -> tuple[str, ...]:
        # Until the password is changed, the user may do nothing but change it.
        return () if self.must_change_password else permissions_for_roles([self.role])

    def principal_fields(self) -> dict[str, Any]:
        """What a token of this user says about it (names; roles are read fresh each time)."""
        return {"name": self.name}


def fold(email: str) -> str:
    return email.strip().casefold()
