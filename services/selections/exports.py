"""Members of a list, selection or group as CSV, streamed: rows come from a server-side cursor
and leave in batches, so a million members are never held in memory at once."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import Select, select

from services.selections.filters import FilterCatalog
from services.selections.filters.fields import CUSTOM_PREFIX
from services.selections.handlers import SelectionsUnitOfWork
from services.selections.models import Group, RelationList, RelationView, Selection
from services.selections.text import fold
from shared.db import READ_ONLY
from shared.errors import NotFound, ValidationFailed

# Rows fetched from the cursor, and written to the response, at a time.
BATCH = 1000
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "
SETS = {"lists": ("list", RelationList), "selections": ("selection", Selection),
        "groups": ("group", Group)}

Cell = Callable[[dict[str, Any]], Any]


def _primary(kind: str, key: str) -> Cell:
    def cell(state: dict[str, Any]) -> Any:
        entries = state.get(kind) or []
        chosen = next((entry for entry in entries if entry.get("primary")),
                      entries[0] if entries else None)
        return chosen.get(key) if chosen else None
    return cell


def _address(part: str) -> Cell:
    return lambda state: (state.get("address") or {}).get(part)


def _plain(name: str) -> Cell:
    return lambda state: state.get(name)


def _custom(key: str) -> Cell:
    return lambda state: (state.get("fields") or {}).get(key)


STANDARD: dict[str, Cell] = {
    **{name: _plain(name) for name in ("id", "type", "initials", "first_name", "infix",
                                       "last_name", "organisation_name")},
    "email": _primary("emails", "address"),
    "phone": _primary("phones", "number"),
    "street": _address("street"),
    "house_number": _address("number"),
    "postcode": _address("postcode"),
    "city": _address("city"),
    "country": _address("country"),
    "birth_date": _plain("birth_date"),
    "status": _plain("status"),
    "tags": _plain("tags"),
}
# Known, but only when asked for by name.
EXTRA: dict[str, Cell] = {name: _plain(name) for name in ("created_at", "updated_at")}


@dataclass(frozen=True)
class Export:
    filename: str
    columns: list[tuple[str, Cell]]
    rows: Select


def plan_export(uow: SelectionsUnitOfWork, plural: str, set_id: str,
                columns: str | None) -> Export:
    """What to write: the set's members (404 for an unknown set) in the chosen columns (422
    naming `columns` for an unknown one). Checked before the first byte leaves."""
    kind, model = SETS[plural]
    with uow:
        found = uow.session.get(model, set_id)
        if found is None:
            raise NotFound(f"no {kind} has the id {set_id!r}")
        catalog = FilterCatalog(uow.read_model, date.today())
        members = catalog.members_of(kind, set_id)
        known = {**STANDARD, **_custom_columns(uow), **EXTRA}
        chosen = _chosen(columns, known, default=[name for name in known if name not in EXTRA])
        filename = f"{_slug(found.name) or kind}-{date.today().isoformat()}.csv"
    rows = (select(RelationView.state).where(RelationView.id.in_(members))
            .order_by(RelationView.id))
    return Export(filename, [(name, known[name]) for name in chosen], rows)


def _custom_columns(uow: SelectionsUnitOfWork) -> dict[str, Cell]:
    """Every custom field by key; one that shares a standard column's name as fields.<key>."""
    keys = [definition.key for definition in uow.read_model.field_definitions()]
    return {(CUSTOM_PREFIX + key if key in STANDARD or key in EXTRA else key): _custom(key)
            for key in keys}


def _chosen(columns: str | None, known: dict[str, Cell], default: list[str]) -> list[str]:
    if columns is None:
        return default
    names = [name.strip() for name in columns.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    twice = sorted({name for name in names if names.count(name) > 1})
    problems = ([f"unknown column {name!r}" for name in unknown]
                + [f"column {name!r} is named twice" for name in twice]
                + ([] if names else ["name at least one column"]))
    if problems:
        raise ValidationFailed(
            "; ".join(problems) + "; known columns: " + ", ".join(known),
            errors={"columns": problems}, known_columns=list(known))
    return names


def csv_chunks(uow: SelectionsUnitOfWork, export: Export) -> Iterator[bytes]:
    """The header, then the rows a batch at a time, as UTF-8 CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([name for name, _ in export.columns])
    yield _drained(buffer)
    with uow:
        # Deferred on SQLite: a slow download must not hold the write lock.
        uow.session.connection(execution_options={READ_ONLY: True})
        result = uow.session.execute(export.rows.execution_options(yield_per=BATCH))
        for batch in result.scalars().partitions():
            writer.writerows([[_cell(cell(state)) for _, cell in export.columns]
                              for state in batch])
            yield _drained(buffer)


def _drained(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data


def _cell(value: Any) -> str:
    """A value as a cell: lists joined, booleans as true/false, and text a spreadsheet would
    run as a formula led by an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)  # a number is never a formula, not even a negative one
    text = LIST_SEPARATOR.join(_cell(item) for item in value) if isinstance(value, list) \
        else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(name) or "").strip("-")[:80]


# --- HTTP -----------------------------------------------------------------------------------

exports = Blueprint("exports", __name__, url_prefix="/api/selections/exports",
                    description="Members of a list, selection or group as CSV.")


class ExportArgs(Schema):
    columns = fields.String(metadata={"description": (
        "Comma-separated column names, in the order wanted. Default: id, type, the name "
        "parts, organisation_name, email and phone (primary), the address parts, birth_date, "
        "status, tags, then every custom field by key (fields.<key> where a key is also a "
        "standard column's name); created_at and updated_at on request. An unknown name is a "
        "422 listing the known ones.")})


@exports.get("/<any(lists, selections, groups):kind>/<set_id>.csv")
@exports.arguments(ExportArgs, location="query")
@exports.response(200, {"type": "string"}, content_type="text/csv",
                  description="UTF-8 CSV with a header row; lists in cells are joined by '; '.")
def export_members(args, kind, set_id):
    """Download the members of a list, selection or group as CSV.

    Streamed in id order, with a header row of the column names. Cells a spreadsheet would
    run as a formula (starting with = + - @, a tab or a carriage return) get a leading
    apostrophe."""
    runtime = current_app.extensions["cardbox.runtime"]
    export = plan_export(runtime.unit_of_work(), kind, set_id, args.get("columns"))
    response = Response(csv_chunks(runtime.unit_of_work(), export),
                        content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response
