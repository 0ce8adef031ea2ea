"""The selections service declared to the platform."""

from pathlib import Path

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
from services.selections import api, handlers
from services.selections.models import Base
from shared.plugins import ServicePlugin

plugin = ServicePlugin(
    name="selections",
    title="Cardbox selections",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=(api.filters,),
    events={
        RelationCreated: handlers.absorb_relation_state,
        RelationUpdated: handlers.absorb_relation_state,
        RelationsBatchUpdated: handlers.absorb_batch,
        RelationsArchived: handlers.absorb_batch,
        RelationsRestored: handlers.absorb_batch,
        RelationsDeleted: handlers.forget_relations,
        RelationsMerged: handlers.absorb_merge,
        MergeUndone: handlers.absorb_merge_undone,
    },
    uow_class=handlers.SelectionsUnitOfWork,
)
