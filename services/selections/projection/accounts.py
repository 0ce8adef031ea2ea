"""Portal account statuses from the accounts service's events: the newest version per relation
wins (a merge announces the moved account under both relations)."""

from __future__ import annotations

from typing import Any

from services.selections.models import AccountState
from services.selections.repository import ReadModel


def absorb_account(read_model: ReadModel, account: dict[str, Any]) -> None:
    """Keep a relation's newest portal account status; an older or repeated one changes
    nothing."""
    relation_id = account["relation_id"]
    row = read_model.session.get(AccountState, relation_id)
    if row is not None and row.version >= account["version"]:
        return
    if row is None:
        row = AccountState(relation_id=relation_id)
        read_model.add(row)
    row.status, row.version = account["status"], account["version"]
    read_model.touch([relation_id])
