"""Text as filters compare it: case- and accent-free copies made in Python, the same way for
what the read model stores and for what a filter asks, so SQLite and PostgreSQL compare alike
(neither database's lower() or collations are relied on)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from functools import lru_cache

# Letters NFKD leaves whole although readers see a base letter in them.
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d",
                          "þ": "th", "ı": "i"})
_PHONE_NOISE = re.compile(r"[\s\-./()]")
# How much of a text value the indexed column holds; the rest lives beside it, unindexed
# (a PostgreSQL b-tree entry cannot hold a long text).
INDEXED_TEXT = 200


def fold(value: str | None) -> str | None:
    """Lower case, no accents, single spaces: " Ångström  Ça" is "angstrom ca"; blank is None."""
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    folded = " ".join(bare.translate(_LETTERS).split())
    return folded or None


def fold_phone(value: str | None) -> str | None:
    """A phone number without spaces, dashes, dots or brackets: "+31 (6) 12-34" is "+3161234"."""
    bare = _PHONE_NOISE.sub("", fold(value) or "")
    return bare or None


def fold_postcode(value: str | None) -> str | None:
    """A postcode without spaces: "3511 AB" is "3511ab"."""
    bare = (fold(value) or "").replace(" ", "")
    return bare or None


@lru_cache(maxsize=4096)
def moment(value: str | None) -> str | None:
    """An ISO 8601 time as a fixed-width UTC text, so times compare as text on any database.
    Remembered: a bulk chunk's states share one time, and parsing it anew for each of them
    took a tenth of the read model's time."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def like_escaped(value: str) -> str:
    """`value` with LIKE's wildcards escaped by a backslash (ESCAPE '\\')."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
