"""A relation state as read-model rows: the filter columns of its view row, and its value rows.
Pure functions, so the event handlers and a rebuild derive rows alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from services.selections.text import INDEXED_TEXT, fold, fold_phone, fold_postcode, moment

FIELD_PREFIX = "field:"


def field_attribute(key: str) -> str:
    """The `relation_values.attribute` of a custom field's values."""
    return FIELD_PREFIX + key


def view_columns(state: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The relation_view columns of a state (all but `account`, which accounts events set)."""
    address = state.get("address") or {}
    return {
        "id": state["id"],
        "type": state["type"],
        "status": state["status"],
        "name": fold(display_name(state)),
        "initials": fold(state.get("initials")),
        "first_name": fold(state.get("first_name")),
        "infix": fold(state.get("infix")),
        "last_name": fold(state.get("last_name")),
        "organisation_name": fold(state.get("organisation_name")),
        "birth_date": date.fromisoformat(state["birth_date"]) if state.get("birth_date")
        else None,
        "street": fold(address.get("street")),
        "house_number": fold(address.get("number")),
        "postcode": fold_postcode(address.get("postcode")),
        "city": fold(address.get("city")),
        "country": fold(address.get("country")),
        "created_at": moment(state["created_at"]),
        "updated_at": moment(state["updated_at"]),
        "version": state["version"],
        "state": state,
        "absorbed_at": at,
    }


def display_name(state: dict[str, Any]) -> str | None:
    """"Anna van den Berg" for a person, the organisation name for an organisation."""
    if state["type"] == "organisation":
        return state.get("organisation_name")
    parts = (state.get("first_name") or state.get("initials"), state.get("infix"),
             state.get("last_name"))
    return " ".join(part for part in parts if part) or None


# The state's lists whose items become value rows, by attribute.
LISTED = {"emails": "email", "phones": "phone", "tags": "tag"}


def value_rows(state: dict[str, Any],
               attributes: set[str] | None = None) -> list[dict[str, Any]]:
    """One row per e-mail address, phone number, tag and custom field value of a state (only
    those of `attributes` when given)."""
    relation_id = state["id"]
    rows: list[dict[str, Any]] = []

    def add(attribute: str, values: Callable[[], list[Any]]) -> None:
        if attributes is not None and attribute not in attributes:
            return
        for seq, value in enumerate(values()):
            rows.append({"relation_id": relation_id, "attribute": attribute, "seq": seq,
                         **typed(value)})

    add("email", lambda: [e["address"] for e in state.get("emails") or []
                          if fold(e.get("address"))])
    # Folded already: phone numbers compare without their punctuation.
    add("phone", lambda: [number for p in state.get("phones") or []
                          if (number := fold_phone(p.get("number")))])
    add("tag", lambda: list(dict.fromkeys(tag for tag in state.get("tags") or [] if fold(tag))))
    for key, value in (state.get("fields") or {}).items():
        values = value if isinstance(value, list) else [value]
        add(field_attribute(key), lambda values=values: [item for item in values
                                                         if _present(item)])
    return rows


def value_attributes(changes: dict[str, Any]) -> set[str] | None:
    """The value-row attributes a relation's changes reach, or None when they reach a view
    column too (a name, the address, the status: anything but lists and custom fields)."""
    attributes = set()
    for name in changes:
        if name.startswith("fields."):
            attributes.add(field_attribute(name.removeprefix("fields.")))
        elif name in LISTED:
            attributes.add(LISTED[name])
        else:
            return None
    return attributes


def typed(value: Any) -> dict[str, Any]:
    """The text / long / number columns of one value: a checkbox as "true" or "false", a number
    as a number, text (a date is ISO text) folded, its indexed part cut to INDEXED_TEXT."""
    if isinstance(value, bool):
        return {"text": "true" if value else "false", "long": None, "number": None}
    if isinstance(value, int | float):
        return {"text": None, "long": None, "number": float(value)}
    folded = fold(str(value)) or ""
    return {"text": folded[:INDEXED_TEXT], "long": folded if len(folded) > INDEXED_TEXT else None,
            "number": None}


def _present(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or fold(value) is not None)
