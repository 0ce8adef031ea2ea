"""What a merge moved in static groups, so undoing the merge can move it back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from services.selections.models.read_model import Base


class GroupMergeMove(Base):
    """A merged relation's membership of one static group as it was before the merge moved
    it to the keeper (`since`, `via`); `keeper_joined` says the keeper became a member
    through this move (and leaves again when the merge is undone)."""

    __tablename__ = "group_merge_moves"

    merge_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    relation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    via: Mapped[str] = mapped_column(String(20))
    keeper_joined: Mapped[bool] = mapped_column(Boolean)
