"""Merge two or more relations into one, and take a merge back: nothing is lost."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update

from services.relations.handlers.dossiers import move_relation_dossiers, saved_many
from services.relations.handlers.relations import check_card
from services.relations.handlers.unit_of_work import RelationsUnitOfWork, Via
from services.relations.messages import MergeUndone, RelationsMerged
from services.relations.models import ContactMoment, Function, HistoryEntry, Merge, Relation
from services.relations.models.base import now, plain
from shared import context
from shared.errors import Conflict, NotFound, ValidationFailed

SCALARS = ("initials", "first_name", "infix", "last_name", "organisation_name", "birth_date",
           "address")
# Everything of a relation a merge may change, kept whole so undo can put it back.
RECORDED = (*SCALARS, "emails", "phones", "custom_fields", "tags", "status", "merged_into",
            "archived_reason", "archived_at")


def merge_relations(uow: RelationsUnitOfWork, keep_id: str, other_ids: list[str],
                    choices: dict[str, str]) -> dict[str, Any]:
    """Unite `other_ids` on `keep_id`: per field the value of the relation `choices` names
    (else the keeper's, else the first other's that has one); e-mails, phones, tags, custom
    values, functions, contact moments, dossiers and history united on the keeper; the others
    become tombstones pointing at it."""
    with uow:
        keeper, others = _participants(uow, keep_id, other_ids)
        _check_choices(choices, keeper, others)
        merge = Merge(keep_id=keeper.id, other_ids=[o.id for o in others], choices=choices,
                      before={r.id: _recorded(r) for r in (keeper, *others)}, moved={},
                      keep_version=0, principal=_principal())
        uow.session.add(merge)
        uow.session.flush()
        via = Via.merge(merge.id)
        changes = keeper.apply(_united(keeper, others, choices))
        check_card(keeper)
        merge.moved = _move_belongings(uow, keeper, others, via)
        for other in others:
            changes.update(uow.tags.move_tags(other, keeper).get(keeper.id, {}))
            other.apply({"status": "merged", "merged_into": keeper.id})
            uow.record(other.id, {"merged_into": [None, keeper.id]}, via)
        uow.record(keeper.id, {**changes, "merged": [None, merge.other_ids]}, via)
        uow.session.flush()
        merge.keep_version = keeper.version
        result = {"merge": merge.to_dict(), "keep": keeper.state()}
        uow.emit(RelationsMerged, {"merge_id": merge.id, "keep": result["keep"],
                                   "merged": merge.other_ids}, aggregate_id=keeper.id)
        uow.commit()
    return result


def undo_merge(uow: RelationsUnitOfWork, merge_id: str, *, force: bool) -> dict[str, Any]:
    """Put every relation of a merge back as it was, and move back what moved. Refused (409)
    if the keeper changed since, unless `force`."""
    with uow:
        merge = uow.session.get(Merge, merge_id)
        if merge is None:
            raise NotFound(f"merge {merge_id} does not exist")
        if merge.undone_at is not None:
            raise Conflict(f"merge {merge_id} was undone already")
        relations = uow.relations.many([merge.keep_id, *merge.other_ids])
        keeper = relations[merge.keep_id]
        if keeper.version != merge.keep_version and not force:
            raise Conflict("the kept relation changed since the merge; undo with force=true "
                           "to put back the pre-merge records all the same",
                           keep_version=keeper.version, merge_version=merge.keep_version)
        via = Via.merge(merge.id)
        _move_back(uow, merge, via)
        for rid, record in merge.before.items():
            changes = relations[rid].apply(_restorable(record))
            uow.record(rid, {**changes, "merge_undone": [merge.id, None]}, via)
        merge.undone_at = now()
        uow.session.flush()
        result = {"merge": merge.to_dict(), "keep": keeper.state(),
                  "restored": [relations[rid].state() for rid in merge.other_ids]}
        uow.emit(MergeUndone, {"merge_id": merge.id, "keep": result["keep"],
                               "restored": result["restored"]}, aggregate_id=keeper.id)
        uow.commit()
    return result


def get_merge(uow: RelationsUnitOfWork, merge_id: str) -> dict[str, Any]:
    with uow:
        merge = uow.session.get(Merge, merge_id)
        if merge is None:
            raise NotFound(f"merge {merge_id} does not exist")
        return merge.to_dict()


def _participants(uow: RelationsUnitOfWork, keep_id: str,
                  other_ids: list[str]) -> tuple[Relation, list[Relation]]:
    if not other_ids or keep_id in other_ids or len(set(other_ids)) != len(other_ids):
        raise ValidationFailed("name the keeper once and at least one other relation, each once",
                               errors={"others": ["distinct relations other than the keeper"]})
    keeper = uow.relations.live(keep_id)
    others = [uow.relations.live(rid) for rid in other_ids]
    mixed = [o.id for o in others if o.type != keeper.type]
    if mixed:
        raise ValidationFailed(f"only relations of one type merge: {', '.join(mixed)} "
                               f"{'is' if len(mixed) == 1 else 'are'} not a {keeper.type}",
                               errors={"others": ["not the keeper's type"]})
    return keeper, others


def _check_choices(choices: dict[str, str], keeper: Relation, others: list[Relation]) -> None:
    ids = {keeper.id, *(o.id for o in others)}
    errors = {}
    for field, rid in choices.items():
        if field not in SCALARS and not field.startswith("fields."):
            errors[f"choices.{field}"] = ["not a field a merge chooses"]
        elif rid not in ids:
            errors[f"choices.{field}"] = ["not one of the merged relations"]
    if errors:
        raise ValidationFailed("some choices are not valid: " + ", ".join(sorted(errors)),
                               errors=errors)


def _united(keeper: Relation, others: list[Relation], choices: dict[str, str]) -> dict:
    by_id = {r.id: r for r in (keeper, *others)}
    everyone = [keeper, *others]

    def pick(getter, field: str):
        if field in choices:
            return getter(by_id[choices[field]])
        return next((v for r in everyone if (v := getter(r)) not in (None, "", [], {})),
                    getter(keeper))

    united: dict[str, Any] = {f: pick(lambda r, f=f: getattr(r, f), f) for f in SCALARS}
    keys = dict.fromkeys(k for r in everyone for k in (r.custom_fields or {}))
    united["fields"] = {k: pick(lambda r, k=k: (r.custom_fields or {}).get(k), f"fields.{k}")
                        for k in keys}
    united["emails"] = _union(everyone, "emails", lambda e: e["address"].lower())
    united["phones"] = _union(everyone, "phones", lambda p: p["number"])
    return united


def _union(everyone: list[Relation], plural: str, key) -> list[dict[str, Any]]:
    """The keeper's entries (its primary stays primary), then the others' new ones."""
    seen, result = set(), []
    for index, relation in enumerate(everyone):
        for entry in getattr(relation, plural) or []:
            if key(entry) not in seen:
                seen.add(key(entry))
                result.append(entry if index == 0 else dict(entry, primary=False))
    if result and not any(entry.get("primary") for entry in result):
        result[0] = dict(result[0], primary=True)
    return result


def _move_belongings(uow: RelationsUnitOfWork, keeper: Relation, others: list[Relation],
                     via: Via) -> dict[str, Any]:
    """Functions, contact moments, history and dossier places of the others go to the keeper;
    answers what moved, to move it back on undo."""
    ids = [o.id for o in others]
    functions = list(uow.session.scalars(select(Function).where(
        (Function.relation_id.in_(ids)) | (Function.organisation_id.in_(ids)))))
    moved_functions = [f.snapshot() for f in functions]
    for function in functions:
        if function.relation_id in ids:
            function.relation_id = keeper.id
        if function.organisation_id in ids:
            function.organisation_id = keeper.id
    moved_moments = [[row.id, row.relation_id] for row in uow.session.execute(
        select(ContactMoment.id, ContactMoment.relation_id)
        .where(ContactMoment.relation_id.in_(ids)))]
    moved_history = [[row.id, row.relation_id] for row in uow.session.execute(
        select(HistoryEntry.id, HistoryEntry.relation_id)
        .where(HistoryEntry.relation_id.in_(ids)))]
    moved = {"functions": moved_functions, "contact_moments": moved_moments,
             "history": moved_history, "dossiers": []}
    for other in others:
        before = {d.id for d in uow.dossiers.of_relation(keeper.id)}
        for state in move_relation_dossiers(uow, other.id, keeper.id, via):
            moved["dossiers"].append({"dossier": state["id"], "from": other.id,
                                      "keeper_joined": state["id"] not in before})
    if moved_moments:
        uow.session.execute(update(ContactMoment).where(ContactMoment.relation_id.in_(ids))
                            .values(relation_id=keeper.id))
    if moved_history:
        uow.session.execute(update(HistoryEntry).where(HistoryEntry.relation_id.in_(ids))
                            .values(relation_id=keeper.id))
    return moved


def _move_back(uow: RelationsUnitOfWork, merge: Merge, via: Via) -> None:
    moved = merge.moved
    for snapshot in moved["functions"]:
        function = uow.session.get(Function, snapshot["id"])
        if function is not None:
            function.relation_id = snapshot["relation_id"]
            function.organisation_id = snapshot["organisation_id"]
    for moment_id, relation_id in moved["contact_moments"]:
        uow.session.execute(update(ContactMoment).where(ContactMoment.id == moment_id)
                            .values(relation_id=relation_id))
    for history_id, relation_id in moved["history"]:
        uow.session.execute(update(HistoryEntry).where(HistoryEntry.id == history_id)
                            .values(relation_id=relation_id))
    touched = []
    for entry in moved["dossiers"]:
        dossier = uow.dossiers.get(entry["dossier"])
        before = dossier.summary()
        if entry["keeper_joined"]:
            dossier.remove_member(merge.keep_id)
        dossier.add_member(entry["from"])
        touched.append((dossier, before))
    saved_many(uow, touched, via)


def _recorded(relation: Relation) -> dict[str, Any]:
    return {name: plain(getattr(relation, name)) for name in RECORDED}


def _restorable(record: dict[str, Any]) -> dict[str, Any]:
    """A recorded relation as apply() takes it back: dates as dates, custom values whole."""
    values = {name: value for name, value in record.items() if name != "custom_fields"}
    if values.get("birth_date"):
        values["birth_date"] = date.fromisoformat(values["birth_date"])
    if values.get("archived_at"):
        values["archived_at"] = datetime.fromisoformat(values["archived_at"])
    values["custom_fields"] = record["custom_fields"]
    return values


def _principal() -> str:
    principal = context.principal()
    return principal.label if principal is not None else "system"
