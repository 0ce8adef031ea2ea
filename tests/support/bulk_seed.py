"""N person relations written straight into a product's migrated databases, as the services
would have left them, for bulk jobs at scale (benchmarks, fault tests).

    ids = seed(relations_url, selections_url, 100_000)

Relations: the relation rows, their search terms (search_rows) and duplicate match keys
(match_keys), loaded by the search benchmark's loaders (COPY on PostgreSQL, executemany on
SQLite, indexes and FTS5 triggers dropped and rebuilt). Selections: each relation's view and
value rows from the same states (projection/rows.py), so the read model agrees with relations.
Both services get the custom fields `newsletter` (checkbox, False on every seeded relation)
and `interests` (multiple choice) and the tag definitions the states use. Not written: the
creation history (a seeded relation's history is empty) and the relations.created events.
The databases must be fresh (migrated, no relations yet) and no service writing meanwhile."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import psycopg
from sqlalchemy import create_engine, insert, make_url

from services.relations.matching import match_keys
from services.relations.models import FieldDefinition
from services.relations.models.tags import TagDefinition
from services.relations.search import search_rows
from services.selections.models import RelationValue, RelationView
from services.selections.projection.rows import value_rows, view_columns
from tests.bench import selections_seed
from tests.bench.search_data import Generator
from tests.bench.search_seed import (
    RELATION_COLUMNS,
    SEARCH_COLUMNS,
    SQLITE_TIME,
    PostgresLoader,
    SqliteLoader,
    _Feeder,
    finish_all,
)

BATCH = 20_000  # relations generated per worker task and loaded per transaction
WORKERS = 2
INTERESTS = selections_seed.INTERESTS
TAGS = selections_seed.TAGS
DEFINED_AT = datetime(2026, 1, 1, tzinfo=UTC)  # as selections_seed dates its definitions
MATCH_KEY_COLUMNS = ("relation_id", "kind", "value")
VIEW_COLUMNS = tuple(column.name for column in RelationView.__table__.columns)
VALUE_COLUMNS = tuple(column.name for column in RelationValue.__table__.columns)


@dataclass
class Batch:
    """One batch of relations as rows of every table seeded."""

    ids: list[str]
    relations: list[tuple]
    search: list[tuple]
    keys: list[tuple]
    views: list[tuple]
    values: list[tuple]


def seed(relations_url: str, selections_url: str, count: int, *,
         seed: int = 20261123) -> list[str]:
    """Write `count` active persons into both services' databases (SQLAlchemy URLs); answer
    their ids in the order written. The same seed gives the same relations."""
    _define_fields(relations_url, selections_url)
    jobs = [(seed, start, min(count, start + BATCH)) for start in range(0, count, BATCH)]
    ids: list[str] = []
    with _RelationsLoader(relations_url) as relations, \
            _SelectionsLoader(selections_url) as selections:
        feeders = [_Feeder(relations), _Feeder(selections)]
        for feeder in feeders:
            feeder.start()
        try:
            for batch in _batches(jobs):
                ids += batch.ids
                for feeder in feeders:
                    feeder.queue.put((batch,))
        finally:
            for feeder in feeders:
                feeder.queue.put(None)
                feeder.join()
        for feeder in feeders:
            if feeder.error:
                raise feeder.error
        finish_all([relations, selections])
    return ids


def _batches(jobs: list[tuple[int, int, int]]):
    if len(jobs) <= 1:
        # Small seeds stay in this process: no fork beside a running product's threads.
        yield from map(generate, jobs)
        return
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        yield from pool.imap(generate, jobs)


def generate(job: tuple[int, int, int]) -> Batch:
    """Relations start..stop of a seed (the same whichever process makes them), as rows."""
    seed_, start, stop = job
    generator = Generator(seed=seed_ * 1_000_003 + start)
    at = datetime.now(UTC)
    batch = Batch([], [], [], [], [], [])
    for n in range(start, stop):
        record = person(generator, n)
        state = state_of(record)
        batch.ids.append(record.id)
        batch.relations.append(relation_row(record))
        batch.search += [tuple(row[c] for c in SEARCH_COLUMNS) for row in search_rows(record)]
        batch.keys += [(record.id, kind, value) for kind, value in sorted(match_keys(record))]
        view = view_columns(state, at)
        view["state"] = json.dumps(view["state"])
        batch.views.append(tuple(view[name] for name in VIEW_COLUMNS))
        batch.values += [tuple(row[name] for name in VALUE_COLUMNS) for row in value_rows(state)]
    return batch


def person(generator: Generator, n: int) -> SimpleNamespace:
    """The n-th active person of a generator: its name, e-mail and phones as the search
    benchmark draws them, with an address, custom field values and maybe a tag."""
    seeded = generator.relation(n)
    while seeded.type != "person":
        seeded = generator.relation(n)
    r = generator.random
    fields: dict[str, Any] = {"newsletter": False}
    if r.random() < 0.7:
        fields["interests"] = sorted(r.sample(INTERESTS, r.randint(1, 2)))
    return SimpleNamespace(
        id=seeded.id, type="person", initials=seeded.initials, first_name=seeded.first_name,
        infix=seeded.infix, last_name=seeded.last_name, organisation_name=None,
        birth_date=seeded.birth_date, emails=seeded.emails, phones=seeded.phones,
        address={"street": "Dorpsstraat", "number": str(r.randint(1, 300)),
                 "postcode": f"{r.randint(1000, 9999)} AB",
                 "city": r.choice(selections_seed.CITIES), "country": "NL"},
        status="active", archived_reason=None, archived_at=None, fields=fields,
        tags=[r.choice(TAGS)] if r.random() < 0.1 else [], version=1,
        created_at=seeded.created_at, updated_at=seeded.created_at)


def state_of(record: SimpleNamespace) -> dict[str, Any]:
    """The state the relations service would publish (Relation.state())."""
    return {"id": record.id, "type": record.type, "initials": record.initials,
            "first_name": record.first_name, "infix": record.infix,
            "last_name": record.last_name, "organisation_name": None,
            "birth_date": record.birth_date.isoformat() if record.birth_date else None,
            "emails": record.emails, "phones": record.phones, "address": record.address,
            "status": record.status, "archived_reason": None, "archived_at": None,
            "fields": record.fields, "tags": record.tags, "version": record.version,
            "created_at": record.created_at.isoformat(),
            "updated_at": record.updated_at.isoformat()}


def relation_row(record: SimpleNamespace) -> tuple:
    as_json = ("emails", "phones", "address", "fields", "tags")
    return tuple(json.dumps(getattr(record, name)) if name in as_json else getattr(record, name)
                 for name in RELATION_COLUMNS)


# --- definitions -------------------------------------------------------------------------


def _define_fields(relations_url: str, selections_url: str) -> None:
    """`newsletter` and `interests` (and the tags) in both services, as their API and the
    definitions events would have left them."""
    engine = create_engine(relations_url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(FieldDefinition.__table__), [
                {"key": "newsletter", "label": "Newsletter", "type": "checkbox", "options": [],
                 "required": False, "applies_to": ["person"], "created_at": DEFINED_AT,
                 "updated_at": DEFINED_AT},
                {"key": "interests", "label": "Interests", "type": "multi_choice",
                 "options": [{"key": key, "label": key.title()} for key in INTERESTS],
                 "required": False, "applies_to": ["person", "organisation"],
                 "created_at": DEFINED_AT, "updated_at": DEFINED_AT}])
            connection.execute(insert(TagDefinition.__table__), [
                {"key": tag, "label": tag, "description": None, "category": None,
                 "created_at": DEFINED_AT, "updated_at": DEFINED_AT} for tag in TAGS])
    finally:
        engine.dispose()
    engine = create_engine(selections_url)
    try:
        with engine.begin() as connection:
            selections_seed._definitions(connection)
    finally:
        engine.dispose()


# --- loaders -----------------------------------------------------------------------------


def _postgres(url: str) -> str:
    """A psycopg conninfo of an SQLAlchemy PostgreSQL URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: str) -> str:
    return make_url(url).database


