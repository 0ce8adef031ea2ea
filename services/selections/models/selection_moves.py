"""What a merge moved in selections, so undoing the merge can move it back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from services.selections.models.read_model import Base


class SelectionMergeMove(Base):
    """A merged relation's membership (`kind` member: its `via`) or hand edit (`kind` edit:
    `included`, `actor`) of one selection, as it was before the merge moved it to the keeper;
    `keeper_added` says the keeper's row came from this move (and goes when it is undone)."""

    __tablename__ = "selection_merge_moves"

    merge_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    selection_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    relation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # member | edit
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    via: Mapped[str | None] = mapped_column(String(20))
    included: Mapped[bool | None] = mapped_column(Boolean)
    actor: Mapped[str | None] = mapped_column(String(200))
    keeper_added: Mapped[bool] = mapped_column(Boolean)
