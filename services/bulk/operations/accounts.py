"""Bulk operations on portal accounts, applied by the accounts service: create accounts,
send password links, delete, block and unblock. The accounts service answers in its own
words per relation (created, no_account, email_in_use, …); these operations read them as
bulk outcomes and keep the owner's word in the reason."""

from __future__ import annotations

from collections import Counter
from typing import Any

from marshmallow import post_load

from services.accounts.messages import (
    BlockAccounts,
    BlockAccountsParams,
    CreateAccounts,
    CreateAccountsParams,
    DeleteAccounts,
    PreviewAccounts,
    RestoreAccounts,
    SendResets,
    UnblockAccounts,
)
from services.bulk.operations.common import NoParams, relation_states
from services.bulk.operations.common import display_name as name_of
from shared.errors import ValidationFailed
from shared.messages import Command
from shared.permissions import ACCOUNTS_MANAGE
from shared.plugins import BulkOperation, OperationContext

# The owner's outcomes that change nothing, and why (the rest of what it may answer fails).
UNCHANGED = {"already_had_account": "the relation has a portal account already",
             "already_blocked": "the account is blocked already",
             "not_blocked": "the account is not blocked",
             "no_account": "the relation has no portal account"}
REASONS = {"unknown_relation": "no such relation", "relation_archived": "the relation is "
           "archived", "no_email_address": "the relation has no e-mail address",
           "blocked": "the account is blocked: no e-mail goes to it",
           "no_account": "the relation has no portal account"}
PROBE_PAGE = 5000  # relations a PreviewAccounts takes at most
# What an undo answers per relation, as bulk outcomes.
UNDONE = {"deleted": "changed", "restored": "changed", "unblocked": "changed",
          "blocked": "changed", "nothing_to_undo": "unchanged", "skipped": "skipped"}


class BlockParams(BlockAccountsParams):
    @post_load
    def _as_text(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        """A job keeps its params as JSON: the moment as ISO text."""
        return {**data, "until": data["until"].isoformat() if data.get("until") else None}


class AccountOperation(BulkOperation):
    """What the account operations share: the accounts service previews and applies them,
    and takes back what they did from the before-images it keeps per (job, relation)."""

    owner = "accounts"
    permission = ACCOUNTS_MANAGE
    undo = "inverse"
    accounts_operation: str            # the accounts service's name for it
    doing: str                         # its outcome for a relation it changes
    chunk_command: Command
    change: tuple[str, Any]            # what a changed relation's diff shows: (field, after)
    fails_when_absent = False          # no_account: failed (reset) or unchanged (the rest)
    # How changed_since sees the account as the job left it: the accounts service's preview of
    # this operation answers this outcome (an account: delete_accounts would delete it).
    still: tuple[str, str] = ("delete_accounts", "deleted")

    def owner_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return {}

    def preview(self, ctx: OperationContext, params: dict[str, Any],
                relation_ids: list[str]) -> list[dict[str, Any]]:
        states = relation_states(ctx, relation_ids)
        rows = []
        for said in self._asked(ctx, params, relation_ids):
            state = states.get(said["relation_id"])
            row = self.interpret(ctx, [said])[0]
            kind = {"changed": "would_change", "unchanged": "unchanged"}.get(
                row["outcome"], "would_fail")
            rows.append({"relation_id": said["relation_id"],
                         "name": name_of(state) if state else None,
                         "diff": row.get("changes") or {}, "outcome": kind,
                         **({"reason": row["reason"]} if row.get("reason") else {})})
        return rows

    def impacts(self, ctx: OperationContext, params: dict[str, Any],
                relation_ids: list[str]) -> list[dict[str, Any]]:
        said = Counter(o["outcome"] for o in self._asked(ctx, params, relation_ids))
        found = [self.main_impact(said[self.doing])] if said[self.doing] else []
        return found + [{"key": outcome, "count": count, "confirmation": None,
                         "description": f"{count} relations are left: "
                                        + REASONS.get(outcome, UNCHANGED.get(outcome, outcome))}
                        for outcome, count in said.items() if outcome != self.doing]

    def main_impact(self, count: int) -> dict[str, Any]:
        return {"key": self.doing, "count": count, "confirmation": None,
                "description": f"{count} portal accounts will be {self.doing}"}

    def command(self, ctx: OperationContext, chunk: list[str],
                params: dict[str, Any]) -> tuple[Command, dict[str, Any]]:
        return self.chunk_command, {**_chunk(ctx, chunk), **self.owner_params(params)}

    def undo_command(self, ctx: OperationContext, chunk: list[str], items: list[dict[str, Any]],
                     mode: str) -> tuple[Command, dict[str, Any]] | None:
        # The accounts service finds what to take back under the key the job applied it with;
        # the bulk service hands over the items of one key (one attempt) at a time.
        keys = [(item.get("before") or {}).get("key") for item in items]
        undoes = next((key for key in keys if key), ctx.job["undo_of"])
        return RestoreAccounts, {**_chunk(ctx, chunk), "undoes": undoes, "mode": mode}

    def changed_since(self, ctx: OperationContext, items: list[dict[str, Any]]) -> list[str]:
        """The relations whose account is no longer as the job left it, as far as the
        accounts service tells: gone, (un)blocked again, or another account. A change that
        keeps all that (an e-mail address, an activation) shows when the undo runs: the
        owner then skips the account, as it changed since."""
        probe, left_as = self.still
        ids = [item["relation_id"] for item in items]
        now = {said["relation_id"]: said for start in range(0, len(ids), PROBE_PAGE)
               for said in self._asked(ctx, {}, ids[start:start + PROBE_PAGE], probe)}
        changed = []
        for item in items:
            said = now.get(item["relation_id"]) or {}
            left_id = (item.get("before") or {}).get("account_id")
            # Another account than the job's (deleted and made anew) counts as a change.
            other = left_id is not None and said.get("account_id", left_id) != left_id
            if said.get("outcome") != left_as or other:
                changed.append(item["relation_id"])
        return changed

    def interpret(self, ctx: OperationContext, answer: Any) -> list[dict[str, Any]]:
        if ctx.job.get("undo_of"):
            return [_undone(said) for said in answer]
        return [self._read(ctx, said) for said in answer]

    def _read(self, ctx: OperationContext, said: dict[str, Any]) -> dict[str, Any]:
        outcome = {"relation_id": said["relation_id"]}
        kind = said["outcome"]
        if kind == self.doing:
            field, after = self.change
            before = (said.get("before") or {}).get("status")
            return {**outcome, "outcome": "changed", "changes": {field: [before, after]},
                    "version": said.get("version"),
                    "before": {"key": ctx.job.get("key"), "account": said.get("before"),
                               "account_id": said.get("account_id")}}
        if kind in UNCHANGED and not (kind == "no_account" and self.fails_when_absent):
            return {**outcome, "outcome": "unchanged", "reason": UNCHANGED[kind]}
        return {**outcome, "outcome": "failed",
                "reason": said.get("reason") or REASONS.get(kind, kind.replace("_", " "))}

    def _asked(self, ctx: OperationContext, params: dict[str, Any],
               relation_ids: list[str], operation: str | None = None) -> list[dict[str, Any]]:
        """What the accounts service would do now (this operation, or `operation`, which
        takes no params: a probe of the accounts' state)."""
        try:
            return ctx.rpc.call(PreviewAccounts, {
                "operation": operation or self.accounts_operation, "relation_ids": relation_ids,
                "params": {} if operation else self.owner_params(params),
                "principal": ctx.principal,
            })["outcomes"]
        except ValidationFailed as refused:
            raise ValidationFailed(refused.detail, errors={
                f"params.{name}": problems for name, problems in refused.errors.items()}) \
                from None


def _chunk(ctx: OperationContext, chunk: list[str]) -> dict[str, Any]:
    """The part of every accounts chunk command (its idempotency key is `job_id`)."""
    return {"job_id": ctx.job["key"], "relation_ids": list(chunk), "principal": ctx.principal,
            "suppress_automations": bool(ctx.job.get("suppress_automations"))}


def _undone(said: dict[str, Any]) -> dict[str, Any]:
    kind = UNDONE.get(said["outcome"], "failed")
    outcome = {"relation_id": said["relation_id"], "outcome": kind}
    if said.get("reason") or kind != "changed":
        outcome["reason"] = said.get("reason") or said["outcome"].replace("_", " ")
    if kind == "changed":
        outcome["version"] = said.get("version")
    return outcome


class CreateAccountsOp(AccountOperation):
    """Give every relation a portal account of a type; each gets a welcome e-mail with its
    activation link. Undo deletes the accounts the job created."""

    name = "create_accounts"
    params = CreateAccountsParams
    accounts_operation, doing, chunk_command = "create_accounts", "created", CreateAccounts
    change = ("account", "invited")

    def owner_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"account_type": params["account_type"], "language": params.get("language")}

    def main_impact(self, count: int) -> dict[str, Any]:
        return {"key": "welcome_emails", "count": count, "confirmation": None,
                "description": f"{count} portal accounts will be created, each with a "
                               "welcome e-mail"}


