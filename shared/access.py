"""Who may call which route: the permission a view needs, declared on the view (a decorator) or
by its service (defaults per HTTP method), and the one check the platform makes before any view
runs (shared.http)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from shared.errors import Forbidden, Unauthenticated
from shared.permissions import PERMISSIONS

OPEN = "open"  # anyone, signed in or not (log-in, activation, password reset)
SIGNED_IN = "signed_in"  # any principal, a portal account too (log-out)
STAFF = "staff"  # any staff user, whatever the role (their own profile)
PORTAL = "portal"  # portal accounts only, and they reach nothing else
SYSTEM = "system"  # the platform's own callers only (the gateway's sub-requests)
MARKERS = (OPEN, SIGNED_IN, STAFF, PORTAL, SYSTEM)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ATTRIBUTE = "cardbox_access"

View = TypeVar("View", bound=Callable[..., Any] | type)


@dataclass(frozen=True)
class RoutePermissions:
    """A service's default: `read` for GET and HEAD, `write` for every other method."""

    read: str
    write: str

    def __post_init__(self):
        for name in (self.read, self.write):
            _known(name)

    def for_method(self, method: str) -> str:
        return self.read if method.upper() in READ_METHODS else self.write


def _known(access: str) -> str:
    if access not in PERMISSIONS and access not in MARKERS:
        raise ValueError(f"unknown permission {access!r}")
    return access


def _marking(access: str) -> Callable[[View], View]:
    def mark(view: View) -> View:
        # flask-smorest's decorators copy a function's __dict__, so the mark may sit anywhere
        # in the decorator stack; on a MethodView class it covers every method without one.
        setattr(view, ATTRIBUTE, access)
        return view

    return mark


def requires(permission: str) -> Callable[[View], View]:
    """Mark a view (function, MethodView method or class) as needing `permission`."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    return _marking(permission)


open_route = _marking(OPEN)
signed_in = _marking(SIGNED_IN)
staff_only = _marking(STAFF)
portal_only = _marking(PORTAL)
system_only = _marking(SYSTEM)


def declared(view: Any, method: str) -> str | None:
    """What the view itself declares for `method`, if anything."""
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return getattr(view, ATTRIBUTE, None)
    handler = getattr(view_class, method.lower(), None)
    if handler is None and method.upper() == "HEAD":
        handler = getattr(view_class, "get", None)
    return getattr(handler, ATTRIBUTE, None) or getattr(view_class, ATTRIBUTE, None)


def resolve(view: Any, method: str, defaults: RoutePermissions | None) -> str | None:
    """The permission (or marker) a request with `method` to `view` needs; None when neither
    the view nor its service declares one (then only the platform itself gets through)."""
    found = declared(view, method)
    if found is not None:
        return found
    return defaults.for_method(method) if defaults is not None else None


def admit(access: str | None, principal: Any, *, auth_required: bool) -> None:
    """Refuse `principal` (401 anonymous, 403 lacking) unless it may use a route needing
    `access`. System principals are the platform's own callers and pass; with auth_required
    off (local experiments only) anonymous callers pass every route but the system ones."""
    if access == OPEN or principal.kind == "system":
        return
    if principal.kind == "anonymous":
        if auth_required or access == SYSTEM:
            what = f": this needs the permission {access}" if access in PERMISSIONS else ""
            raise Unauthenticated("sign in first" + what)
        return
    if access is None or access == SYSTEM:
        raise Forbidden("this route is for the platform itself")
    if principal.kind == "portal":
        if access not in (PORTAL, SIGNED_IN):
            raise Forbidden("a portal account reaches only the portal routes (/api/portal/)")
        return
    if access == PORTAL:
        raise Forbidden("only a portal account has a portal view (/api/portal/)")
    if access == STAFF and principal.kind != "staff":
        raise Forbidden("only a staff user may use this route")
    if access in PERMISSIONS and access not in principal.permissions:
        raise Forbidden(f"you do not have the permission {access}", permission=access)
