"""The bulk operations installed, read again only when what is installed changes: scanning
every package's entry points takes milliseconds, too much for every chunk and request."""

from __future__ import annotations

import os
import sys

from shared.plugins import BulkOperation, bulk_operations

# (what was installed, its operations); replaced whole, so threads never see half of it.
_last: list[tuple[tuple, dict[str, BulkOperation]]] = []


def installed() -> dict[str, BulkOperation]:
    """Installed bulk operations by name (operations hold no state: one instance serves
    every thread)."""
    key = _installation()
    if _last and _last[0][0] == key:
        return _last[0][1]
    operations = bulk_operations()
    _last[:] = [(key, operations)]
    return operations


def _installation() -> tuple:
    """The import path and when each of its folders last changed: installing, upgrading or
    removing a package adds or replaces its dist-info folder, which changes its parent's."""
    return tuple((entry, _changed_at(entry)) for entry in sys.path)


def _changed_at(entry: str) -> int | None:
    try:
        return os.stat(entry or ".").st_mtime_ns
    except OSError:
        return None
