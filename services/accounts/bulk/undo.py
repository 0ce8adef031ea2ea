"""Undo of a bulk account job: each change taken back from the before-image kept here for
(job, relation); what cannot be taken back is refused per relation, with the reason."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from services.accounts.bulk import plans
from services.accounts.bulk.chunks import already_applied, remember
from services.accounts.bulk.models import AccountBulkApplication
from services.accounts.bulk.plans import DOING, Outcome
from services.accounts.models import now
from services.accounts.portal import changes
from services.accounts.portal.contacts import contact_of
from services.accounts.portal.models import PortalAccount
from services.accounts.tokens import aware
from shared.db import UnitOfWork, one_of
from shared.messages import Envelope
from shared.permissions import ACCOUNTS_MANAGE

UNSENDABLE = "reset e-mails already sent cannot be unsent"


def restore_accounts(command: Envelope, uow: UnitOfWork) -> list[Outcome]:
    """Take back what job `undoes` did to each relation of the chunk; an account changed by
    someone since is skipped (mode skip) or taken back all the same (overwrite)."""
    payload = command.payload
    plans.authorise(payload["principal"], ACCOUNTS_MANAGE)
    job, ids = payload["job_id"], list(dict.fromkeys(payload["relation_ids"]))
    extra = {"job": job, "suppress_automations": payload["suppress_automations"]}
    overwrite = payload["mode"] == "overwrite"
    with uow:
        done = already_applied(uow, job, ids)
        todo = [rid for rid in ids if rid not in done]
        records = {r.relation_id: r for r in uow.session.scalars(
            select(AccountBulkApplication).where(
                AccountBulkApplication.job_id == payload["undoes"],
                one_of(uow.session, AccountBulkApplication.relation_id, todo)))} if todo else {}
        with changes.Batch(uow, **extra) as batch:
            outcomes = [_undo_one(batch, rid, records.get(rid), overwrite) for rid in todo]
        if outcomes:
            remember(uow, job, "restore_accounts", outcomes)
        uow.commit()
    by_id = {**done, **{o["relation_id"]: o for o in outcomes}}
    return [by_id[rid] for rid in ids]


def _undo_one(batch: changes.Batch, relation_id: str, record: AccountBulkApplication | None,
              overwrite: bool) -> Outcome:
    outcome: Outcome = {"relation_id": relation_id}
    did = record.outcome if record is not None else {}
    if not did or did["outcome"] != DOING.get(record.operation):
        return {**outcome, "outcome": "nothing_to_undo",
                "reason": "the job changed nothing of this relation"}
    if record.operation == "send_resets":
        return {**outcome, "outcome": "refused", "reason": UNSENDABLE}
    account = batch.uow.session.get(PortalAccount, did["account_id"], with_for_update=True)
    outcome["account_id"] = did["account_id"]
    refusal = _refusal(batch.uow, record.operation, did, account, overwrite)
    if refusal is not None:
        return {**outcome, **refusal}
    if record.operation == "create_accounts":
        batch.delete(account)
        outcome["outcome"] = "deleted"
    else:
        batch.put_back(account, did["before"])
        outcome["outcome"] = {"deleted": "restored", "blocked": "unblocked"}.get(
            did["outcome"], "blocked")
        if did["outcome"] == "deleted" and did["before"]["status"] == "active":
            outcome["reason"] = ("back without its password (deleting erased it): send it a "
                                 "link to choose a new one")
    outcome["version"] = account.version
    return outcome


def _refusal(uow: UnitOfWork, operation: str, did: Outcome, account: PortalAccount | None,
             overwrite: bool) -> dict[str, str] | None:
    """Why the change cannot (or, in skip mode, should not) be taken back; None if it can."""
    if account is None or (account.status == "deleted" and operation != "delete_accounts"):
        return {"outcome": "nothing_to_undo", "reason": "the account is deleted since"}
    if account.version != did["version"] and not overwrite:
        return {"outcome": "skipped", "reason": "the account changed since the job"}
    before = did.get("before") or {}
    if operation == "delete_accounts":
        return _cannot_return(uow, account)
    if operation == "unblock_accounts" and _passed(before.get("blocked_until")):
        return {"outcome": "nothing_to_undo", "reason": "the block it lifted would have "
                                                        "ended by now"}
    return None


def _cannot_return(uow: UnitOfWork, account: PortalAccount) -> dict[str, str] | None:
    """A deleted account comes back only while nothing took its place."""
    if account.status != "deleted":
        return {"outcome": "nothing_to_undo", "reason": "the account is not deleted"}
    contact = contact_of(uow.session, account.relation_id)
    if contact is None or contact.status != "active":
        return {"outcome": "refused", "reason": "the relation is archived or gone"}
    holders = uow.session.scalar(select(PortalAccount.id).where(
        PortalAccount.status.in_(changes.LIVE),
        (PortalAccount.relation_id == account.relation_id)
        | (PortalAccount.email == account.email)).limit(1))
    if holders is not None:
        return {"outcome": "refused", "reason": "the relation or its e-mail address has "
                                                "another portal account now"}
    return None


def _passed(until: str | None) -> bool:
    return until is not None and aware(datetime.fromisoformat(until)) <= now()