def _is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


class _RelationsLoader:
    """Relations and search terms by the search benchmark's loader, match keys beside them."""

    def __init__(self, url: str):
        keys = {"relation_match_keys": MATCH_KEY_COLUMNS}
        if _is_postgres(url):
            self.search = PostgresLoader(_postgres(url))
            self.keys = _PostgresTables(_postgres(url), keys)
        else:
            self.search = SqliteLoader(_sqlite_path(url))
            self.keys = _SqliteTables(_sqlite_path(url), keys)

    def __enter__(self) -> _RelationsLoader:
        self.search.__enter__()
        self.keys.__enter__()
        return self

    def load(self, batch: Batch) -> None:
        self.search.load(batch.relations, batch.search)
        self.keys.load({"relation_match_keys": batch.keys})

    def finish(self) -> dict[str, float]:
        return self.search.finish() | self.keys.finish()

    def __exit__(self, *exc_info) -> None:
        self.keys.__exit__(*exc_info)
        self.search.__exit__(*exc_info)


class _SelectionsLoader:
    """The read model's view and value rows."""

    def __init__(self, url: str):
        tables = {"relation_view": VIEW_COLUMNS, "relation_values": VALUE_COLUMNS}
        self.tables = (_PostgresTables(_postgres(url), tables) if _is_postgres(url)
                       else _SqliteTables(_sqlite_path(url), tables))

    def __enter__(self) -> _SelectionsLoader:
        self.tables.__enter__()
        return self

    def load(self, batch: Batch) -> None:
        self.tables.load({"relation_view": batch.views, "relation_values": batch.values})

    def finish(self) -> dict[str, float]:
        return self.tables.finish()

    def __exit__(self, *exc_info) -> None:
        self.tables.__exit__(*exc_info)


