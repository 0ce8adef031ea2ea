"""Field conditions as SQL over the read model: a comparison on a relation_view column, or
"one of the relation's value rows matches" over relation_values (an indexed EXISTS).

Set conditions are correlated EXISTS rather than IN (subquery): PostgreSQL turns NOT EXISTS
into an anti-join, while NOT (id IN …) re-reads the subquery for every relation."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    BooleanClauseList,
    ColumnElement,
    Exists,
    Select,
    and_,
    false,
    func,
    not_,
    or_,
    select,
)

from services.selections.filters.fields import FieldSpec
from services.selections.models import RelationValue, RelationView
from services.selections.text import INDEXED_TEXT, like_escaped

Comparison = Callable[[Any, Any], ColumnElement[bool]]
COMPARE: dict[str, Comparison] = {
    "eq": operator.eq,
    "in": lambda column, values: column.in_(values),
    "contains": lambda column, value: column.like(f"%{like_escaped(value)}%", escape="\\"),
    "starts_with": lambda column, value: column.like(f"{like_escaped(value)}%", escape="\\"),
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "between": lambda column, values: column.between(values[0], values[1]),
    "empty": lambda column, _value: column.is_(None),
    "not_empty": lambda column, _value: column.is_not(None),
}


def negated(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """NOT, with an unknown (NULL) taken as false first: "not in Utrecht" finds those without
    a city too. A condition that is never NULL is negated as it is, so that the database
    still sees NOT EXISTS (an anti-join) rather than a function around it."""
    if _never_null(condition):
        return not_(condition)
    return not_(func.coalesce(condition, false()))


def _never_null(condition: ColumnElement[bool]) -> bool:
    if isinstance(condition, Exists):
        return True
    if isinstance(condition, BooleanClauseList):
        return all(_never_null(clause) for clause in condition.clauses)
    return False


def among(rows: Select) -> ColumnElement[bool]:
    """The relation is one of `rows` (a select of one column of relation ids from other
    tables), as an EXISTS correlated on that column."""
    return rows.where(rows.selected_columns[0] == RelationView.id).exists()


def field_condition(spec: FieldSpec, op: str, value: Any) -> ColumnElement[bool]:
    """A checked condition on a field; `ne` is the negation of `eq`."""
    if op == "ne":
        return negated(field_condition(spec, "eq", value))
    if spec.column is None:
        return _values(spec, op, value)
    if spec.kind == "moment":
        return _moment(spec.column, op, value)
    return COMPARE[op](spec.column, value)


def has_value(attribute: str, *criteria: ColumnElement[bool]) -> ColumnElement[bool]:
    """The relation has a value row under `attribute` that meets `criteria`."""
    return among(select(RelationValue.relation_id).where(RelationValue.attribute == attribute,
                                                         *criteria))


def _moment(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    """A time column against whole (UTC) days: `eq` is any time that day."""

    def start(day: date) -> str:
        return day.isoformat()

    def after(day: date) -> str:
        return (day + timedelta(days=1)).isoformat()

    if op == "between":
        return and_(column >= start(value[0]), column < after(value[1]))
    bounds = {"eq": lambda d: and_(column >= start(d), column < after(d)),
              "gt": lambda d: column >= after(d), "gte": lambda d: column >= start(d),
              "lt": lambda d: column < start(d), "lte": lambda d: column < after(d)}
    return bounds[op](value)


def _values(spec: FieldSpec, op: str, value: Any) -> ColumnElement[bool]:
    attribute = spec.attribute
    if op == "empty":
        return not_(has_value(attribute))
    if op == "not_empty":
        return has_value(attribute)
    if spec.kind == "checkbox":
        # A checkbox never ticked counts as false.
        ticked = has_value(attribute, RelationValue.text == "true")
        return ticked if value else not_(ticked)
    if spec.kind == "number":
        return has_value(attribute, COMPARE[op](RelationValue.number, value))
    if spec.kind == "date":
        iso = [day.isoformat() for day in value] if isinstance(value, list) else value.isoformat()
        return has_value(attribute, COMPARE[op](RelationValue.text, iso))
    if spec.kind in ("choice", "multi_choice"):
        return has_value(attribute, COMPARE["eq" if op == "contains" else op](
            RelationValue.text, value))
    return has_value(attribute, _text(op, value))


def _text(op: str, value: Any) -> ColumnElement[bool]:
    """A text value row against folded text; the index holds the first INDEXED_TEXT characters,
    `long` the whole of a longer text."""
    indexed, long = RelationValue.text, RelationValue.long
    if op == "eq":
        return _equals(value)
    if op == "in":
        short = [item for item in value if len(item) <= INDEXED_TEXT]
        exact = [and_(indexed.in_(short), long.is_(None))] if short else []
        return or_(*exact, *[_equals(item) for item in value if len(item) > INDEXED_TEXT])
    if op == "starts_with" and len(value) <= INDEXED_TEXT:
        return COMPARE[op](indexed, value)
    if op == "starts_with":
        return and_(indexed == value[:INDEXED_TEXT], COMPARE[op](long, value))
    return COMPARE[op](func.coalesce(long, indexed), value)


def _equals(value: str) -> ColumnElement[bool]:
    if len(value) <= INDEXED_TEXT:
        return and_(RelationValue.text == value, RelationValue.long.is_(None))
    return and_(RelationValue.text == value[:INDEXED_TEXT], RelationValue.long == value)
