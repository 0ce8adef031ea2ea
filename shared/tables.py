"""The tables every service's database holds besides its own: outbox, inbox, idempotency keys."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from shared.db import JSONType

_platform_metadata = MetaData()

outbox = Table(
    "outbox",
    _platform_metadata,
    # Integer on SQLite so the id auto-increments; a bigint on PostgreSQL.
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("message_id", String(36), nullable=False, unique=True),
    Column("exchange", String(64), nullable=False),
    Column("routing_key", String(200), nullable=False),
    Column("aggregate_id", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Index("ix_outbox_unsent", "id", postgresql_where=text("sent_at IS NULL"),
          sqlite_where=text("sent_at IS NULL")),
)

inbox = Table(
    "inbox",
    _platform_metadata,
    Column("consumer", String(100), primary_key=True),
    Column("message_id", String(36), primary_key=True),
    Column("handled_at", DateTime(timezone=True), nullable=False),
    # A command's reply, so a redelivered command is answered without being applied again.
    Column("result", JSONType),
)

idempotency_keys = Table(
    "idempotency_keys",
    _platform_metadata,
    Column("principal", String(120), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request", String(64), nullable=False),  # method, path and body, hashed
    Column("status", Integer, nullable=False),      # 0 while the first request runs
    Column("body", Text),
    Column("headers", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

PLATFORM_TABLES = (outbox, inbox, idempotency_keys)


def include_platform_tables(metadata: MetaData) -> None:
    """Give a service's metadata its own outbox and inbox (each service owns its database)."""
    for table in PLATFORM_TABLES:
        if table.name not in metadata.tables:
            table.to_metadata(metadata)