class _PostgresTables:
    """COPY into tables whose secondary indexes are dropped first and rebuilt by finish()."""

    def __init__(self, conninfo: str, tables: dict[str, tuple[str, ...]]):
        self.connection = psycopg.connect(conninfo, autocommit=True)
        self.tables, self.recreate = tables, []

    def __enter__(self) -> _PostgresTables:
        for table in self.tables:
            for name, definition in self.connection.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND "
                    "indexname NOT IN (SELECT conname FROM pg_constraint "
                    "WHERE conrelid = %s::regclass)", (table, table)).fetchall():
                self.connection.execute(f'DROP INDEX "{name}"')
                self.recreate.append((name, definition))
        return self

    def load(self, rows: dict[str, list[tuple]]) -> None:
        with self.connection.cursor() as cursor:
            for table, batch in rows.items():
                columns = ", ".join(self.tables[table])
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)

    def finish(self) -> dict[str, float]:
        timings = {}
        self.connection.execute("SET maintenance_work_mem = '512MB'")
        for name, definition in self.recreate:
            started = time.perf_counter()
            self.connection.execute(definition)
            timings[name] = round(time.perf_counter() - started, 1)
        for table in self.tables:
            self.connection.execute(f"VACUUM ANALYZE {table}")
        return timings

    def __exit__(self, *exc_info) -> None:
        self.connection.close()


class _SqliteTables:
    """executemany into tables whose indexes are dropped first and rebuilt by finish()."""

    def __init__(self, path: str, tables: dict[str, tuple[str, ...]]):
        # Loaded from one thread, finished from another.
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                          timeout=30)
        self.tables, self.recreate = tables, []

    def __enter__(self) -> _SqliteTables:
        self.connection.execute("PRAGMA synchronous = OFF")
        placeholders = ", ".join("?" for _ in self.tables)
        for name, sql in self.connection.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({placeholders})", list(self.tables)).fetchall():
            self.connection.execute(f'DROP INDEX "{name}"')
            self.recreate.append((name, sql))
        return self

    def load(self, rows: dict[str, list[tuple]]) -> None:
        c = self.connection
        c.execute("BEGIN")
        for table, batch in rows.items():
            columns = self.tables[table]
            c.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "
                          f"VALUES ({', '.join('?' for _ in columns)})",
                          (tuple(map(_sqlite_value, row)) for row in batch))
        c.execute("COMMIT")

    def finish(self) -> dict[str, float]:
        timings = {}
        for name, sql in self.recreate:
            started = time.perf_counter()
            self.connection.execute(sql)
            timings[name] = round(time.perf_counter() - started, 1)
        self.connection.execute("ANALYZE")
        return timings

    def __exit__(self, *exc_info) -> None:
        self.connection.close()


def _sqlite_value(value: Any) -> Any:
    # As SQLAlchemy stores them on SQLite: naive UTC text for times, ISO dates.
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime(SQLITE_TIME)
    if isinstance(value, date):
        return value.isoformat()
    return value
