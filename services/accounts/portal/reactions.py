"""Portal accounts follow their relations: archived → blocked (a restore lifts only that
block), deleted → deleted, merged → moved to the keeper or, if the keeper has one, blocked and
reported; a merge undone takes that back. Each handler first keeps relation_contacts up to
date, in the same transaction. Late and repeated events change nothing."""

from __future__ import annotations

from sqlalchemy import select

from services.accounts.messages import PortalAccountMergeConflict
from services.accounts.models import now
from services.accounts.portal import changes, contacts
from services.accounts.portal.models import PortalAccount
from services.accounts.portal.reaction_models import (
    LifecycleReaction,
    MergeReaction,
    MergeReconciliation,
)
from shared.db import UnitOfWork
from shared.messages import Envelope

ARCHIVED = "relation archived"
DELETED = "relation deleted"


def on_archived(event: Envelope, uow: UnitOfWork) -> None:
    """Relations archived: their live accounts are blocked, for good, "relation archived"."""
    with uow:
        contacts.absorb_entries(event, uow)
        _each_newer(uow, event, _archive_block)
        uow.commit()


def on_restored(event: Envelope, uow: UnitOfWork) -> None:
    """Relations restored: the blocks their archive made are lifted, unless someone changed
    the account since (a block staff made stays)."""
    with uow:
        contacts.absorb_entries(event, uow)
        _each_newer(uow, event, _lift_archive_block)
        uow.commit()


def on_deleted(event: Envelope, uow: UnitOfWork) -> None:
    """Relations erased: their accounts are deleted, which frees the addresses."""
    with uow:
        contacts.absorb_deleted(event, uow)
        ids = list(dict.fromkeys(event.payload["relation_ids"]))
        with changes.Batch(uow) as batch:
            for account in changes.live_accounts(uow.session, ids).values():
                batch.delete(account, reason=DELETED)
        uow.commit()


def _each_newer(uow: UnitOfWork, event: Envelope, react) -> None:
    """`react(batch, reaction, live account)` for each relation of an archive or restore whose
    version is newer than the last one handled; a late or repeated one is skipped."""
    versions: dict[str, int] = {}
    for entry in event.payload["entries"]:
        state = entry["relation"]
        versions[state["id"]] = max(state["version"], versions.get(state["id"], -1))
    ids = list(versions)
    reactions = {r.relation_id: r for r in uow.session.scalars(select(LifecycleReaction).where(
        LifecycleReaction.relation_id.in_(ids)).with_for_update())}
    accounts = changes.live_accounts(uow.session, ids)
    with changes.Batch(uow) as batch:
        for relation_id, version in versions.items():
            reaction = reactions.get(relation_id)
            if reaction is None:
                reaction = LifecycleReaction(relation_id=relation_id, version=version)
                uow.session.add(reaction)
            elif reaction.version >= version:
                continue
            reaction.version, reaction.updated_at = version, now()
            react(batch, reaction, accounts.get(relation_id))


def _archive_block(batch: changes.Batch, reaction: LifecycleReaction,
                   account: PortalAccount | None) -> None:
    if reaction.account_id is not None:
        return  # the block of an earlier archive, not restored yet, stays the one to lift
    if account is None or (account.status == "blocked" and account.blocked_until is None):
        return  # nothing to block, or blocked for good by staff: not the archive's block
    reaction.before = changes.snapshot(account)
    batch.block(account, reason=ARCHIVED)
    reaction.account_id, reaction.account_version = account.id, account.version


def _lift_archive_block(batch: changes.Batch, reaction: LifecycleReaction,
                        _live: PortalAccount | None) -> None:
    account_id, version, before = reaction.account_id, reaction.account_version, reaction.before
    reaction.account_id = reaction.account_version = reaction.before = None
    if account_id is None:
        return
    account = batch.uow.session.get(PortalAccount, account_id, with_for_update=True)
    # Changed since (unblocked, re-blocked, deleted, moved): no longer the archive's block.
    if account is not None and account.version == version:
        batch.put_back(account, before)


