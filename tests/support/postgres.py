"""Per-test PostgreSQL databases on the server deploy/local/postgres.sh starts (POSTGRES_PORT):
the integration tier always runs on them, the unit tier when CARDBOX_UNIT_DATABASE=postgresql."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import psycopg

# The same variable as deploy/local/postgres.sh, so a second server can serve a second run.
POSTGRES_PORT = os.environ.get("POSTGRES_PORT", "5433")
POSTGRES = f"postgresql://postgres@127.0.0.1:{POSTGRES_PORT}/postgres"
UNIT_DATABASES = ("sqlite", "postgresql")


@contextmanager
def fresh_databases() -> Iterator[tuple[str, Callable[[str], None]]]:
    """A database-name prefix and `create(service)`; every database it made is dropped after."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    created: list[str] = []

    def create(service: str) -> None:
        name = f"{prefix}_{service}"
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        created.append(name)

    try:
        yield prefix, create
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            for name in created:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_url(prefix: str) -> str:
    """The CARDBOX_DATABASE_URL template naming the databases `fresh_databases` made."""
    return f"postgresql+psycopg://postgres@127.0.0.1:{POSTGRES_PORT}/{prefix}_{{service}}"


def unit_database() -> str:
    """What the unit tier runs on: CARDBOX_UNIT_DATABASE, sqlite unless told."""
    chosen = os.environ.get("CARDBOX_UNIT_DATABASE", "").strip().lower() or "sqlite"
    if chosen not in UNIT_DATABASES:
        raise ValueError(f"CARDBOX_UNIT_DATABASE must be one of {', '.join(UNIT_DATABASES)}, "
                         f"got {chosen!r}")
    return chosen


@contextmanager
def unit_database_url(services: Iterable[str]) -> Iterator[str]:
    """The database_url a unit test's services use: '' (SQLite files in var_dir) by default;
    with CARDBOX_UNIT_DATABASE=postgresql a template naming fresh databases, one per service,
    dropped afterwards."""
    if unit_database() == "sqlite":
        yield ""
        return
    with fresh_databases() as (prefix, create):
        for service in services:
            create(service)
        yield database_url(prefix)
