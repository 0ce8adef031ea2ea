"""A tiny service for platform tests: every handled note appends a row, so an effect that
happens twice shows as two rows (the real services' handlers are idempotent by design, which
would hide a platform bug)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from shared.config import Settings
from shared.db import UnitOfWork
from shared.errors import ValidationFailed
from shared.messages import Command, Envelope, Event
from shared.plugins import ServicePlugin
from shared.runtime import ServiceRuntime, bootstrap
from shared.tables import include_platform_tables

metadata = MetaData()
entries = Table(
    "ledger_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", String(36), nullable=False),
    Column("aggregate", String(64), nullable=False),
    Column("note", String(200), nullable=False),
)
include_platform_tables(metadata)


class NotePayload(Schema):
    aggregate = fields.String(required=True)
    note = fields.String(required=True)


NoteTaken = Event("ledger.notes.taken", NotePayload)
TakeNote = Command("ledger.take_note", NotePayload)
# Every handler invocation, including those rolled back, for tests that count attempts.
ATTEMPTS: list[str] = []


def record_note(message: Envelope, uow: UnitOfWork) -> dict[str, Any]:
    ATTEMPTS.append(message.id)
    note = message.payload["note"]
    if note == "refuse":
        raise ValidationFailed("this note is refused", errors={"note": ["refused"]})
    with uow:
        uow.session.execute(insert(entries).values(message_id=message.id,
                                                   aggregate=message.payload["aggregate"],
                                                   note=note))
        if note == "poison":
            raise RuntimeError("poison note")
        count = uow.session.scalar(select(func.count()).select_from(entries))
        uow.commit()
    return {"count": count}


plugin = ServicePlugin(
    name="ledger",
    title="Ledger (test service)",
    metadata=metadata,
    migrations=Path(__file__).parent,  # unused: tests create the tables directly
    events={NoteTaken: record_note},
    commands={TakeNote: record_note},
)


def start(settings: Settings, **bootstrap_options: Any) -> ServiceRuntime:
    runtime = bootstrap(plugin, settings, migrate=False, **bootstrap_options)
    metadata.create_all(runtime.database.engine)
    return runtime


def rows(runtime: ServiceRuntime) -> list[tuple[str, str, str]]:
    with runtime.database.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(
            select(entries.c.message_id, entries.c.aggregate, entries.c.note)
            .order_by(entries.c.id))]


if __name__ == "__main__":
    # python -m tests.support.ledger: consume until killed (for crash tests in a subprocess).
    runtime = start(Settings.from_env())
    runtime.start_background(relay=False)
    print("ready", flush=True)
    sys.stdin.read()  # the parent closes our stdin, or kills us
    runtime.stop()
    os._exit(0)
