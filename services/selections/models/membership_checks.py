"""When the derived group memberships of a relation were last brought up to date."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from services.selections.models.read_model import Base


class MembershipCheck(Base):
    """One row per relation whose derived (dynamic and composite) memberships a commit brought
    up to date: stamped once per transaction for all its groups, so memberships that stay are
    not rewritten. Explain reports the later of this and the group's full evaluation."""

    __tablename__ = "membership_checks"

    relation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
