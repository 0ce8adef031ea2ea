"""Who a request's credentials stand for: asked by the gateway for every request that has any."""

from __future__ import annotations

from typing import Any

from services.accounts import tokens
from services.accounts.api_clients.handlers import authenticate_key
from services.accounts.login import principal_dict, staff_principal
from services.accounts.staff.models import StaffUser
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import Forbidden, Unauthenticated

GATEWAY = Principal.system("gateway")
SCHEMES = ("bearer", "apikey")


def authenticate(uow: UnitOfWork, authorization: str, caller: Principal | None) -> dict[str, Any]:
    """The principal dict for an Authorization header value (`Bearer <token>`, `ApiKey cbx_…`
    or `Bearer cbx_…`); 401 when it stands for nobody (unknown, expired, revoked)."""
    if caller is None or (caller.kind, caller.id) != (GATEWAY.kind, GATEWAY.id):
        raise Forbidden("only the gateway asks who a request's credentials stand for")
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    answer = None
    if scheme.lower() in SCHEMES and value:
        if value.startswith(tokens.API_KEY_PREFIX):
            principal = authenticate_key(uow, value)
            answer = principal_dict(principal) if principal else None
        elif scheme.lower() == "bearer":
            answer = _token(uow, value)
    if answer is None:
        raise Unauthenticated("the credentials are not valid, or have expired or been revoked")
    return answer


def _token(uow: UnitOfWork, token: str) -> dict[str, Any] | None:
    bearer = tokens.authenticate(uow, token)
    if bearer is None:
        return None
    if bearer.kind == "staff":
        # Roles are read now, so a changed role or a removed user counts at once.
        with uow:
            user = uow.session.get(StaffUser, bearer.subject_id)
            return principal_dict(staff_principal(user), user.must_change_password) \
                if user else None
    fields = {name: value for name, value in bearer.principal_fields.items()
              if name not in ("kind", "id")}
    return principal_dict(Principal.from_dict({**fields, "kind": bearer.kind,
                                               "id": bearer.subject_id}))
