"""Engines, sessions and the unit of work of one service's own database."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    JSON,
    Engine,
    PrimaryKeyConstraint,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, sessionmaker

from shared import jsontext
from shared.config import Settings
from shared.messages import Envelope, Event

# JSON that PostgreSQL can index and SQLite can store.
JSONType = JSON().with_variant(JSONB(), "postgresql")
# JSON columns hold relation states and before-images by the hundred a chunk (shared.jsontext).
JSON_CODEC = {"json_serializer": jsontext.dumps, "json_deserializer": jsontext.loads}
# Execution option of a long read (a streamed export): on SQLite it takes no write lock.
READ_ONLY = "cardbox_read_only"


def one_of(session: Session, column: Any, values: list[str]) -> Any:
    """`column IN values` for a chunk's thousands of keys. On PostgreSQL as `column =
    ANY(ARRAY(SELECT … FROM one JSON parameter))`, probed key by key: a list of thousands of
    parameters was planned as a bitmap scan and took three times as long (60 ms for 2,000
    relations' versions)."""
    if session.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    keys = select(func.jsonb_array_elements_text(bindparam(None, list(values), type_=JSONB)))
    return column == any_(func.array(keys.scalar_subquery()))


def relation_then_job_key(table: str) -> PrimaryKeyConstraint:
    """The primary key of a table of (job, relation) records, relation first. A bulk chunk
    looks up its relations within the job; a job the planner's statistics have not seen yet
    (it grew since the last ANALYZE) is estimated at one row, and a key led by the job was
    then scanned for all of that job's records with the relations as a filter, on every
    chunk: quadratic in the job's size. Led by the relation, the key is only ever probed."""
    return PrimaryKeyConstraint("relation_id", "job_id", name=f"{table}_pkey")


def applied_outcomes(session: Session, records: Any, job: str,
                     relation_ids: list[str]) -> dict[str, Any]:
    """The outcome each of these relations has in a table of (job, relation) records for this
    job (those a chunk applied already, answered again on a redelivery), by relation."""
    return dict(session.execute(select(records.relation_id, records.outcome).where(
        records.job_id == job, one_of(session, records.relation_id, relation_ids))).all())


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine tuned for its dialect: WAL and immediate write locks on SQLite."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               **JSON_CODEC)
        _sqlite_pragmas(engine)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                         **JSON_CODEC)


def _sqlite_pragmas(engine: Engine) -> None:
    # pysqlite's own transaction handling starts transactions late and deferred; a deferred
    # transaction that reads then writes fails at once with "database is locked" instead of
    # waiting. Take the write lock up front so concurrent writers queue on the busy timeout.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A read-only transaction stays deferred: in WAL mode it reads a snapshot and blocks
        # no writer, however long a client takes to download what it reads.
        deferred = connection.get_execution_options().get(READ_ONLY)
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in the session's transaction: COPY on PostgreSQL (a bulk chunk writes
    thousands of history rows), Core's executemany elsewhere."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    _copy(session, table.name, table, list(rows[0]), rows)


def update_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Update many rows by primary key (each row: the key's columns and the new values, the
    same columns in every row). On PostgreSQL: the rows as one JSON document, one UPDATE ...
    FROM jsonb_to_recordset (row by row, a prepared statement's generic plan may not use the
    key's index; a scratch table costs a write and a delete of every row)."""
    if not rows:
        return
    keys = [column.name for column in table.primary_key.columns]
    columns = [name for name in rows[0] if name not in keys]
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        statement = (update(table).where(*(table.c[key] == bindparam(f"_{key}") for key in keys))
                     .values({name: bindparam(f"_{name}") for name in columns}))
        session.execute(statement, [{f"_{name}": value for name, value in row.items()}
                                    for row in rows])
        return
    assignments = ", ".join(f"{name} = w.{name}" for name in columns)
    matched = " AND ".join(f"t.{key} = w.{key}" for key in keys)
    session.execute(text(f"UPDATE {table.name} AS t SET {assignments} "
                         f"FROM {json_recordset(table, [*keys, *columns], dialect)} "
                         f"WHERE {matched}"), {"rows": jsontext.dumps(rows)})


def json_recordset(table: Table, columns: list[str], dialect: Any) -> str:
    """PostgreSQL: the rows of the `:rows` parameter (a JSON array, shared.jsontext) as a
    relation `w` with `table`'s types for these columns, to write from in one statement."""
    shape = ", ".join(f"{name} {table.c[name].type.compile(dialect=dialect)}"
                      for name in columns)
    return f"jsonb_to_recordset(CAST(:rows AS jsonb)) AS w({shape})"


def copy_to_scratch(session: Session, table: Table, columns: list[str],
                    rows: list[dict[str, Any]]) -> str:
    """PostgreSQL only: COPY the rows into a temporary table shaped like `table`'s `columns`
    and answer its name, to write from in one statement (then DELETE FROM it)."""
    scratch = f"{table.name}_writes_{zlib.crc32(' '.join(columns).encode()):x}"
    # One per connection and column set, with the types but none of the constraints; made
    # once, so a chunk adds no catalog churn.
    session.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {scratch} ON COMMIT DELETE ROWS "
                         f"AS SELECT {', '.join(columns)} FROM {table.name} WITH NO DATA"))
    _copy(session, scratch, table, columns, rows)
    return scratch


def _copy(session: Session, target: str, table: Table, columns: list[str],
          rows: list[dict[str, Any]]) -> None:
    as_json = {name for name in columns if isinstance(table.c[name].type, JSON)}
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(
            f"COPY {target} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([jsontext.dumps(row[name]) if name in as_json and row[name] is not None
                            else row[name] for name in columns])


def ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


class UnitOfWork:
    """One database transaction; events emitted in it commit with it (the outbox).

    Re-entrant: a handler's `with uow:` inside the consumer's (which also records the inbox
    row) joins the outer transaction, and only the outermost commit commits.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        service: str,
        on_commit: Callable[[], None] = lambda: None,
        settings: Settings | None = None,
    ):
        self._session_factory = session_factory
        self.service = service
        # The running service's settings, for code below the views and handlers; the
        # defaults for a unit of work made without a runtime.
        self.settings = settings or Settings()
        self._on_commit = on_commit
        self._depth = 0
        self._emitted = False
        self.session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        if self._depth == 0:
            self.session = self._session_factory()
            self._emitted = False
        self._depth += 1
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._depth -= 1
        if self._depth == 0:
            try:
                self.session.rollback()
            finally:
                self.session.close()
                self.session = None

    def emit(self, event_type: Event, payload: dict[str, Any], *, aggregate_id: str) -> Envelope:
        """Queue an event for publication once (and only if) this transaction commits."""
        from shared.outbox import add_to_outbox

        envelope = event_type.envelope(payload, source=self.service)
        add_to_outbox(self.session, envelope, aggregate_id=aggregate_id)
        self._emitted = True
        return envelope

    def commit(self) -> None:
        if self._depth > 1:
            self.session.flush()
            return
        self.session.commit()
        if self._emitted:
            self._emitted = False
            self._on_commit()

    def rollback(self) -> None:
        self.session.rollback()


class Database:
    """A service's engine and session factory, built once by its bootstrap."""

    def __init__(self, url: str, service: str):
        self.url = url
        self.service = service
        self.engine = make_engine(url)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        self.outbox_ready = threading.Event()

    def unit_of_work(self, uow_class: type[UnitOfWork] = UnitOfWork,
                     settings: Settings | None = None) -> UnitOfWork:
        return uow_class(self.session_factory, self.service, on_commit=self.outbox_ready.set,
                         settings=settings)

    def ping(self) -> None:
        ping(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
