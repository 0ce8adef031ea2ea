"""The accounts service declared to the platform."""

from pathlib import Path

from services.accounts import api, messages, principals, sessions
from services.accounts.api_clients import api as api_clients_api
from services.accounts.bulk import chunks, undo
from services.accounts.mail import api as mail_api
from services.accounts.mail.delivery import deliver_mail
from services.accounts.models import Base
from services.accounts.portal import api as portal_api
from services.accounts.portal import contacts, reactions
from services.accounts.portal.accounts import lift_expired
from services.accounts.staff import api as staff_api
from services.accounts.staff.bootstrap import first_superuser
from services.relations.messages import (
    MergeUndone,
    RelationCreated,
    RelationsArchived,
    RelationsBatchUpdated,
    RelationsDeleted,
    RelationsMerged,
    RelationsRestored,
    RelationUpdated,
)
from shared.access import RoutePermissions
from shared.periodic import Periodic
from shared.permissions import ACCOUNTS_MANAGE, ACCOUNTS_READ
from shared.plugins import ServicePlugin

plugin = ServicePlugin(
    name="accounts",
    title="Cardbox accounts",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=(api.account_types, portal_api.accounts, portal_api.access, mail_api.sender,
                sessions.sessions, sessions.internal, staff_api.staff, staff_api.me,
                api_clients_api.api_clients),
    # Staff, API clients and the open routes declare their own (shared.access).
    permissions=RoutePermissions(read=ACCOUNTS_READ, write=ACCOUNTS_MANAGE),
    after_migrate=(first_superuser,),
    events={
        RelationCreated: contacts.absorb_relation,
        RelationUpdated: contacts.absorb_relation,
        RelationsBatchUpdated: contacts.absorb_entries,
        # Each keeps relation_contacts up to date, then makes the accounts follow.
        RelationsArchived: reactions.on_archived,
        RelationsRestored: reactions.on_restored,
        RelationsDeleted: reactions.on_deleted,
        RelationsMerged: reactions.on_merged,
        MergeUndone: reactions.on_merge_undone,
    },
    commands={
        messages.CreateAccounts: chunks.create_accounts,
        messages.SendResets: chunks.send_resets,
        messages.DeleteAccounts: chunks.delete_accounts,
        messages.BlockAccounts: chunks.block_accounts,
        messages.UnblockAccounts: chunks.unblock_accounts,
        messages.RestoreAccounts: undo.restore_accounts,
        messages.PreviewAccounts: chunks.preview_accounts,
        messages.GetPrincipal: principals.get_principal,
    },
    periodic=(
        Periodic("accounts.deliver_mail", every=1.0, run=deliver_mail),
        Periodic("accounts.lift_expired_blocks", every=60.0, run=lift_expired),
    ),
)
