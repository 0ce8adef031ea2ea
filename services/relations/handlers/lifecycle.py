"""Archive, restore and permanently delete relations, one or a chunk at a time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, update

from services.relations.handlers.dossiers import saved_many
from services.relations.handlers.unit_of_work import RelationsUnitOfWork, Via
from services.relations.impacts import Impact, archive_impacts
from services.relations.messages import RelationsArchived, RelationsDeleted, RelationsRestored
from services.relations.models import ContactMoment, HistoryEntry, Relation
from services.relations.models.base import now
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.permissions import RELATIONS_DELETE, require

# What permanent deletion leaves of a relation: the id, the type, the times, the tombstone.
ERASED = {"initials": None, "first_name": None, "infix": None, "last_name": None,
          "organisation_name": None, "birth_date": None, "emails": [], "phones": [],
          "address": None, "custom_fields": {}, "tags": [], "archived_reason": None}


def assess_archive(uow: RelationsUnitOfWork, relation_ids: list[str]) -> list[Impact]:
    """What archiving these relations would also do, asked of every impact plugin."""
    with uow:
        return [impact for plugin in archive_impacts()
                if (impact := plugin.assess(uow, relation_ids)) is not None]


def archive_relations(uow: RelationsUnitOfWork, relation_ids: list[str], *, reason: str,
                      confirmations: set[str], via: Via,
                      job: str | None = None) -> list[dict[str, Any]]:
    """Archive live relations with a reason, after the confirmations their impacts ask for.
    Answers an outcome per relation; a missing confirmation refuses all of it (409)."""
    if not reason or not reason.strip():
        raise ValidationFailed("archiving needs a reason", errors={"reason": ["required"]})
    with uow:
        relations = uow.relations.many(relation_ids)
        live_ids = [rid for rid in relation_ids
                    if rid in relations and relations[rid].status == "active"]
        impacts = [(plugin, impact) for plugin in archive_impacts()
                   if live_ids and (impact := plugin.assess(uow, live_ids)) is not None]
        missing = [impact.key for _plugin, impact in impacts
                   if impact.requires_confirmation and impact.key not in confirmations]
        if missing:
            raise Conflict("archiving has consequences that need your confirmation: "
                           + "; ".join(impact.description for _p, impact in impacts),
                           impacts=[impact.to_dict() for _p, impact in impacts],
                           missing_confirmations=missing)
        for plugin, _impact in impacts:
            plugin.apply(uow, live_ids, via)
        at = now()
        changed = []
        for rid in live_ids:
            relation = relations[rid]
            changes = relation.apply({"status": "archived", "archived_reason": reason.strip(),
                                      "archived_at": at})
            uow.record(rid, changes, via)
            changed.append(relation)
        _emit(uow, RelationsArchived, changed, job, reason=reason.strip())
        uow.commit()
    return _outcomes(relation_ids, relations, {r.id for r in changed})


def restore_relations(uow: RelationsUnitOfWork, relation_ids: list[str], *, via: Via,
                      job: str | None = None) -> list[dict[str, Any]]:
    """Bring archived relations back into default lists."""
    with uow:
        relations = uow.relations.many(relation_ids)
        changed = []
        for rid in relation_ids:
            relation = relations.get(rid)
            if relation is not None and relation.status == "archived":
                changes = relation.apply({"status": "active", "archived_reason": None,
                                          "archived_at": None})
                uow.record(rid, changes, via)
                changed.append(relation)
        _emit(uow, RelationsRestored, changed, job)
        uow.commit()
    return _outcomes(relation_ids, relations, {r.id for r in changed})


def delete_relations(uow: RelationsUnitOfWork, relation_ids: list[str], *, via: Via,
                     job: str | None = None) -> list[dict[str, Any]]:
    """Erase personal data for good (relations:delete, superusers only): a tombstone keeps the
    id, so history and references resolve to "deleted relation"; the history keeps who and
    when, not what."""
    require(RELATIONS_DELETE)
    with uow:
        relations = uow.relations.many(relation_ids)
        deleted = [relations[rid] for rid in relation_ids
                   if rid in relations and relations[rid].status not in ("deleted", "merged")]
        left = []
        for relation in deleted:
            for name, value in ERASED.items():
                setattr(relation, name, value)
            relation.status, relation.updated_at = "deleted", now()
            # The other members' dossiers announce their new member lists.
            left += [(dossier, dossier.summary())
                     for dossier in uow.dossiers.leave_all(relation.id)]
        saved_many(uow, left, via)
        ids = [relation.id for relation in deleted]
        if ids:
            uow.session.execute(update(HistoryEntry).where(HistoryEntry.relation_id.in_(ids))
                                .values(before=None, after=None))
            # What was said with or about them is personal too.
            uow.session.execute(delete(ContactMoment).where(ContactMoment.relation_id.in_(ids)))
            for rid in ids:
                uow.record(rid, {"deleted": [None, None]}, via)
            uow.session.flush()
            uow.emit(RelationsDeleted, {"relation_ids": ids, "job": job},
                     aggregate_id=ids[0])
        uow.commit()
    return _outcomes(relation_ids, relations, set(ids))


def _emit(uow: RelationsUnitOfWork, event, relations: list[Relation], job: str | None,
          **extra: Any) -> None:
    if relations:
        uow.session.flush()  # versions first: the event carries them
        uow.emit(event, {"entries": [{"relation": r.state()} for r in relations], "job": job,
                         **extra}, aggregate_id=relations[0].id)


def _outcomes(relation_ids: list[str], relations: dict[str, Relation],
              changed: set[str]) -> list[dict[str, Any]]:
    """Per relation: changed, unchanged (and why), or failed (it does not exist)."""
    outcomes = []
    for rid in relation_ids:
        if rid in changed:
            outcomes.append({"relation_id": rid, "outcome": "changed"})
        elif rid not in relations:
            outcomes.append({"relation_id": rid, "outcome": "failed",
                             "reason": "no such relation"})
        else:
            outcomes.append({"relation_id": rid, "outcome": "unchanged",
                             "reason": f"the relation is {relations[rid].status}"})
    return outcomes


def require_found(outcomes: list[dict[str, Any]]) -> None:
    """For one-relation calls over HTTP: a missing relation is a 404, not an outcome."""
    for outcome in outcomes:
        if outcome["outcome"] == "failed":
            raise NotFound(f"relation {outcome['relation_id']} does not exist")
