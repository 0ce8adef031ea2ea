"""What the relations service knows of portal accounts (owned by accounts, learnt from its
events): enough to say before archiving how many accounts will be blocked."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.relations.models.base import Base


class PortalAccountView(Base):
    __tablename__ = "portal_account_view"

    relation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
