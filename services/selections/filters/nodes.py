"""The nodes besides field conditions: age, tag, dossier action, function, archived, account,
and membership of a group, list or selection. Each checks its value (adding problems by path)
and answers its SQL, or None when the value is bad."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, not_, or_, select

from services.selections.filters.catalog import FilterCatalog
from services.selections.filters.conditions import among, has_value, negated
from services.selections.filters.tree import Problems, known
from services.selections.models import (
    AccountState,
    DossierAction,
    DossierMember,
    FunctionView,
    RelationValue,
    RelationView,
)
from services.selections.text import fold

Node = Callable[[Any, str, FilterCatalog, Problems], ColumnElement[bool] | None]
ACCOUNT_STATUSES = ("invited", "active", "blocked", "none")
FUNCTION_KEYS = ("role", "organisation", "active")
SETS = {"in_group": "group", "in_list": "list", "in_selection": "selection"}


def age_condition(op: str, value: Any, today: date) -> ColumnElement[bool]:
    """Age in whole years on `today`, as bounds on the birth date (an index can serve them)."""
    birth = RelationView.birth_date

    def at_least(years: int) -> ColumnElement[bool]:
        return birth <= _years_before(today, years)

    def at_most(years: int) -> ColumnElement[bool]:
        return birth > _years_before(today, years + 1)

    conditions: dict[str, Callable[[], ColumnElement[bool]]] = {
        "eq": lambda: and_(at_least(value), at_most(value)),
        "ne": lambda: negated(and_(at_least(value), at_most(value))),
        "in": lambda: or_(*[and_(at_least(years), at_most(years)) for years in value]),
        "gt": lambda: at_least(value + 1),
        "gte": lambda: at_least(value),
        "lt": lambda: at_most(value - 1),
        "lte": lambda: at_most(value),
        "between": lambda: and_(at_least(value[0]), at_most(value[1])),
        "empty": lambda: birth.is_(None),
        "not_empty": lambda: birth.is_not(None),
    }
    return conditions[op]()


def _years_before(today: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes the 28th in a year without one."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def tag(value: Any, path: str, catalog: FilterCatalog,
        problems: Problems) -> ColumnElement[bool] | None:
    key = _key(value, path, problems, catalog.tags, 'a tag key, e.g. {"tag": "journalist"}',
               "tag")
    return None if key is None else has_value("tag", RelationValue.text == key)


def dossier_action(value: Any, path: str, catalog: FilterCatalog,
                   problems: Problems) -> ColumnElement[bool] | None:
    """Members of a dossier that carries the action."""
    key = _key(value, path, problems, catalog.dossier_actions,
               'a dossier action key, e.g. {"dossier_action": "newsletter"}', "dossier action")
    if key is None:
        return None
    members = (select(DossierMember.relation_id)
               .join(DossierAction, DossierAction.dossier_id == DossierMember.dossier_id)
               .where(DossierAction.action == key))
    return among(members)


def _key(value: Any, path: str, problems: Problems, defined: dict[str, str], expected: str,
         noun: str) -> str | None:
    """The folded key of a defined tag or dossier action."""
    folded = fold(value) if isinstance(value, str) else None
    if folded is None:
        problems.add(path, f"expected {expected}")
    elif folded not in defined:
        problems.add(path, f"unknown {noun} {value!r}; known: {known(sorted(defined.values()))}")
    else:
        return folded
    return None


def function(value: Any, path: str, catalog: FilterCatalog,
             problems: Problems) -> ColumnElement[bool] | None:
    """Holders of a role (at an organisation); by default only those holding it today."""
    if not isinstance(value, dict):
        problems.add(path, 'expected {"role": ..., "organisation": id, "active": true}')
        return None
    before = len(problems.errors)
    unknown = sorted(set(value) - set(FUNCTION_KEYS))
    if unknown:
        problems.add(path, f"unknown keys {', '.join(unknown)}; a function node takes "
                           + ", ".join(FUNCTION_KEYS))
    criteria = [FunctionView.deleted.is_(False)]
    if "role" in value:
        role = fold(value["role"]) if isinstance(value["role"], str) else None
        if role is None:
            problems.add(f"{path}.role", "expected a role, e.g. \"board member\"")
        criteria.append(FunctionView.role == role)
    if "organisation" in value:
        organisation = value["organisation"]
        if not isinstance(organisation, str) or not catalog.relation_exists(organisation):
            problems.add(f"{path}.organisation", f"no relation has the id {organisation!r}")
        criteria.append(FunctionView.organisation_id == organisation)
    active = value.get("active", True)
    if active is not None and not isinstance(active, bool):
        problems.add(f"{path}.active", "expected true (held today), false (held once, not "
                                       "today) or null (at any time)")
    elif active is not None:
        criteria.append(_held_on(catalog.today) if active else not_(_held_on(catalog.today)))
    if len(problems.errors) > before:
        return None
    return among(select(FunctionView.relation_id).where(*criteria))


def _held_on(day: date) -> ColumnElement[bool]:
    """Started by `day` and not ended before it (the end date is the last day held)."""
    return and_(FunctionView.start_date <= day,
                or_(FunctionView.end_date.is_(None), FunctionView.end_date >= day))


def archived(value: Any, path: str, _catalog: FilterCatalog,
             problems: Problems) -> ColumnElement[bool] | None:
    if not isinstance(value, bool):
        problems.add(path, "expected true (archived relations) or false (active ones)")
        return None
    return RelationView.status == ("archived" if value else "active")


def account(value: Any, path: str, _catalog: FilterCatalog,
            problems: Problems) -> ColumnElement[bool] | None:
    """The status of the relation's portal account ("invited": created, not yet activated;
    "none": it has none, or only a deleted one)."""
    if value not in ACCOUNT_STATUSES:
        problems.add(path, f"expected one of {', '.join(ACCOUNT_STATUSES)}")
        return None
    if value == "none":
        return negated(among(select(AccountState.relation_id).where(
            AccountState.status != "deleted")))
    return among(select(AccountState.relation_id).where(AccountState.status == value))


def membership(kind: str) -> Node:
    """The node of members of a group, list or selection (`kind` is the node's key)."""
    noun = SETS[kind]

    def members(value: Any, path: str, catalog: FilterCatalog,
                problems: Problems) -> ColumnElement[bool] | None:
        if not isinstance(value, str) or not value:
            problems.add(path, f"expected the id of a {noun}")
            return None
        if noun == "list":
            condition = catalog.list_condition(value)
        else:
            rows = catalog.members_of(noun, value)
            condition = None if rows is None else among(rows)
        if condition is None:
            problems.add(path, f"no {noun} has the id {value!r}")
        return condition

    return members


NODES: dict[str, Node] = {
    "tag": tag,
    "dossier_action": dossier_action,
    "function": function,
    "archived": archived,
    "account": account,
    **{kind: membership(kind) for kind in SETS},
}
