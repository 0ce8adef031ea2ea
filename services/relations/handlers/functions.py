"""Functions: a relation holding a role at another relation, for a period; seen from both ends."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from services.relations.handlers.unit_of_work import RelationsUnitOfWork, Via
from services.relations.messages import (
    FunctionAdded,
    FunctionChanged,
    FunctionDeleted,
    FunctionEnded,
)
from services.relations.models import Function, Relation
from services.relations.models.base import now
from services.relations.models.functions import FUNCTION_EDITABLE, role_key
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.messages import Event

HISTORY_FIELD = "functions"


def add_function(uow: RelationsUnitOfWork, relation_id: str, data: dict[str, Any], *,
                 via: Via | None = None) -> dict[str, Any]:
    """Link the relation `relation_id` to another: `data` names the other end as
    `organisation_id` (this relation holds the role there) or `relation_id` (the other holds
    the role here). Answers the function as seen from `relation_id`."""
    holder_id, organisation_id = _ends(relation_id, data)
    with uow:
        ends = {"relation_id": _live(uow, holder_id, "relation_id"),
                "organisation_id": _live(uow, organisation_id, "organisation_id")}
        function = Function(relation_id=holder_id, organisation_id=organisation_id,
                            start_date=data["start_date"], end_date=data.get("end_date"))
        function.set_role(data["role"])
        _check(uow, function)
        uow.functions.add(function)
        _record_both(uow, function, None, function.snapshot(), via)
        _emit(uow, FunctionAdded, function)
        view = _view(function, relation_id, {r.id: r for r in ends.values()}, date.today())
        uow.commit()
    return view


def list_functions(uow: RelationsUnitOfWork, relation_id: str, *, limit: int,
                   cursor: str | None, active: bool | None = None,
                   role: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """The functions a relation holds and those held at it, latest start first."""
    today = date.today()
    with uow:
        uow.relations.get(relation_id)  # 404 for a relation that never existed
        rows, next_cursor = uow.functions.page(
            relation_id, limit=limit, cursor=cursor, today=today, active=active,
            role_key=role_key(role) if role else None)
        names = uow.functions.relations(
            end for f in rows for end in (f.relation_id, f.organisation_id))
        return [_view(f, relation_id, names, today) for f in rows], next_cursor


def get_function(uow: RelationsUnitOfWork, function_id: str) -> dict[str, Any]:
    with uow:
        return _resource(uow, uow.functions.get(function_id))


def change_function(uow: RelationsUnitOfWork, function_id: str, changes: dict[str, Any], *,
                    via: Via | None = None) -> dict[str, Any]:
    """Change the role or the period; giving an open function an end date ends it."""
    with uow:
        function = uow.functions.get(function_id)
        before, was_open = function.snapshot(), function.end_date is None
        if "role" in changes:
            function.set_role(changes["role"])
        for name in ("start_date", "end_date"):
            if name in changes:
                setattr(function, name, changes[name])
        _check(uow, function)
        after = function.snapshot()
        changed = {name: [before[name], after[name]] for name in FUNCTION_EDITABLE
                   if before[name] != after[name]}
        if changed:
            function.updated_at = now()
            uow.session.flush()
            _record_both(uow, function, before, after, via)
            ended = was_open and function.end_date is not None
            _emit(uow, FunctionEnded if ended else FunctionChanged, function, changed)
        result = _resource(uow, function)
        uow.commit()
    return result


def delete_function(uow: RelationsUnitOfWork, function_id: str, *,
                    via: Via | None = None) -> None:
    """Remove a function as if it was never held (to end one, give it an end date)."""
    with uow:
        function = uow.functions.get(function_id)
        _record_both(uow, function, function.snapshot(), None, via)
        _emit(uow, FunctionDeleted, function)
        uow.functions.delete(function)
        uow.commit()


def end_open_functions(uow: RelationsUnitOfWork, relation_ids: Iterable[str], end_date: date,
                       via: Via) -> list[dict[str, Any]]:
    """End every function at either end of these relations that runs past `end_date`, in the
    caller's transaction when there is one. Answers, per function, what its
    `relations.functions.ended` event carries: {"function": state, "changes": {"end_date":
    [before, after]}} (the before-image to undo it).

    A function that starts after `end_date` ends on its start date: the period stays valid
    and the record stays, rather than vanishing."""
    ended = []
    with uow:
        for function in uow.functions.open_of(relation_ids, end_date):
            new_end = max(end_date, function.start_date)
            if function.end_date == new_end:
                continue  # ended like this by an earlier call: nothing to do twice
            before = function.snapshot()
            function.end_date, function.updated_at = new_end, now()
            _record_both(uow, function, before, function.snapshot(), via)
            ended.append((function, {"end_date": [before["end_date"], new_end.isoformat()]}))
        uow.session.flush()
        outcomes = [{"function": _emit(uow, FunctionEnded, function, changed),
                     "changes": changed} for function, changed in ended]
        uow.commit()
    return outcomes


def _ends(relation_id: str, data: dict[str, Any]) -> tuple[str, str]:
    """(holder, organisation) from the path relation and the other end the body names."""
    other_end = [name for name in ("organisation_id", "relation_id") if data.get(name)]
    if len(other_end) != 1:
        raise ValidationFailed(
            "name the other end of the function: organisation_id (this relation holds the "
            "role there) or relation_id (that relation holds the role here), not both",
            errors={"organisation_id": ["give organisation_id or relation_id, one of them"]})
    name = other_end[0]
    if data[name] == relation_id:
        raise ValidationFailed("a relation cannot hold a function at itself",
                               errors={name: ["the same relation as the path"]})
    if name == "organisation_id":
        return relation_id, data[name]
    return data[name], relation_id


def _live(uow: RelationsUnitOfWork, relation_id: str, field: str) -> Relation:
    try:
        return uow.relations.live(relation_id)
    except NotFound:
        raise NotFound(f"relation {relation_id} ({field}) does not exist",
                       errors={field: ["no relation has this id"]}) from None


def _check(uow: RelationsUnitOfWork, function: Function) -> None:
    """The rules every function keeps: a valid period, and no twin for the same period."""
    if function.end_date is not None and function.end_date < function.start_date:
        raise ValidationFailed("a function cannot end before it starts",
                               errors={"end_date": ["before start_date"]})
    twin = uow.functions.overlapping(function)
    if twin is not None:
        raise Conflict(
            f"relation {function.relation_id} already holds the role {twin.role!r} at "
            f"{function.organisation_id} for an overlapping period (function {twin.id}); "
            "change that one instead", errors={"role": ["held already in this period"]},
            existing=twin.id)


def _record_both(uow: RelationsUnitOfWork, function: Function, before: dict | None,
                 after: dict | None, via: Via | None) -> None:
    for end in (function.relation_id, function.organisation_id):
        uow.record(end, {HISTORY_FIELD: [before, after]}, via or Via.api())


def _emit(uow: RelationsUnitOfWork, event: Event, function: Function,
          changes: dict[str, list[Any]] | None = None) -> dict[str, Any]:
    state = function.state(date.today())
    uow.emit(event, {"function": state, "changes": changes or {}},
             aggregate_id=f"function:{function.id}")
    return state


def _ref(relation: Relation) -> dict[str, Any]:
    return {"id": relation.id, "type": relation.type, "display_name": relation.display_name()}


def _common(function: Function, today: date) -> dict[str, Any]:
    state = function.state(today)
    return {name: state[name] for name in ("id", "role", "start_date", "end_date", "active",
                                           "created_at", "updated_at")}


def _view(function: Function, this_id: str, relations: dict[str, Relation],
          today: date) -> dict[str, Any]:
    """The function as seen from one end: "holds" a role at the other, or "held_by" it."""
    holds = function.relation_id == this_id
    other_id = function.organisation_id if holds else function.relation_id
    return {**_common(function, today), "direction": "holds" if holds else "held_by",
            "relation": _ref(relations[this_id]), "other": _ref(relations[other_id])}


def _resource(uow: RelationsUnitOfWork, function: Function) -> dict[str, Any]:
    """The function on its own: who holds the role (`relation`) where (`organisation`)."""
    ends = uow.functions.relations([function.relation_id, function.organisation_id])
    return {**_common(function, date.today()),
            "relation": _ref(ends[function.relation_id]),
            "organisation": _ref(ends[function.organisation_id])}
