"""Staff users: listing, adding, changing and removing them, and who may do which."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import IntegrityError

from services.accounts import passwords, tokens
from services.accounts.models import now
from services.accounts.staff.models import StaffUser, fold
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.pagination import decode_cursor, encode_cursor

SUPERUSER = "superuser"


def list_staff(uow: UnitOfWork, *, limit: int,
               cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of staff users by e-mail address, and the cursor of the next page."""
    position = decode_cursor(cursor, 2)
    query = select(StaffUser).order_by(StaffUser.email_folded, StaffUser.id).limit(limit + 1)
    if position:
        query = query.where(tuple_(StaffUser.email_folded, StaffUser.id) > tuple(position))
    with uow:
        users = list(uow.session.scalars(query))
        more, users = len(users) > limit, users[:limit]
        next_cursor = encode_cursor([users[-1].email_folded, users[-1].id]) if more else None
        return [user.state() for user in users], next_cursor


def get_staff(uow: UnitOfWork, user_id: str) -> dict[str, Any]:
    with uow:
        return _found(uow, user_id).state()


def create_staff(uow: UnitOfWork, data: dict[str, Any], actor: Principal) -> dict[str, Any]:
    """Add a staff user; only a superuser adds a superuser."""
    _may_manage(actor, data["role"])
    passwords.require_policy(data["password"], data["email"])
    password_hash = passwords.hash_password(data["password"], uow.settings)
    with uow:
        _email_free(uow, data["email"])
        user = StaffUser(email=data["email"].strip(), email_folded=fold(data["email"]),
                         name=data["name"], role=data["role"], password_hash=password_hash,
                         must_change_password=data.get("must_change_password", True))
        uow.session.add(user)
        _flush(uow, data["email"])
        state = user.state()
        uow.commit()
    return state


def change_staff(uow: UnitOfWork, user_id: str, data: dict[str, Any],
                 actor: Principal) -> dict[str, Any]:
    """Change a staff user's name, address, role or password (a new password must be changed
    at the next login unless told otherwise)."""
    password_hash = (passwords.hash_password(data["password"], uow.settings)
                     if "password" in data else None)
    with uow:
        user = _found(uow, user_id)
        _may_manage(actor, user.role, data.get("role", user.role))
        if "role" in data and data["role"] != SUPERUSER:
            _not_the_last_superuser(uow, user, "take the superuser role from")
        if "email" in data:
            if fold(data["email"]) != user.email_folded:
                _email_free(uow, data["email"])
            user.email, user.email_folded = data["email"].strip(), fold(data["email"])
        if "password" in data:
            passwords.require_policy(data["password"], data.get("email", user.email))
            user.password_hash = password_hash
            user.must_change_password = data.get("must_change_password", True)
            tokens.revoke_all(uow, "staff", user.id)
        for name in ("name", "role", "must_change_password"):
            if name in data:
                setattr(user, name, data[name])
        user.updated_at = now()
        _flush(uow, data.get("email", ""))
        state = user.state()
        uow.commit()
    return state


def delete_staff(uow: UnitOfWork, user_id: str, actor: Principal) -> None:
    """Remove a staff user and end their sessions; never the last superuser."""
    with uow:
        user = _found(uow, user_id)
        _may_manage(actor, user.role)
        _not_the_last_superuser(uow, user, "remove")
        tokens.revoke_all(uow, "staff", user.id)
        uow.session.delete(user)
        uow.commit()


def change_own_password(uow: UnitOfWork, actor: Principal, current: str, new: str,
                        token: str | None) -> dict[str, Any]:
    """A staff user's new password; their other sessions end, this one stays."""
    user_id = _own_id(actor)
    with uow:
        user = _found(uow, user_id)
        if not passwords.verify_password(current, user.password_hash, uow.settings):
            raise ValidationFailed("the current password is not right",
                                   errors={"current_password": ["not right"]})
        passwords.require_policy(new, user.email, field="new_password")
        if passwords.verify_password(new, user.password_hash, uow.settings):
            raise ValidationFailed("the new password must differ from the current one",
                                   errors={"new_password": ["same as the current password"]})
        user.password_hash = passwords.hash_password(new, uow.settings)
        user.must_change_password = False
        user.updated_at = now()
        tokens.revoke_all(uow, "staff", user.id, keep=token)
        uow.session.flush()
        state = user.state()
        uow.commit()
    return state


def own_profile(uow: UnitOfWork, actor: Principal) -> dict[str, Any]:
    with uow:
        return _found(uow, _own_id(actor)).state()


def _own_id(actor: Principal) -> str:
    if actor.kind != "staff" or not actor.id:
        raise Forbidden("only staff users have a profile here; portal accounts use "
                        "/api/portal/me")
    return actor.id


def _may_manage(actor: Principal, *roles: str) -> None:
    if SUPERUSER in roles and SUPERUSER not in actor.roles:
        raise Forbidden("only a superuser manages superusers")


def _not_the_last_superuser(uow: UnitOfWork, user: StaffUser, what: str) -> None:
    if user.role != SUPERUSER:
        return
    # Lock every superuser's row (this one's too), so two such changes at once queue and the
    # second sees the first's outcome.
    superusers = uow.session.scalars(select(StaffUser.id).where(
        StaffUser.role == SUPERUSER).with_for_update()).all()
    if set(superusers) <= {user.id}:
        raise Conflict(f"cannot {what} the last superuser: make someone else superuser first",
                       errors={"role": ["the last superuser"]})


def _email_free(uow: UnitOfWork, email: str) -> None:
    taken = uow.session.scalar(select(func.count()).select_from(StaffUser).where(
        StaffUser.email_folded == fold(email)))
    if taken:
        raise _taken(email)


def _flush(uow: UnitOfWork, email: str) -> None:
    try:
        uow.session.flush()
    except IntegrityError:
        # Another request took the address between our check and this write.
        raise _taken(email) from None


def _taken(email: str) -> Conflict:
    return Conflict(f"a staff user with the e-mail address {email.strip()!r} exists already",
                    errors={"email": ["already in use"]})


def _found(uow: UnitOfWork, user_id: str) -> StaffUser:
    user = uow.session.get(StaffUser, user_id)
    if user is None:
        raise NotFound(f"no staff user has the id {user_id!r}")
    return user

