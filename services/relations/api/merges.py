"""Merges: several relations become one; a merge can be taken back."""

from flask_smorest import Blueprint

from services.relations.api.common import uow
from services.relations.handlers import batch_merge, duplicates
from services.relations.handlers import merges as handlers
from services.relations.schemas.merges import (
    MergeRecordSchema,
    MergeRequestSchema,
    MergeResultSchema,
    PairMergeResultSchema,
    PairMergeSchema,
    UndoArgs,
)
from shared.access import requires
from shared.idempotency import idempotent
from shared.permissions import RELATIONS_MERGE

merges = Blueprint("merges", __name__, url_prefix="/api/relations/merges",
                   description="Merge relations, and undo a merge.")


@merges.post("")
@requires(RELATIONS_MERGE)
@idempotent
@merges.arguments(MergeRequestSchema)
@merges.response(201, MergeResultSchema)
def merge(body):
    """Merge relations into the kept one. Multi-value things (e-mails, phones, tags, functions,
    contact moments, dossiers, history) are united on it; the others answer with
    `merged_into`. The full pre-merge records are kept, so the merge can be undone."""
    return handlers.merge_relations(uow(), body["keep"], body["others"], body["choices"]), 201


@merges.get("/<merge_id>")
@merges.response(200, MergeRecordSchema)
def get_merge(merge_id):
    """One merge, with the pre-merge records."""
    return handlers.get_merge(uow(), merge_id)


@merges.post("/<merge_id>/undo")
@requires(RELATIONS_MERGE)
@merges.arguments(UndoArgs, location="query", as_kwargs=True)
@merges.response(200, MergeResultSchema)
def undo(merge_id, force):
    """Take a merge back: every relation as it was, and what moved moves back."""
    return handlers.undo_merge(uow(), merge_id, force=force)


@merges.post("/pairs")
@requires(RELATIONS_MERGE)
@idempotent
@merges.arguments(PairMergeSchema)
@merges.response(200, PairMergeResultSchema)
def merge_pairs(body):
    """Merge many duplicate pairs at once: named pairs, or the best stored ones from
    `min_score`. Safe mode skips (and lists) pairs whose values conflict; rules mode merges
    them, the keeper's or the newest value winning. Each merge can be undone on its own."""
    pairs = [tuple(pair) for pair in body["pairs"]] if "pairs" in body else \
        duplicates.best_pairs(uow(), body["min_score"], body["limit"])
    return batch_merge.merge_pairs(uow, pairs, mode=body["mode"], keeper=body["keeper"],
                                   rule=body["rule"])