# --- merges -------------------------------------------------------------------------------

def on_merged(event: Envelope, uow: UnitOfWork) -> None:
    """Relations merged: an account of a merged relation moves to the keeper if the keeper
    has none; otherwise it is blocked ("merged into <keeper>") and reported."""
    payload = event.payload
    with uow:
        contacts.absorb_merge(event, uow)
        if _first_word_on(uow, payload["merge_id"], "merged"):
            _reconcile(uow, payload["merge_id"], payload["keep"]["id"], payload["merged"])
        uow.commit()


def on_merge_undone(event: Envelope, uow: UnitOfWork) -> None:
    """A merge undone: moved accounts go back, blocked ones are as before (unless changed
    since)."""
    merge_id = event.payload["merge_id"]
    with uow:
        contacts.absorb_merge_undone(event, uow)
        if _first_word_on(uow, merge_id, "undone"):
            with changes.Batch(uow) as batch:
                for record in uow.session.scalars(select(MergeReconciliation).where(
                        MergeReconciliation.merge_id == merge_id)):
                    _take_back(batch, record)
        uow.commit()


def _first_word_on(uow: UnitOfWork, merge_id: str, state: str) -> bool:
    """Record that the merge is `state` now; False if that was known already, or if the
    undo came before the merge (then the late merge does nothing)."""
    reaction = uow.session.get(MergeReaction, merge_id, with_for_update=True)
    if reaction is None:
        uow.session.add(MergeReaction(merge_id=merge_id, state=state))
        uow.session.flush()
        return state == "merged"
    if reaction.state == "undone" or reaction.state == state:
        return False
    reaction.state, reaction.updated_at = state, now()
    return True


def _reconcile(uow: UnitOfWork, merge_id: str, keeper: str, merged: list[str]) -> None:
    merged = [rid for rid in dict.fromkeys(merged) if rid != keeper]
    accounts = changes.live_accounts(uow.session, [keeper, *merged])
    holder = accounts.get(keeper)
    with changes.Batch(uow) as batch:
        for relation_id in merged:
            account = accounts.get(relation_id)
            if account is not None:
                holder = _reconcile_one(batch, merge_id, keeper, holder, account)


def _reconcile_one(batch: changes.Batch, merge_id: str, keeper: str,
                   holder: PortalAccount | None, account: PortalAccount) -> PortalAccount:
    """Move the account to the keeper, or block it if the keeper has one (`holder`);
    answers the keeper's account now."""
    relation_id = account.relation_id
    record = MergeReconciliation(merge_id=merge_id, account_id=account.id,
                                 relation_id=relation_id, keeper_id=keeper,
                                 before=changes.snapshot(account), account_version=0)
    if holder is None:
        record.action, holder = "moved", account
        batch.move(account, keeper, reason=f"moved to {keeper} (merge)")
    else:
        record.action = "disabled"
        state = batch.block(account, reason=f"merged into {keeper}")
        batch.uow.emit(PortalAccountMergeConflict, {
            "merge_id": merge_id, "keep": keeper, "keeper_account_id": holder.id,
            "account": state}, aggregate_id=keeper)
    record.account_version = account.version
    batch.uow.session.add(record)
    return holder


def _take_back(batch: changes.Batch, record: MergeReconciliation) -> None:
    account = batch.uow.session.get(PortalAccount, record.account_id, with_for_update=True)
    if account is None or account.status == "deleted":
        return
    if record.action == "moved":
        home_taken = changes.live_accounts(batch.uow.session, [record.relation_id])
        if account.relation_id == record.keeper_id and not home_taken:
            batch.move(account, record.relation_id,
                       reason=f"moved back to {record.relation_id} (merge undone)")
    elif account.version == record.account_version:
        batch.put_back(account, record.before)
