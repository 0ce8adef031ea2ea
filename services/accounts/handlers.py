"""What the accounts service does, one function per message or request."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from services.accounts.messages import AccountTypeChanged, AccountTypeDefined, AccountTypeDeleted
from services.accounts.models import AccountType, now
from shared.db import UnitOfWork
from shared.errors import Conflict, NotFound, ValidationFailed

KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def list_account_types(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow:
        return [t.state() for t in uow.session.scalars(select(AccountType)
                                                        .order_by(AccountType.key))]


def get_account_type(uow: UnitOfWork, key: str) -> dict[str, Any]:
    with uow:
        return _found(uow, key).state()


def define_account_type(uow: UnitOfWork, data: dict[str, Any]) -> dict[str, Any]:
    if not KEY.match(data["key"]):
        raise ValidationFailed(f"{data['key']!r} cannot be a key: use lower-case letters, "
                               "digits and _", errors={"key": ["not a usable key"]})
    with uow:
        if uow.session.get(AccountType, data["key"]) is not None:
            raise Conflict(f"an account type {data['key']!r} exists already",
                           errors={"key": ["already in use"]})
        account_type = AccountType(**data)
        uow.session.add(account_type)
        uow.session.flush()
        state = account_type.state()
        uow.emit(AccountTypeDefined, {"account_type": state}, aggregate_id=state["key"])
        uow.commit()
    return state


def change_account_type(uow: UnitOfWork, key: str, data: dict[str, Any]) -> dict[str, Any]:
    with uow:
        account_type = _found(uow, key)
        for name, value in data.items():
            setattr(account_type, name, value)
        account_type.updated_at = now()
        uow.session.flush()
        state = account_type.state()
        uow.emit(AccountTypeChanged, {"account_type": state}, aggregate_id=key)
        uow.commit()
    return state


def delete_account_type(uow: UnitOfWork, key: str) -> None:
    with uow:
        uow.session.delete(_found(uow, key))
        uow.emit(AccountTypeDeleted, {"key": key}, aggregate_id=key)
        uow.commit()


def _found(uow: UnitOfWork, key: str) -> AccountType:
    account_type = uow.session.get(AccountType, key)
    if account_type is None:
        raise NotFound(f"no account type has the key {key!r}")
    return account_type