class ResetPasswords(AccountOperation):
    """E-mail every relation's portal account a link to choose a new password (the welcome
    again for an account not yet activated)."""

    name = "reset_passwords"
    params = NoParams
    undo = None
    undo_refusal = "reset e-mails already sent cannot be unsent"
    accounts_operation, doing, chunk_command = "send_resets", "sent", SendResets
    change = ("password_email", "sent")
    fails_when_absent = True

    def main_impact(self, count: int) -> dict[str, Any]:
        return {"key": "send_emails", "count": count, "confirmation": "send_emails",
                "description": f"{count} password e-mails will be sent; sent e-mail cannot "
                               "be taken back"}


class DeleteAccountsOp(AccountOperation):
    """Delete every relation's portal account; their e-mail addresses are free again. Undo
    brings them back without their passwords (each then needs a new link)."""

    name = "delete_accounts"
    params = NoParams
    accounts_operation, doing, chunk_command = "delete_accounts", "deleted", DeleteAccounts
    change = ("account", "deleted")
    still = ("delete_accounts", "no_account")

    def main_impact(self, count: int) -> dict[str, Any]:
        return {"key": "delete_accounts", "count": count, "confirmation": "delete_accounts",
                "description": f"{count} portal accounts will be deleted with their "
                               "passwords; an undo brings them back without"}


class BlockAccountsOp(AccountOperation):
    """Block every relation's portal account, for good or until a moment."""

    name = "block_accounts"
    params = BlockParams
    accounts_operation, doing, chunk_command = "block_accounts", "blocked", BlockAccounts
    change = ("account", "blocked")
    still = ("unblock_accounts", "unblocked")

    def owner_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"until": params.get("until")}


class UnblockAccountsOp(AccountOperation):
    """Lift the block of every relation's portal account."""

    name = "unblock_accounts"
    params = NoParams
    accounts_operation, doing, chunk_command = "unblock_accounts", "unblocked", \
        UnblockAccounts
    change = ("account", "active")
    still = ("block_accounts", "blocked")
