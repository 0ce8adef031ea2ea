"""Fast seeding for the search benchmark: relations and their search rows (built by the
service's own `search_rows`) go in by COPY (PostgreSQL) or executemany (SQLite), with the
tables' indexes dropped first and rebuilt after, exactly as the migrations defined them."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable

import psycopg

from services.relations.search import search_rows
from tests.bench.search_data import Seeded

TABLES = ("relations", "relation_search")
RELATION_COLUMNS = ("id", "type", "initials", "first_name", "infix", "last_name",
                    "organisation_name", "birth_date", "emails", "phones", "address", "status",
                    "fields", "tags", "version", "created_at", "updated_at")
SEARCH_COLUMNS = ("relation_id", "field", "term", "sort_key", "archived")
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


def rows_of(chunk: list[Seeded]) -> tuple[list[tuple], list[tuple]]:
    """The relations' rows and their search rows (the service's normalisation)."""
    relations, search = [], []
    for s in chunk:
        relations.append((s.id, s.type, s.initials, s.first_name, s.infix, s.last_name,
                          s.organisation_name, s.birth_date, json.dumps(s.emails),
                          json.dumps(s.phones), None, s.status, "{}", "[]", 1, s.created_at,
                          s.created_at))
        search += [tuple(row[c] for c in SEARCH_COLUMNS) for row in search_rows(s)]
    return relations, search


class PostgresLoader:
    def __init__(self, url: str):
        self.connection = psycopg.connect(url, autocommit=True)
        self.recreate: list[str] = []

    def __enter__(self) -> PostgresLoader:
        """Drop the secondary indexes and unique constraints, remembering their definitions."""
        for table in TABLES:
            for name, definition in self.connection.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'u'", (table,)).fetchall():
                self.connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                self.recreate.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for name, definition in self.connection.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND "
                    "indexname NOT IN (SELECT conname FROM pg_constraint "
                    "WHERE conrelid = %s::regclass)", (table, table)).fetchall():
                self.connection.execute(f'DROP INDEX "{name}"')
                self.recreate.append(definition)
        return self

    def load(self, relations: list[tuple], search: list[tuple]) -> None:
        with self.connection.cursor() as cursor:
            for table, columns, rows in (("relations", RELATION_COLUMNS, relations),
                                         ("relation_search", SEARCH_COLUMNS, search)):
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)

    def __exit__(self, *exc_info) -> None:
        self.connection.close()

    def finish(self) -> dict[str, float]:
        """Rebuild the indexes (seconds each) and refresh the planner's statistics."""
        timings = {}
        self.connection.execute("SET maintenance_work_mem = '1GB'")
        self.connection.execute("SET max_parallel_maintenance_workers = 2")
        for statement in self.recreate:
            started = time.perf_counter()
            self.connection.execute(statement)
            timings[_index_name(statement)] = round(time.perf_counter() - started, 1)
        self.connection.execute("VACUUM ANALYZE relations")
        self.connection.execute("VACUUM ANALYZE relation_search")
        return timings


class SqliteLoader:
    def __init__(self, path: str):
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.recreate: list[str] = []

    def __enter__(self) -> SqliteLoader:
        c = self.connection
        c.execute("PRAGMA synchronous = OFF")
        c.execute("PRAGMA cache_size = -1000000")
        placeholders = ", ".join("?" for _ in TABLES)
        for name, sql in c.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                   f"AND sql IS NOT NULL AND tbl_name IN ({placeholders})",
                                   TABLES).fetchall():
            c.execute(f'DROP INDEX "{name}"')
            self.recreate.append(sql)
        return self

    def load(self, relations: list[tuple], search: list[tuple]) -> None:
        c = self.connection
        c.execute("BEGIN")
        c.executemany(f"INSERT INTO relations ({', '.join(RELATION_COLUMNS)}) "
                      f"VALUES ({', '.join('?' for _ in RELATION_COLUMNS)})",
                      (_sqlite_values(row) for row in relations))
        c.executemany(f"INSERT INTO relation_search ({', '.join(SEARCH_COLUMNS)}) "
                      "VALUES (?, ?, ?, ?, ?)", search)
        c.execute("COMMIT")

    def finish(self) -> dict[str, float]:
        """Rebuild the indexes (the FTS5 tables filled as the rows went in), ANALYZE."""
        timings = {}
        for statement in self.recreate:
            started = time.perf_counter()
            self.connection.execute(statement)
            timings[_index_name(statement)] = round(time.perf_counter() - started, 1)
        self.connection.execute("ANALYZE")
        return timings

    def __exit__(self, *exc_info) -> None:
        self.connection.close()


def _sqlite_values(row: tuple) -> tuple:
    # As SQLAlchemy stores them: naive UTC text for times, ISO dates.
    values = list(row)
    for index in (RELATION_COLUMNS.index("created_at"), RELATION_COLUMNS.index("updated_at")):
        values[index] = values[index].strftime(SQLITE_TIME)
    birth = RELATION_COLUMNS.index("birth_date")
    values[birth] = values[birth].isoformat() if values[birth] else None
    return tuple(values)


def _index_name(statement: str) -> str:
    words = statement.replace('"', "").split()
    for marker in ("INDEX", "CONSTRAINT"):
        if marker in words:
            return words[words.index(marker) + 1]
    return words[0]


def seed(generator, count: int, loaders: Iterable, chunk_size: int = 20_000,
         progress=print) -> tuple[list[Seeded], dict[str, float], int]:
    """Write `count` relations through every loader; answer a sample of them (to draw
    queries from), seconds spent per stage, and the number of search rows."""
    loaders = list(loaders)
    spent = {"generate": 0.0, **{type(loader).__name__: 0.0 for loader in loaders}}
    sample: list[Seeded] = []
    search_count = 0
    for start in range(0, count, chunk_size):
        started = time.perf_counter()
        chunk = [generator.relation(n) for n in range(start, min(count, start + chunk_size))]
        relations, search = rows_of(chunk)
        spent["generate"] += time.perf_counter() - started
        for loader in loaders:
            started = time.perf_counter()
            loader.load(relations, search)
            spent[type(loader).__name__] += time.perf_counter() - started
        sample += chunk[:: max(1, count // 5000)]
        search_count += len(search)
        progress(f"  seeded {start + len(chunk):,} relations, {search_count:,} search rows")
    return sample, {k: round(v, 1) for k, v in spent.items()}, search_count
