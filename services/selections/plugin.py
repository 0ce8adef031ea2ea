"""The selections service declared to the platform."""

from pathlib import Path

from services.accounts.messages import PortalAccountChanged
from services.relations.messages import (
    DossierActionChanged,
    DossierActionDefined,
    DossierActionDeleted,
    DossierChanged,
    DossierCreated,
    DossierDeleted,
    DossiersBatchChanged,
    FieldChanged,
    FieldDefined,
    FieldDeleted,
    FunctionAdded,
    FunctionChanged,
    FunctionDeleted,
    FunctionEnded,
    MergeUndone,
    RelationCreated,
    RelationsArchived,
    RelationsBatchUpdated,
    RelationsBatchValuesUpdated,
    RelationsDeleted,
    RelationsMerged,
    RelationsRestored,
    RelationUpdated,
    TagChanged,
    TagDefined,
    TagDeleted,
)
from services.selections import api, handlers, targets
from services.selections.exports import exports
from services.selections.groups import api as groups_api
from services.selections.groups import bulk as groups_bulk
from services.selections.groups import materialise
from services.selections.messages import (
    AddToGroupChunk,
    GetGroupMembers,
    RemoveFromGroupChunk,
    ResolveTarget,
)
from services.selections.models import DOSSIER_ACTION, TAG, Base
from services.selections.portal import portal
from services.selections.snapshots import api as snapshots_api
from services.selections.snapshots import schedule as snapshot_schedule
from shared.access import RoutePermissions
from shared.permissions import SELECTIONS_READ, SELECTIONS_WRITE
from shared.plugins import ServicePlugin

plugin = ServicePlugin(
    name="selections",
    title="Cardbox selections",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=(api.filters, api.lists, exports, portal, snapshots_api.selections,
                groups_api.groups, groups_api.relation_groups),
    permissions=RoutePermissions(read=SELECTIONS_READ, write=SELECTIONS_WRITE),
    events={
        PortalAccountChanged: handlers.absorb_account,
        RelationCreated: handlers.absorb_relation_state,
        RelationUpdated: handlers.absorb_relation_state,
        RelationsBatchUpdated: handlers.absorb_batch,
        RelationsBatchValuesUpdated: handlers.absorb_batch,
        RelationsArchived: handlers.absorb_batch,
        RelationsRestored: handlers.absorb_batch,
        RelationsDeleted: handlers.forget_relations,
        RelationsMerged: handlers.absorb_merge,
        MergeUndone: handlers.absorb_merge_undone,
        FunctionAdded: handlers.absorb_function,
        FunctionChanged: handlers.absorb_function,
        FunctionEnded: handlers.absorb_function,
        FunctionDeleted: handlers.bury_function,
        DossierCreated: handlers.absorb_dossier,
        DossierChanged: handlers.absorb_dossier,
        DossiersBatchChanged: handlers.absorb_dossiers,
        DossierDeleted: handlers.bury_dossier,
        FieldDefined: handlers.absorb_field,
        FieldChanged: handlers.absorb_field,
        FieldDeleted: handlers.bury_field,
        TagDefined: handlers.absorber_of(TAG),
        TagChanged: handlers.absorber_of(TAG),
        TagDeleted: handlers.burier_of(TAG),
        DossierActionDefined: handlers.absorber_of(DOSSIER_ACTION),
        DossierActionChanged: handlers.absorber_of(DOSSIER_ACTION),
        DossierActionDeleted: handlers.burier_of(DOSSIER_ACTION),
    },
    commands={ResolveTarget: targets.resolve_target,
              AddToGroupChunk: groups_bulk.add_to_group,
              RemoveFromGroupChunk: groups_bulk.remove_from_group,
              GetGroupMembers: groups_bulk.get_group_members},
    uow_class=handlers.SelectionsUnitOfWork,
    periodic=(snapshot_schedule.REFRESH_DUE, materialise.DAILY),
)
