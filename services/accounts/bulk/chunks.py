"""Chunk commands of bulk account operations: one transaction per chunk, an outcome per
relation with the before-image its undo needs, and never the same (job, relation) applied
twice; a redelivered chunk answers the same outcomes and sends no second e-mail."""

from __future__ import annotations

from typing import Any

from services.accounts.bulk import plans
from services.accounts.bulk.creation import create_invited
from services.accounts.bulk.models import AccountBulkApplication
from services.accounts.bulk.plans import DOING, Chunk, Outcome
from services.accounts.mail.models import MailSender
from services.accounts.models import now
from services.accounts.portal import changes, links
from services.accounts.portal.models import PortalAccount
from shared.db import UnitOfWork, applied_outcomes, insert_rows
from shared.messages import Envelope
from shared.permissions import ACCOUNTS_MANAGE, ACCOUNTS_READ

PARAM_NAMES = {"create_accounts": ("account_type", "language"), "block_accounts": ("until",)}


def create_accounts(command: Envelope, uow: UnitOfWork) -> list[Outcome]:
    """Invite each relation of the chunk to the portal (welcome e-mail, activation link)."""
    return _run(command, uow, "create_accounts")


def send_resets(command: Envelope, uow: UnitOfWork) -> list[Outcome]:
    """E-mail each account of the chunk its link: the welcome while invited, else a reset."""
    return _run(command, uow, "send_resets")


def delete_accounts(command: Envelope, uow: UnitOfWork) -> list[Outcome]:
    """Delete each account of the chunk; the addresses are free for new accounts."""
    return _run(command, uow, "delete_accounts")


def block_accounts(command: Envelope, uow: UnitOfWork) -> list[Outcome]:
    """Block each account of the chunk, for good or until `until`."""
    return _run(command, uow, "block_accounts")


def unblock_accounts(command: Envelope, uow: UnitOfWork) -> list[Outcome]:
    """Lift the block of each account of the chunk."""
    return _run(command, uow, "unblock_accounts")


def preview_accounts(query: Envelope, uow: UnitOfWork) -> dict[str, Any]:
    """Per relation, the outcome the operation would have now; writes nothing."""
    payload = query.payload
    plans.authorise(payload["principal"], ACCOUNTS_READ)
    operation = payload["operation"]
    params = plans.checked_params(operation, payload["params"])
    ids = list(dict.fromkeys(payload["relation_ids"]))
    with uow:
        plans.prepare(uow, operation, params)
        chunk = plans.load(uow.session, operation, ids, lock=False)
        outcomes = [plans.decide(operation, chunk, rid) for rid in ids]
    return {"outcomes": outcomes}


def _run(command: Envelope, uow: UnitOfWork, operation: str) -> list[Outcome]:
    payload = command.payload
    plans.authorise(payload["principal"], ACCOUNTS_MANAGE)
    params = {name: payload.get(name) for name in PARAM_NAMES.get(operation, ())}
    job, ids = payload["job_id"], list(dict.fromkeys(payload["relation_ids"]))
    extra = {"job": job, "suppress_automations": payload["suppress_automations"]}
    with uow:
        done = already_applied(uow, job, ids)
        todo = [rid for rid in ids if rid not in done]
        outcomes = []
        if todo:
            sender = plans.prepare(uow, operation, params)
            chunk = plans.load(uow.session, operation, todo)
            outcomes = [plans.decide(operation, chunk, rid) for rid in todo]
            doing = [o for o in outcomes if o["outcome"] == DOING[operation]]
            if operation == "create_accounts":
                create_invited(uow, chunk, doing, params=params, sender=sender, extra=extra,
                               keys=[mail_key(job, o["relation_id"], "welcome") for o in doing])
            else:
                with changes.Batch(uow, **extra) as batch:
                    work = Work(batch, chunk, params, sender, job)
                    for outcome in doing:
                        getattr(work, operation)(outcome)
            remember(uow, job, operation, outcomes)
        uow.commit()
    by_id = {**done, **{o["relation_id"]: o for o in outcomes}}
    return [by_id[rid] for rid in ids]


def already_applied(uow: UnitOfWork, job: str, relation_ids: list[str]) -> dict[str, Outcome]:
    return applied_outcomes(uow.session, AccountBulkApplication, job, relation_ids)


def remember(uow: UnitOfWork, job: str, operation: str, outcomes: list[Outcome]) -> None:
    insert_rows(uow.session, AccountBulkApplication.__table__, [
        {"job_id": job, "relation_id": o["relation_id"], "operation": operation,
         "outcome": o, "applied_at": now()} for o in outcomes])


def mail_key(job: str, relation_id: str, purpose: str) -> str:
    """The e-mail's key: one per (job, relation, purpose), however often a chunk comes."""
    return f"bulk:{job}:{relation_id}:{purpose}"


class Work:
    """One chunk being applied: each account's change (as decided) in the transaction in
    hand."""

    def __init__(self, batch: changes.Batch, chunk: Chunk, params: dict[str, Any],
                 sender: MailSender | None, job: str):
        self.batch, self.chunk, self.params, self.sender = batch, chunk, params, sender
        self.job = job

    def _account(self, outcome: Outcome) -> PortalAccount:
        return self.chunk.accounts[outcome["relation_id"]]

    def send_resets(self, outcome: Outcome) -> None:
        account = self._account(outcome)
        mail = "welcome" if account.status == "invited" else "reset"
        links.send_link(self.batch.uow, self.sender, account,
                        key=mail_key(self.job, account.relation_id, "reset"))
        outcome["email"] = mail

    def delete_accounts(self, outcome: Outcome) -> None:
        account = self._account(outcome)
        outcome["before"] = changes.snapshot(account)
        self.batch.delete(account)
        outcome["version"] = account.version

    def block_accounts(self, outcome: Outcome) -> None:
        account = self._account(outcome)
        outcome["before"] = changes.snapshot(account)
        self.batch.block(account, until=self.params["until"])
        outcome.update(version=account.version,
                       blocked_until=plans.until_text(self.params["until"]))

    def unblock_accounts(self, outcome: Outcome) -> None:
        account = self._account(outcome)
        outcome["before"] = changes.snapshot(account)
        self.batch.unblock(account)
        outcome["version"] = account.version
