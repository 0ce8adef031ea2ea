"""Archive, restore and permanently delete a relation."""

from flask_smorest import Blueprint

from services.relations.api.common import uow
from services.relations.handlers import Via, lifecycle
from services.relations.handlers import relations as card
from services.relations.schemas.lifecycle import ArchiveSchema, ImpactsSchema
from services.relations.schemas.relations import RelationSchema
from shared.access import requires
from shared.permissions import RELATIONS_ARCHIVE, RELATIONS_DELETE

lifecycle_api = Blueprint("lifecycle", __name__, url_prefix="/api/relations/relations",
                          description="Archive, restore and delete relations.")


@lifecycle_api.get("/<relation_id>/archive-impacts")
@lifecycle_api.response(200, ImpactsSchema)
def archive_impacts(relation_id):
    """What archiving this relation would also do, and which confirmations it needs."""
    card.get_relation(uow(), relation_id)  # 404 / 410 first
    impacts = lifecycle.assess_archive(uow(), [relation_id])
    return {"impacts": [impact.to_dict() for impact in impacts]}


@lifecycle_api.post("/<relation_id>/archive")
@requires(RELATIONS_ARCHIVE)
@lifecycle_api.arguments(ArchiveSchema)
@lifecycle_api.response(200, RelationSchema)
def archive(body, relation_id):
    """Archive a relation with a reason. It leaves default lists but stays retrievable; what
    else happens (see archive-impacts) needs its confirmation key in `confirm`, else 409."""
    outcomes = lifecycle.archive_relations(uow(), [relation_id], reason=body["reason"],
                                           confirmations=set(body["confirm"]), via=Via.api())
    lifecycle.require_found(outcomes)
    return card.get_relation(uow(), relation_id)


@lifecycle_api.post("/<relation_id>/restore")
@requires(RELATIONS_ARCHIVE)
@lifecycle_api.response(200, RelationSchema)
def restore(relation_id):
    """Bring an archived relation back."""
    lifecycle.require_found(lifecycle.restore_relations(uow(), [relation_id], via=Via.api()))
    return card.get_relation(uow(), relation_id)


@lifecycle_api.delete("/<relation_id>")
@requires(RELATIONS_DELETE)
@lifecycle_api.response(204)
def delete(relation_id):
    """Erase a relation's personal data for good (superusers only). Its id stays as a
    tombstone: reading it answers 410, history keeps who changed it and when."""
    lifecycle.require_found(lifecycle.delete_relations(uow(), [relation_id], via=Via.api()))
