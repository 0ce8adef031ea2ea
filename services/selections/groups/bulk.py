"""Chunk commands of the bulk service on static groups: one transaction per chunk, an outcome
per relation, and never the same (job, relation) applied twice (a redelivered chunk answers
what it answered the first time)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.selections.groups import members
from services.selections.groups.service import found
from services.selections.models.group_bulk import GroupBulkApplication
from shared.db import UnitOfWork, applied_outcomes, insert_rows
from shared.messages import Envelope
from shared.permissions import SELECTIONS_WRITE, on_behalf_of_job

Outcome = dict[str, Any]
# members.add_members / remove_members answers as bulk outcomes: (outcome, member after).
READ = {members.ADDED: ("changed", True), members.REMOVED: ("changed", False),
        members.ALREADY: ("unchanged", "already a member"),
        members.NOT_MEMBER: ("unchanged", "not a member"),
        members.UNKNOWN: ("failed", "no such relation")}


def add_to_group(command: Envelope, uow: UnitOfWork) -> list[Outcome]:
    """Add each relation of the chunk to the static group."""
    return _run(command.payload, uow, members.add_members)


def remove_from_group(command: Envelope, uow: UnitOfWork) -> list[Outcome]:
    """Take each relation of the chunk out of the static group."""
    return _run(command.payload, uow, members.remove_members)


def get_group_members(query: Envelope, uow: UnitOfWork) -> dict[str, Any]:
    """The group and which of the relations asked about are its members."""
    payload = query.payload
    with uow:
        group = found(uow.session, payload["group"])
        ids = payload["relation_ids"]
        in_group = members.members_among(uow.session, group.id, ids) if ids else set()
        return {"group": {"id": group.id, "name": group.name, "kind": group.kind},
                "members": [rid for rid in ids if rid in in_group]}


def _run(payload: dict[str, Any], uow: UnitOfWork, change) -> list[Outcome]:
    job, ids = payload["job"], list(dict.fromkeys(payload["relation_ids"]))
    with on_behalf_of_job(payload, SELECTIONS_WRITE), uow:
        done = _already_applied(uow, job, ids)
        todo = [rid for rid in ids if rid not in done]
        outcomes: list[Outcome] = []
        if todo:
            said = change(uow, payload["group"], todo, via="bulk", reference=job)
            outcomes = [_outcome(rid, said[rid]) for rid in todo]
            at = datetime.now(UTC)
            insert_rows(uow.session, GroupBulkApplication.__table__, [
                {"job_id": job, "relation_id": o["relation_id"], "group_id": payload["group"],
                 "outcome": o, "applied_at": at} for o in outcomes])
        uow.commit()
    by_id = {**done, **{o["relation_id"]: o for o in outcomes}}
    return [by_id[rid] for rid in ids]


def _outcome(relation_id: str, said: str) -> Outcome:
    kind, detail = READ[said]
    if kind == "changed":
        return {"relation_id": relation_id, "outcome": kind,
                "changes": {"member": [not detail, detail]}, "before": {"member": not detail}}
    return {"relation_id": relation_id, "outcome": kind, "reason": detail}


def _already_applied(uow: UnitOfWork, job: str, relation_ids: list[str]) -> dict[str, Outcome]:
    return applied_outcomes(uow.session, GroupBulkApplication, job, relation_ids)


