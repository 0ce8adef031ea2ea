"""Who may do what: the permission names, what each staff role holds, and the check a view
makes before it acts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from shared import context
from shared.auth import Principal
from shared.errors import Forbidden, Unauthenticated, ValidationFailed

RELATIONS_READ = "relations:read"
RELATIONS_WRITE = "relations:write"
RELATIONS_ARCHIVE = "relations:archive"
RELATIONS_MERGE = "relations:merge"
RELATIONS_DELETE = "relations:delete"  # permanent delete: superusers only
DEFINITIONS_MANAGE = "definitions:manage"  # custom fields, tags, dossier actions, duplicate rules
SELECTIONS_READ = "selections:read"
SELECTIONS_WRITE = "selections:write"
BULK_READ = "bulk:read"
BULK_RUN = "bulk:run"
ACCOUNTS_READ = "accounts:read"
ACCOUNTS_MANAGE = "accounts:manage"  # portal accounts, account types, the sender
STAFF_MANAGE = "staff:manage"
API_CLIENTS_MANAGE = "api_clients:manage"

PERMISSIONS: tuple[str, ...] = (
    RELATIONS_READ, RELATIONS_WRITE, RELATIONS_ARCHIVE, RELATIONS_MERGE, RELATIONS_DELETE,
    DEFINITIONS_MANAGE, SELECTIONS_READ, SELECTIONS_WRITE, BULK_READ, BULK_RUN, ACCOUNTS_READ,
    ACCOUNTS_MANAGE, STAFF_MANAGE, API_CLIENTS_MANAGE,
)
# An API client may hold any permission as a scope but this one.
NOT_FOR_API_CLIENTS = frozenset({RELATIONS_DELETE})

_VIEWER = tuple(name for name in PERMISSIONS if name.endswith(":read"))
_EDITOR = _VIEWER + (RELATIONS_WRITE, RELATIONS_ARCHIVE, RELATIONS_MERGE, SELECTIONS_WRITE,
                     BULK_RUN)
_ADMINISTRATOR = _EDITOR + (DEFINITIONS_MANAGE, ACCOUNTS_MANAGE, STAFF_MANAGE,
                            API_CLIENTS_MANAGE)

ROLES: dict[str, frozenset[str]] = {
    "viewer": frozenset(_VIEWER),
    "editor": frozenset(_EDITOR),
    # Administrators manage staff, but not superusers (the staff handlers enforce that).
    "administrator": frozenset(_ADMINISTRATOR),
    "superuser": frozenset(PERMISSIONS),
}


def permissions_for_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """Every permission the roles grant together, in PERMISSIONS order; unknown roles grant
    nothing."""
    granted = set().union(*(ROLES.get(role, ()) for role in roles))
    return tuple(name for name in PERMISSIONS if name in granted)


def staff_principal(user_id: str, role: str, **extra) -> Principal:
    """A staff user's principal holding what its role grants (tests, benchmarks and jobs
    acting for someone use this; the accounts service builds the real ones)."""
    return Principal(kind="staff", id=user_id, roles=(role,),
                     permissions=permissions_for_roles([role]), **extra)


def require(permission: str):
    """The principal of the work in hand, if it holds `permission`: otherwise 401 for an
    anonymous caller, 403 for one who lacks it."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    principal = context.principal()
    if principal is None or principal.kind == "anonymous":
        raise Unauthenticated("sign in first: this needs the permission " + permission)
    if permission not in principal.permissions:
        raise Forbidden(f"you do not have the permission {permission}", permission=permission)
    return principal


@contextmanager
def on_behalf_of_job(payload: dict[str, Any], permission: str) -> Iterator[Principal]:
    """Run a bulk chunk as the job's principal (the payload's `principal`), if it holds
    `permission` — checked again by the owner, whatever the bulk service checked — so checks
    and history see who asked for the job."""
    if payload.get("principal") is None:
        raise Forbidden(f"a chunk carries the job's principal, who needs {permission}",
                        permission=permission)
    try:
        principal = Principal.from_dict(payload["principal"])
    except (TypeError, ValueError):
        raise ValidationFailed("the job's principal is not one",
                               errors={"principal": ["not a principal"]}) from None
    with context.acting_as(principal):
        yield require(permission)
