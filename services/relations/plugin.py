"""The relations service declared to the platform."""

from pathlib import Path

from services.accounts.messages import PortalAccountChanged
from services.relations import messages
from services.relations.api import BLUEPRINTS
from services.relations.handlers import (
    RelationsUnitOfWork,
    bulk,
    bulk_archive,
    bulk_edits,
    export,
    portal_accounts,
)
from services.relations.models import Base
from shared.access import RoutePermissions
from shared.permissions import RELATIONS_READ, RELATIONS_WRITE
from shared.plugins import ServicePlugin

plugin = ServicePlugin(
    name="relations",
    title="Cardbox relations",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=BLUEPRINTS,
    permissions=RoutePermissions(read=RELATIONS_READ, write=RELATIONS_WRITE),
    events={PortalAccountChanged: portal_accounts.absorb_portal_account},
    commands={
        messages.ApplyFieldChanges: bulk.apply_field_changes,
        messages.ArchiveChunk: bulk_archive.archive_chunk,
        messages.RestoreArchivedChunk: bulk_archive.restore_archived,
        messages.ApplyRelationEdits: bulk_edits.apply_relation_edits,
        messages.CheckRelationEdits: bulk_edits.check_relation_edits,
        messages.DeleteChunk: bulk.delete_chunk,
        messages.RestoreBeforeImages: bulk.restore_before_images,
        messages.AddTagChunk: bulk.add_tag,
        messages.RemoveTagChunk: bulk.remove_tag,
        messages.CheckFieldChanges: bulk.check_field_changes,
        messages.GetRelationStates: bulk.get_relation_states,
        messages.GetRelationVersions: bulk.get_relation_versions,
        messages.AssessArchive: bulk.assess_archive,
        messages.ExportStates: export.export_states,
    },
    uow_class=RelationsUnitOfWork,
)
