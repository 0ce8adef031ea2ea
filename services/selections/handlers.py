"""What the selections service does, one function per message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.selections.filters import compile_filter
from services.selections.models import RelationView
from services.selections.repository import ReadModel
from shared.db import UnitOfWork
from shared.messages import Envelope


class SelectionsUnitOfWork(UnitOfWork):
    @property
    def read_model(self) -> ReadModel:
        return ReadModel(self.session)


def absorb_relation_state(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """Keep the newest state of a relation; an older or repeated event changes nothing."""
    with uow:
        _absorb(uow, event.payload["relation"])
        uow.commit()


def absorb_batch(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """Many relations changed in one transaction upstream (a batch update, an archive, a
    restore): absorb them in one here too."""
    with uow:
        for entry in event.payload["entries"]:
            _absorb(uow, entry["relation"])
        uow.commit()


def absorb_merge(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """The merged relations are tombstones now: only the keeper stays findable."""
    with uow:
        uow.read_model.remove(event.payload["merged"])
        _absorb(uow, event.payload["keep"])
        uow.commit()


def absorb_merge_undone(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    with uow:
        for state in (event.payload["keep"], *event.payload["restored"]):
            _absorb(uow, state)
        uow.commit()


def forget_relations(event: Envelope, uow: SelectionsUnitOfWork) -> None:
    """Deleted relations leave the read model: nothing may find them any more."""
    with uow:
        uow.read_model.remove(event.payload["relation_ids"])
        uow.commit()


def _absorb(uow: SelectionsUnitOfWork, state: dict[str, Any]) -> None:
    view = uow.read_model.get(state["id"])
    if view is None:
        view = RelationView(id=state["id"])
        uow.read_model.add(view)
    elif view.version >= state["version"]:
        return
    view.absorb(state, datetime.now(UTC))


def count_matching(uow: SelectionsUnitOfWork, filter_node: Any) -> int:
    condition = compile_filter(filter_node)
    with uow:
        return uow.read_model.count(condition)


def query_matching(uow: SelectionsUnitOfWork, filter_node: Any, *, limit: int,
                   cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    condition = compile_filter(filter_node)
    with uow:
        rows, next_cursor = uow.read_model.page(condition, limit=limit, cursor=cursor)
        return [row.state for row in rows], next_cursor
