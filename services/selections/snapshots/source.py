"""What a selection is a snapshot of: {"filter": node} | {"list": id} | {"group": id}, checked
when saved and turned into one SELECT of relation ids when refreshed."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select

from services.selections.filters import FilterCatalog, reference_members
from services.selections.repository import ReadModel
from shared.errors import ValidationFailed

KINDS = ("filter", "list", "group")


def check_source(read_model: ReadModel, source: Any) -> None:
    """A 422 naming the bad part (`source`, `source.list`, `source.filter.and[0]...`) unless
    the source is exactly one of a valid filter, a known list, a known group."""
    source_members(read_model, source, date.today())


def source_members(read_model: ReadModel, source: Any, today: date) -> Select:
    """The relation ids the source holds now, as one SELECT."""
    if not isinstance(source, dict) or len(source) != 1 or next(iter(source)) not in KINDS:
        raise _invalid("source", 'expected exactly one of {"filter": node}, {"list": id}, '
                                 '{"group": id}')
    ((kind, value),) = source.items()
    members = reference_members(kind, value, FilterCatalog(read_model, today), "source")
    if members is None:
        raise _invalid(f"source.{kind}", f"no {kind} has the id {value!r}")
    return members


def _invalid(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"the source is not valid: {path}: {message}",
                            errors={path: [message]})
