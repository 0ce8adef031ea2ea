"""Archive as a bulk chunk, keeping what its undo needs (the version each archive left), and
that undo: restore the relations a job archived, unless someone changed them since."""

from __future__ import annotations

from sqlalchemy import select

from services.relations.handlers import lifecycle
from services.relations.handlers.bulk_chunks import Outcome, once_per_relation
from services.relations.handlers.unit_of_work import RelationsUnitOfWork, Via
from services.relations.models import Relation
from shared.messages import Envelope
from shared.permissions import RELATIONS_ARCHIVE, on_behalf_of_job

ARCHIVED = {"status": ["active", "archived"]}
RESTORED = {"status": ["archived", "active"]}


def archive_chunk(command: Envelope, uow: RelationsUnitOfWork) -> list[Outcome]:
    """Archive each relation of the chunk once; a changed one answers the version it left."""
    payload = command.payload

    def archive(ids: list[str]) -> list[Outcome]:
        outcomes = lifecycle.archive_relations(
            uow, ids, reason=payload["reason"], confirmations=set(payload["confirmations"]),
            via=Via.bulk(payload["job"]), job=payload["job"])
        return _with_versions(uow, outcomes, ARCHIVED)

    with on_behalf_of_job(payload, RELATIONS_ARCHIVE):
        return once_per_relation(uow, payload, archive)


def restore_archived(command: Envelope, uow: RelationsUnitOfWork) -> list[Outcome]:
    """Restore each relation of the chunk the undone job archived: one archived again, or
    changed by someone since, is left (mode skip) or restored anyway (overwrite)."""
    payload = command.payload
    versions, overwrite = payload["versions"], payload["mode"] == "overwrite"

    def restore(ids: list[str]) -> list[Outcome]:
        relations = uow.relations.many(ids)
        left: dict[str, Outcome] = {}
        for rid in ids:
            relation = relations.get(rid)
            reason = _left_because(relation, versions.get(rid), overwrite)
            if reason is not None:
                kind = "skipped" if reason.startswith("changed") else "unchanged"
                left[rid] = {"relation_id": rid, "outcome": kind, "reason": reason}
        restored = lifecycle.restore_relations(
            uow, [rid for rid in ids if rid not in left], via=Via.bulk(payload["job"]),
            job=payload["job"])
        by_id = {o["relation_id"]: o for o in _with_versions(uow, restored, RESTORED)}
        return [left.get(rid) or by_id[rid] for rid in ids]

    with on_behalf_of_job(payload, RELATIONS_ARCHIVE):
        return once_per_relation(uow, payload, restore)


def _left_because(relation: Relation | None, version: int | None,
                  overwrite: bool) -> str | None:
    if relation is None or relation.status in ("deleted", "merged"):
        return "the relation is gone"
    if relation.status != "archived":
        return "the relation is not archived (any more)"
    if relation.version != version and not overwrite:
        return "changed by someone else since the job"
    return None


def _with_versions(uow: RelationsUnitOfWork, outcomes: list[Outcome],
                   changes: dict[str, list[str]]) -> list[Outcome]:
    """Each changed relation's outcome with the version it has now, the change and its
    before-image."""
    changed = [o["relation_id"] for o in outcomes if o["outcome"] == "changed"]
    if not changed:
        return outcomes
    versions = dict(uow.session.execute(select(Relation.id, Relation.version)
                                        .where(Relation.id.in_(changed))).all())
    return [{**o, "version": versions[o["relation_id"]], "changes": changes,
             "before": {"status": changes["status"][0]}}
            if o["outcome"] == "changed" else o for o in outcomes]
