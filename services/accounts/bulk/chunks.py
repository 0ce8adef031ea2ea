"""Chunk commands of bulk account operations: one transaction per chunk, an outcome per
relation with the before-image its undo needs, and never the same (job, relation) applied
twice; a redelivered chunk answers the same outcomes and sends no second e-mail."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.accounts import settings as accounts_settings
from services.accounts.bulk import plans
from services.accounts.bulk.models import AccountBulkApplication
from services.accounts.bulk.plans import DOING, Chunk, Outcome
from services.accounts.mail.models import MailSender
from services.accounts.models import now
from services.accounts.portal import changes, links
from services.accounts.portal.accounts import changed
from services.accounts.portal.models import PortalAccount
from shared.db import UnitOfWork, insert_rows
from shared.messages import Envelope
from shared.permissions import ACCOUNTS_MANAGE, ACCOUNTS_READ

PARAM_NAMES = {"create_accounts": ("account_type", "language"), "block_accounts": ("until",)}
UNBLOCKED = {"status": "active", "blocked_until": None, "reason": None}


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
            work = Work(uow, chunk, params, sender, job, extra)
            outcomes = [work.apply(operation, rid) for rid in todo]
            remember(uow, job, operation, outcomes)
        uow.commit()
    by_id = {**done, **{o["relation_id"]: o for o in outcomes}}
    return [by_id[rid] for rid in ids]


def already_applied(uow: UnitOfWork, job: str, relation_ids: list[str]) -> dict[str, Outcome]:
    rows = uow.session.scalars(select(AccountBulkApplication).where(
        AccountBulkApplication.job_id == job,
        AccountBulkApplication.relation_id.in_(relation_ids)))
    return {row.relation_id: row.outcome for row in rows}


def remember(uow: UnitOfWork, job: str, operation: str, outcomes: list[Outcome]) -> None:
    insert_rows(uow.session, AccountBulkApplication.__table__, [
        {"job_id": job, "relation_id": o["relation_id"], "operation": operation,
         "outcome": o, "applied_at": now()} for o in outcomes])


def mail_key(job: str, relation_id: str, purpose: str) -> str:
    """The e-mail's key: one per (job, relation, purpose), however often a chunk comes."""
    return f"bulk:{job}:{relation_id}:{purpose}"


class Work:
    """One chunk being applied: each relation's change in the transaction in hand."""

    def __init__(self, uow: UnitOfWork, chunk: Chunk, params: dict[str, Any],
                 sender: MailSender | None, job: str, extra: dict[str, Any]):
        self.uow, self.chunk, self.params, self.sender = uow, chunk, params, sender
        self.job, self.extra = job, extra

    def apply(self, operation: str, relation_id: str) -> Outcome:
        """Decide, then do what was decided; a relation whose change the database refuses
        (its address taken at the same moment) fails alone."""
        outcome = plans.decide(operation, self.chunk, relation_id)
        if outcome["outcome"] != DOING[operation]:
            return outcome
        do: Callable[[Outcome], None] = getattr(self, operation)
        if operation != "create_accounts":
            do(outcome)
            return outcome
        try:
            with self.uow.session.begin_nested():
                do(outcome)
        except IntegrityError:
            return {"relation_id": relation_id, "outcome": "failed",
                    "reason": "the relation or its e-mail address got a portal account at "
                              "the same moment"}
        return outcome

    def _account(self, outcome: Outcome) -> PortalAccount:
        return self.chunk.accounts[outcome["relation_id"]]

    def create_accounts(self, outcome: Outcome) -> None:
        rid = outcome["relation_id"]
        language = self.params["language"] or accounts_settings.current().mail_language
        account = PortalAccount(id=str(uuid.uuid4()), relation_id=rid,
                                email=self.chunk.contacts[rid].email,
                                account_type=self.params["account_type"], language=language,
                                status="invited", version=self.chunk.versions.get(rid, 0),
                                created_at=now())
        self.uow.session.add(account)
        self.uow.session.flush()
        links.send_link(self.uow, self.sender, account, key=mail_key(self.job, rid, "welcome"))
        changed(self.uow, account, **self.extra)
        outcome.update(account_id=account.id, before={"account": None},
                       version=account.version)

    def send_resets(self, outcome: Outcome) -> None:
        account = self._account(outcome)
        mail = "welcome" if account.status == "invited" else "reset"
        links.send_link(self.uow, self.sender, account,
                        key=mail_key(self.job, account.relation_id, "reset"))
        outcome["email"] = mail

    def delete_accounts(self, outcome: Outcome) -> None:
        account = self._account(outcome)
        outcome["before"] = changes.snapshot(account)
        changes.delete(self.uow, account, **self.extra)
        outcome["version"] = account.version

    def block_accounts(self, outcome: Outcome) -> None:
        account = self._account(outcome)
        outcome["before"] = changes.snapshot(account)
        changes.block(self.uow, account, until=self.params["until"], **self.extra)
        outcome.update(version=account.version,
                       blocked_until=plans.until_text(self.params["until"]))

    def unblock_accounts(self, outcome: Outcome) -> None:
        account = self._account(outcome)
        outcome["before"] = changes.snapshot(account)
        changes.put_back(self.uow, account, UNBLOCKED, **self.extra)
        outcome["version"] = account.version
