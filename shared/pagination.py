"""Opaque cursors for keyset pagination: the client hands back what it was given."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, validate

from shared.errors import ValidationFailed

MAX_LIMIT = 500


class PageArgs(Schema):
    """The query arguments of every paginated list: `limit` and the `cursor` last answered."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String()


def encode_cursor(position: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, size: int) -> list[Any] | None:
    """The position a cursor stands for; a cursor not made by us is a 422 on `cursor`."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        position = None
    if not isinstance(position, list) or len(position) != size:
        raise _not_ours()
    return position


def cursor_time(value: Any) -> datetime:
    """A time taken out of a cursor; anything else is the same 422 as a forged cursor."""
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise _not_ours() from None


def cursor_number(value: Any) -> int:
    """A row number taken out of a cursor; anything else is the same 422 as a forged cursor."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _not_ours()


def _not_ours() -> ValidationFailed:
    return ValidationFailed("the cursor is not one this API handed out",
                            errors={"cursor": ["unknown cursor"]})
