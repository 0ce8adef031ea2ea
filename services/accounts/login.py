"""Logging in and out: a password for a token, rate limited, revealing nothing about which
e-mail addresses exist."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.accounts import passwords, ratelimit, tokens
from services.accounts.models import now
from services.accounts.staff.models import StaffUser, fold
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import Unauthenticated

# The one answer for an unknown address and a wrong password alike.
WRONG_CREDENTIALS = "the e-mail address or the password is not right"


def login(uow: UnitOfWork, email: str, password: str, *, kind: str = "staff",
          client_ip: str | None = None) -> dict[str, Any]:
    """{"token", "expires_at", "principal"} for a right e-mail address and password; the same
    401 for any wrong one; 429 after too many failures for the address or the client."""
    ratelimit.check(uow, email, client_ip)
    if kind == "portal":
        answer = _portal(uow, email, password)
    else:
        answer = _staff(uow, email, password)
    if answer is None:
        ratelimit.record_failure(uow, email, client_ip)
        raise Unauthenticated(WRONG_CREDENTIALS)
    ratelimit.record_success(uow, email)
    return answer


def _staff(uow: UnitOfWork, email: str, password: str) -> dict[str, Any] | None:
    with uow:
        found = uow.session.execute(select(StaffUser.id, StaffUser.password_hash).where(
            StaffUser.email_folded == fold(email))).one_or_none()
    # Verified outside the transaction: a slow hash must not hold the database's write lock.
    if not passwords.verify_password(password, found.password_hash if found else None,
                                   uow.settings):
        return None
    with uow:
        user = uow.session.get(StaffUser, found.id)
        if user is None or user.password_hash != found.password_hash:
            return None  # removed or given a new password this very moment
        if passwords.needs_rehash(user.password_hash, uow.settings):
            user.password_hash = passwords.hash_password(password, uow.settings)
        user.last_login_at = now()
        token, expires_at = tokens.issue(uow, "staff", user.id,
                                         principal_fields=user.principal_fields())
        answer = {"token": token, "expires_at": expires_at.isoformat(),
                  "principal": principal_dict(staff_principal(user), user.must_change_password)}
        uow.commit()
    return answer


def _portal(uow: UnitOfWork, email: str, password: str) -> dict[str, Any] | None:
    # Imported here: the portal's log-in uses this module's WRONG_CREDENTIALS.
    from services.accounts.portal.login import authenticate_portal

    try:
        fields = dict(authenticate_portal(uow, email, password))
    except Unauthenticated:
        return None
    account_id = fields.pop("id")
    principal = Principal.from_dict({**fields, "kind": "portal", "id": account_id})
    token, expires_at = tokens.issue(uow, "portal", account_id, principal_fields=fields)
    return {"token": token, "expires_at": expires_at.isoformat(),
            "principal": principal_dict(principal)}


def logout(uow: UnitOfWork, authorization: str | None) -> None:
    """End the token the request was made with; a token already gone is no error."""
    token = bearer_token(authorization)
    if token is None:
        raise Unauthenticated("log out with the token to end: Authorization: Bearer <token>")
    tokens.revoke(uow, token)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (not an API key), or None."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value or value.startswith(tokens.API_KEY_PREFIX):
        return None
    return value


def staff_principal(user: StaffUser) -> Principal:
    return Principal(kind="staff", id=user.id, roles=(user.role,), name=user.name,
                     permissions=user.permissions())


def principal_dict(principal: Principal, must_change_password: bool = False) -> dict[str, Any]:
    """The principal as answered to clients and to the gateway; a user who must change their
    password first is marked so (and holds no permission until then)."""
    answer = principal.to_dict()
    for listed in ("roles", "scopes", "permissions"):
        answer[listed] = list(answer[listed])
    if must_change_password:
        answer["must_change_password"] = True
    return answer
