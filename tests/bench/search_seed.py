"""Fast seeding for the search benchmark: relations and their search rows (built by the
service's own `search_rows`) go in by COPY (PostgreSQL) or executemany (SQLite), with the
tables' indexes (and SQLite's FTS5 triggers) dropped first and rebuilt after from the
definitions the migrations left in the database."""

from __future__ import annotations

import json
import multiprocessing
import queue
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg

from services.relations.models.search import SEARCH_FIELDS, fts_table
from services.relations.search import search_rows
from tests.bench.search_data import Generator, Seeded

TABLES = ("relations", "relation_search")
RELATION_COLUMNS = ("id", "type", "initials", "first_name", "infix", "last_name",
                    "organisation_name", "birth_date", "emails", "phones", "address", "status",
                    "fields", "tags", "version", "created_at", "updated_at")
SEARCH_COLUMNS = ("relation_id", "field", "term", "sort_key", "archived", "whole")
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
WORKERS = 2


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
        # Loaded from one thread, finished from another.
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.recreate: list[str] = []
        self.triggers: list[str] = []

    def __enter__(self) -> SqliteLoader:
        """Drop the secondary indexes and the triggers that feed the FTS5 tables."""
        c = self.connection
        c.execute("PRAGMA synchronous = OFF")
        c.execute("PRAGMA cache_size = -1000000")
        placeholders = ", ".join("?" for _ in TABLES)
        for kind, name, sql in c.execute(
                f"SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                f"AND sql IS NOT NULL AND tbl_name IN ({placeholders})", TABLES).fetchall():
            c.execute(f'DROP {kind.upper()} "{name}"')
            (self.recreate if kind == "index" else self.triggers).append(sql)
        return self

    def load(self, relations: list[tuple], search: list[tuple]) -> None:
        c = self.connection
        c.execute("BEGIN")
        c.executemany(f"INSERT INTO relations ({', '.join(RELATION_COLUMNS)}) "
                      f"VALUES ({', '.join('?' for _ in RELATION_COLUMNS)})",
                      (_sqlite_values(row) for row in relations))
        c.executemany(f"INSERT INTO relation_search ({', '.join(SEARCH_COLUMNS)}) "
                      f"VALUES ({', '.join('?' for _ in SEARCH_COLUMNS)})", search)
        c.execute("COMMIT")

    def finish(self) -> dict[str, float]:
        """Rebuild the indexes, fill each field's FTS5 table as its trigger would have, put
        the triggers back, ANALYZE."""
        fills = [f"INSERT INTO {fts_table(field)}(rowid, term) "
                 f"SELECT id, term FROM relation_search WHERE field = {field}"
                 for field in range(len(SEARCH_FIELDS))]
        timings = {}
        for statement in [*self.recreate, *fills]:
            started = time.perf_counter()
            self.connection.execute(statement)
            timings[_index_name(statement)] = round(time.perf_counter() - started, 1)
        for statement in self.triggers:
            self.connection.execute(statement)
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
    words = statement.replace('"', "").replace("(", " ").split()
    for marker in ("INDEX", "CONSTRAINT", "INTO"):
        if marker in words:
            return words[words.index(marker) + 1]
    return words[0]


def generate_chunk(job: tuple[int, int, int, int]) -> tuple[list, list, list[Seeded]]:
    """One chunk of relations, its rows and search rows, and a sample of it (in a worker
    process: the same seed and chunk give the same relations whichever worker runs it)."""
    seed_, start, stop, sample_every = job
    generator = Generator(seed=seed_ * 1_000_003 + start)
    chunk = [generator.relation(n) for n in range(start, stop)]
    relations, search = rows_of(chunk)
    return relations, search, chunk[::sample_every]


class _Feeder(threading.Thread):
    """A loader fed chunk by chunk from its own thread, so the databases load side by side."""

    def __init__(self, loader):
        super().__init__(daemon=True)
        self.loader, self.queue, self.seconds = loader, queue.Queue(maxsize=2), 0.0
        self.error: BaseException | None = None

    def run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is None:
                started = time.perf_counter()
                try:
                    self.loader.load(*item)
                except BaseException as exc:  # reported by the main thread
                    self.error = exc
                self.seconds += time.perf_counter() - started


def seed(count: int, seed_: int, loaders: list, chunk_size: int = 20_000,
         progress=print) -> tuple[list[Seeded], dict[str, float], int]:
    """Write `count` relations through every loader (generated by two worker processes, each
    database loaded by its own thread); answer a sample of the relations (to draw queries
    from), seconds spent per loader, and the number of search rows."""
    jobs = [(seed_, start, min(count, start + chunk_size), max(1, count // 5000))
            for start in range(0, count, chunk_size)]
    sample: list[Seeded] = []
    rows = 0
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        feeders = [_Feeder(loader) for loader in loaders]
        for feeder in feeders:
            feeder.start()
        for done, (relations, search, part) in enumerate(pool.imap(generate_chunk, jobs), 1):
            for feeder in feeders:
                feeder.queue.put((relations, search))
            sample += part
            rows += len(search)
            if done % max(1, len(jobs) // 5) == 0 or done == len(jobs):
                progress(f"  generated {min(count, done * chunk_size):,} relations, "
                         f"{rows:,} search rows")
        for feeder in feeders:
            feeder.queue.put(None)
            feeder.join()
            if feeder.error:
                raise feeder.error
    return sample, {type(f.loader).__name__: round(f.seconds, 1) for f in feeders}, rows


def finish_all(loaders: list) -> dict[str, dict[str, float]]:
    """Every loader's finish() (index builds) side by side: they run in the database engines,
    so two of them use both cores."""
    results: dict[str, dict[str, float]] = {}
    with ThreadPoolExecutor(len(loaders)) as executor:
        futures = {type(loader).__name__: executor.submit(loader.finish) for loader in loaders}
        for name, future in futures.items():
            results[name] = future.result()
    return results
