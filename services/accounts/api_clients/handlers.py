"""API clients: keys with scopes for internal systems, shown once, revocable, rotatable."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select, tuple_

from services.accounts.api_clients.models import ApiClient
from services.accounts.models import now
from services.accounts.tokens import API_KEY_PREFIX, SLIDE_STEP, aware, digest
from shared.auth import Principal
from shared.db import UnitOfWork
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.pagination import cursor_time, decode_cursor, encode_cursor
from shared.permissions import NOT_FOR_API_CLIENTS, PERMISSIONS

ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no look-alikes: 0/o, 1/l
ID_LENGTH = 8


def list_clients(uow: UnitOfWork, *, limit: int,
                 cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of API clients, newest first, and the cursor of the next page."""
    position = decode_cursor(cursor, 2)
    query = (select(ApiClient).order_by(ApiClient.created_at.desc(), ApiClient.id.desc())
             .limit(limit + 1))
    if position:
        query = query.where(tuple_(ApiClient.created_at, ApiClient.id)
                            < (cursor_time(position[0]), position[1]))
    with uow:
        clients = list(uow.session.scalars(query))
        more, clients = len(clients) > limit, clients[:limit]
        last = clients[-1] if more else None
        next_cursor = encode_cursor([aware(last.created_at).isoformat(), last.id]) if last \
            else None
        return [client.state() for client in clients], next_cursor


def get_client(uow: UnitOfWork, client_id: str) -> dict[str, Any]:
    with uow:
        return _found(uow, client_id).state()


def create_client(uow: UnitOfWork, data: dict[str, Any], actor: Principal) -> dict[str, Any]:
    """A new client and its key (in the answer only: it is never shown again)."""
    scopes = checked_scopes(data["scopes"])
    secret = secrets.token_urlsafe(32)
    with uow:
        client_id = _new_id(uow)
        client = ApiClient(id=client_id, name=data["name"], description=data.get("description"),
                           scopes=scopes, secret_hash=digest(secret), created_by=actor.label,
                           created_at=now())
        uow.session.add(client)
        uow.session.flush()
        answer = {**client.state(), "key": _key(client_id, secret)}
        uow.commit()
    return answer


def rotate_client(uow: UnitOfWork, client_id: str, grace_seconds: int) -> dict[str, Any]:
    """A new key for a client; the old one stops at once, or after `grace_seconds`."""
    secret = secrets.token_urlsafe(32)
    moment = now()
    with uow:
        client = _live(uow, client_id)
        if grace_seconds:
            client.previous_secret_hash = client.secret_hash
            client.previous_expires_at = moment + timedelta(seconds=grace_seconds)
        else:
            client.previous_secret_hash = client.previous_expires_at = None
        client.secret_hash, client.rotated_at = digest(secret), moment
        uow.session.flush()
        answer = {**client.state(), "key": _key(client.id, secret)}
        uow.commit()
    return answer


def revoke_client(uow: UnitOfWork, client_id: str) -> None:
    """Revoke a client's key (and any key still in its grace period) for good."""
    with uow:
        client = _found(uow, client_id)
        if client.revoked_at is None:
            client.revoked_at = now()
            client.previous_secret_hash = client.previous_expires_at = None
        uow.commit()


def authenticate_key(uow: UnitOfWork, key: str) -> Principal | None:
    """The principal of a live client whose key this is, or None."""
    client_id, secret = _parse(key)
    if client_id is None:
        return None
    moment = now()
    with uow:
        client = uow.session.get(ApiClient, client_id)
        if client is None or client.revoked_at is not None or not _matches(client, secret):
            return None
        if client.last_used_at is None or moment - aware(client.last_used_at) >= SLIDE_STEP:
            client.last_used_at = moment
        principal = client.principal()
        uow.commit()
    return principal


def checked_scopes(scopes: list[str]) -> list[str]:
    """Scopes in permission order; a 422 on `scopes` names any that cannot be granted."""
    unknown = [scope for scope in scopes if scope not in PERMISSIONS]
    refused = [scope for scope in scopes if scope in NOT_FOR_API_CLIENTS]
    problems = [f"{scope!r} is not a permission" for scope in unknown]
    problems += [f"{scope!r} is never granted to an API client" for scope in refused]
    if problems:
        raise ValidationFailed("some scopes cannot be granted: " + "; ".join(problems),
                               errors={"scopes": problems})
    return [name for name in PERMISSIONS if name in scopes]


def _matches(client: ApiClient, secret: str) -> bool:
    hashed = digest(secret)
    if hmac.compare_digest(hashed, client.secret_hash):
        return True
    return bool(client.previous_secret_hash and client.previous_expires_at
                and aware(client.previous_expires_at) > now()
                and hmac.compare_digest(hashed, client.previous_secret_hash))


def _key(client_id: str, secret: str) -> str:
    return f"{API_KEY_PREFIX}{client_id}_{secret}"


def _parse(key: str) -> tuple[str | None, str]:
    if not key.startswith(API_KEY_PREFIX):
        return None, ""
    client_id, sep, secret = key[len(API_KEY_PREFIX):].partition("_")
    if not sep or len(client_id) != ID_LENGTH or not secret:
        return None, ""
    return client_id, secret


def _new_id(uow: UnitOfWork) -> str:
    while True:
        client_id = "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))
        if uow.session.get(ApiClient, client_id) is None:
            return client_id


def _live(uow: UnitOfWork, client_id: str) -> ApiClient:
    client = _found(uow, client_id)
    if client.revoked_at is not None:
        raise Conflict(f"API client {client_id} is revoked; create a new one instead")
    return client


def _found(uow: UnitOfWork, client_id: str) -> ApiClient:
    client = uow.session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(f"no API client has the id {client_id!r}")
    return client
