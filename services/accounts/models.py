"""The accounts service's tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.tables import include_platform_tables


class Base(DeclarativeBase):
    pass


def now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


class AccountType(Base):
    """A kind of portal account administrators configure, e.g. member or volunteer."""

    __tablename__ = "account_types"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    def state(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "description": self.description,
                "created_at": _iso(self.created_at), "updated_at": _iso(self.updated_at)}


include_platform_tables(Base.metadata)

# The tables of each part live with it (importing Base from here); importing them here puts
# them in Base.metadata for the migrations, whichever module is imported first.
from services.accounts import ratelimit as _ratelimit_tables  # noqa: E402, F401
from services.accounts import tokens as _token_tables  # noqa: E402, F401
from services.accounts.api_clients import models as _api_client_tables  # noqa: E402, F401
from services.accounts.bulk import models as _bulk_tables  # noqa: E402, F401
from services.accounts.mail import models as _mail_tables  # noqa: E402, F401
from services.accounts.portal import models as _portal_tables  # noqa: E402, F401
from services.accounts.portal import reaction_models as _reaction_tables  # noqa: E402, F401
from services.accounts.staff import models as _staff_tables  # noqa: E402, F401
