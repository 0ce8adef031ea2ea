"""Idempotency-Key for creating POSTs: a repeat of the same request gets the first answer,
the same key with another body is refused, and concurrent repeats create one thing."""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import UTC, datetime

from flask import Response, current_app, g, request
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from shared.errors import Conflict, ValidationFailed
from shared.outbox import IDEMPOTENCY_RETENTION
from shared.tables import idempotency_keys

HEADER = "Idempotency-Key"
IN_PROGRESS = 0


def idempotent(view):
    """Decorate a creating view: with an Idempotency-Key header the answer is kept 24 hours."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not 1 <= len(key) <= 200:
            raise ValidationFailed("Idempotency-Key must hold 1 to 200 characters",
                                   errors={HEADER: ["1 to 200 characters"]})
        store = _Store(current_app.extensions["cardbox.runtime"].database, g.principal.label, key)
        kept = store.claim(_fingerprint())
        if kept is not None:
            return kept
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except Exception:
            store.release()  # a failed first attempt may be tried again with the same key
            raise
        store.keep(response)
        return response

    return wrapper


def _fingerprint() -> str:
    raw = json.dumps([request.method, request.path, request.get_data(as_text=True)])
    return hashlib.sha256(raw.encode()).hexdigest()


class _Store:
    def __init__(self, database, principal: str, key: str):
        self.database, self.table = database, idempotency_keys
        self.where = (idempotency_keys.c.principal == principal, idempotency_keys.c.key == key)
        self.principal, self.key = principal, key

    def claim(self, fingerprint: str) -> Response | None:
        """None when this request goes first; the kept answer of an earlier one; or a 409."""
        with self.database.session_factory() as session, session.begin():
            session.execute(delete(self.table).where(
                *self.where, self.table.c.created_at < datetime.now(UTC) - IDEMPOTENCY_RETENTION))
            try:
                with session.begin_nested():
                    session.execute(insert(self.table).values(
                        principal=self.principal, key=self.key, request=fingerprint,
                        status=IN_PROGRESS, created_at=datetime.now(UTC)))
                return None
            except IntegrityError:
                row = session.execute(select(self.table).where(*self.where)).one()
        if row.request != fingerprint:
            raise Conflict("this Idempotency-Key was used for another request; use a new key",
                           errors={HEADER: ["used for another request"]})
        if row.status == IN_PROGRESS:
            raise Conflict("a request with this Idempotency-Key is still running; repeat it "
                           "in a moment", errors={HEADER: ["in progress"]})
        return Response(row.body, status=row.status, headers=json.loads(row.headers))

    def keep(self, response: Response) -> None:
        headers = {k: v for k, v in response.headers.items()
                   if k.lower() in ("content-type", "location", "etag")}
        with self.database.session_factory() as session, session.begin():
            session.execute(update(self.table).where(*self.where).values(
                status=response.status_code, body=response.get_data(as_text=True),
                headers=json.dumps(headers)))

    def release(self) -> None:
        with self.database.session_factory() as session, session.begin():
            session.execute(delete(self.table).where(*self.where,
                                                     self.table.c.status == IN_PROGRESS))
