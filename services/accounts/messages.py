"""The published contract of the accounts service."""

from marshmallow import Schema, fields, validate

from shared.config import MAX_CHUNK_RELATIONS
from shared.messages import Command, Event, Query


class AccountTypeStateSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    description = fields.String(allow_none=True)
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class AccountTypePayload(Schema):
    account_type = fields.Nested(AccountTypeStateSchema, required=True)


class AccountTypeDeletedPayload(Schema):
    key = fields.String(required=True)


AccountTypeDefined = Event("accounts.account_types.defined", AccountTypePayload,
                           description="A kind of portal account (member, volunteer) was added.")
AccountTypeChanged = Event("accounts.account_types.changed", AccountTypePayload,
                           description="A kind of portal account was renamed or described.")
AccountTypeDeleted = Event("accounts.account_types.deleted", AccountTypeDeletedPayload,
                           description="A kind of portal account was removed.")


class PortalAccountStateSchema(Schema):
    # id, email, language and the times: always sent; not required of older producers.
    id = fields.String()
    relation_id = fields.String(required=True)
    email = fields.String(metadata={"description": "Case-folded."})
    # invited (no password yet) | active | blocked | deleted (frees its e-mail address)
    status = fields.String(required=True)
    account_type = fields.String(allow_none=True)
    language = fields.String(metadata={"description": "Of its e-mail: nl, en."})
    blocked_until = fields.String(allow_none=True)
    # Why accounts itself blocked or deleted it ("relation archived", "merged into <id>").
    reason = fields.String(allow_none=True)
    moved_to = fields.String(allow_none=True, metadata={
        "description": "Only in the state announced for a relation whose account moved to "
                       "another relation (a merge, or its undo): status deleted here, the "
                       "account lives on under this relation id."})
    # Counts on from the relation's previous account: keep the newest version per relation.
    version = fields.Integer(required=True)
    created_at = fields.String()
    updated_at = fields.String()


class PortalAccountPayload(Schema):
    account = fields.Nested(PortalAccountStateSchema, required=True)
    job = fields.String(allow_none=True, metadata={"description": "The bulk job that did it."})
    suppress_automations = fields.Boolean()


PortalAccountChanged = Event(
    "accounts.portal_accounts.changed", PortalAccountPayload,
    description="A relation's portal account was created, blocked, unblocked or deleted; "
                "carries its whole state.")


class MergeConflictPayload(Schema):
    merge_id = fields.String(required=True)
    keep = fields.String(required=True, metadata={"description": "The kept relation."})
    keeper_account_id = fields.String(required=True, metadata={
        "description": "The keeper's account, which stays."})
    account = fields.Nested(PortalAccountStateSchema, required=True, metadata={
        "description": "The merged relation's account, now blocked (reason: merged into "
                       "the keeper)."})


PortalAccountMergeConflict = Event(
    "accounts.portal_accounts.merge_conflict", MergeConflictPayload,
    description="Relations with a portal account each were merged: the keeper's account "
                "stays, the other is blocked for staff to sort out.")


# --- Commands and queries for bulk work (request/reply; the bulk service is the caller) ----

BULK_OPERATIONS = ("create_accounts", "send_resets", "delete_accounts", "block_accounts",
                   "unblock_accounts")


class AccountChunkSchema(Schema):
    """What every chunk carries: the job (the idempotency key with each relation), up to
    5,000 relations, and who the job runs for (needs accounts:manage)."""

    job_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    relation_ids = fields.List(fields.String(validate=validate.Length(min=1, max=36)),
                               required=True,
                               validate=validate.Length(min=1, max=MAX_CHUNK_RELATIONS))
    principal = fields.Dict(required=True)
    suppress_automations = fields.Boolean(load_default=False)


class CreateAccountsParams(Schema):
    account_type = fields.String(required=True, validate=validate.Length(min=1, max=64))
    language = fields.String(allow_none=True, load_default=None,
                             validate=validate.OneOf(("nl", "en")))


class BlockAccountsParams(Schema):
    until = fields.AwareDateTime(allow_none=True, load_default=None, metadata={
        "description": "When the blocks lift themselves; none: for good."})


class CreateAccountsPayload(AccountChunkSchema, CreateAccountsParams):
    pass


class BlockAccountsPayload(AccountChunkSchema, BlockAccountsParams):
    pass


class RestoreAccountsPayload(AccountChunkSchema):
    undoes = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "The job whose changes are taken back, from the before-images kept "
                       "here."})
    # skip: leave accounts changed since the job; overwrite: take the change back anyway
    mode = fields.String(load_default="skip", validate=validate.OneOf(("skip", "overwrite")))


class PreviewAccountsPayload(Schema):
    operation = fields.String(required=True, validate=validate.OneOf(BULK_OPERATIONS))
    relation_ids = fields.List(fields.String(validate=validate.Length(min=1, max=36)),
                               required=True, validate=validate.Length(min=1, max=5000))
    params = fields.Dict(load_default=dict)
    principal = fields.Dict(required=True)


# Chunk commands answer a redelivery from their (job, relation) records: no inbox copy.
CreateAccounts = Command("accounts.create_accounts", CreateAccountsPayload, inbox=False,
                         description="Create portal accounts (and welcome e-mails) for a "
                                     "chunk of relations.")
SendResets = Command("accounts.send_resets", AccountChunkSchema, inbox=False,
                     description="E-mail a chunk of relations' accounts a password link.")
DeleteAccounts = Command("accounts.delete_accounts", AccountChunkSchema, inbox=False,
                         description="Delete a chunk of relations' portal accounts.")
BlockAccounts = Command("accounts.block_accounts", BlockAccountsPayload, inbox=False,
                        description="Block a chunk of relations' accounts (until a date).")
UnblockAccounts = Command("accounts.unblock_accounts", AccountChunkSchema, inbox=False,
                          description="Lift the blocks of a chunk of relations' accounts.")
RestoreAccounts = Command("accounts.restore_accounts", RestoreAccountsPayload, inbox=False,
                          description="Undo: take back what a bulk job did to a chunk's "
                                      "accounts.")
PreviewAccounts = Query("accounts.preview_accounts", PreviewAccountsPayload,
                        description="Per relation, what a bulk account operation would do; "
                                    "changes nothing.")


# --- Who a stored principal is now (a bulk worker checks the job's principal per chunk) -----

class PrincipalRefPayload(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("staff", "api_client")))
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))


GetPrincipal = Query("accounts.get_principal", PrincipalRefPayload,
                     description="A staff user's or API client's principal as of now (current "
                                 "role or scopes): {principal}, or {principal: null} when "
                                 "removed or revoked.")
