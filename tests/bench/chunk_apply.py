"""The relations service's chunk-apply command against one plain SQL UPDATE of the same rows.

    .venv/bin/python -m tests.bench.chunk_apply [--relations 100000] [--relations 1000000]
        [--path set-based|per-relation|both]

On PostgreSQL (127.0.0.1:$POSTGRES_PORT, default 5433; a database of its own, dropped
afterwards): seeds N persons set-based, then times
  * one `UPDATE relations SET fields = jsonb_set(...)` over all N rows (the floor), and
  * `relations.apply_field_changes` handled chunk by chunk (500 relations each) exactly as the
    consumer runs it: payload checked, one transaction per chunk with history, before-images,
    the (job, relation) keys and one outbox event per chunk: through the set-based path
    (services/relations/handlers/bulk_set_based.py), the per-relation one, or both (each on
    a database of its own, chunk by chunk in turn).
Prints relations per second and the ratio to the plain UPDATE; writes var/bench/chunk_apply.json.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from pathlib import Path
from unittest import mock

from sqlalchemy import text

from services.relations.handlers import bulk_set_based
from services.relations.messages import ApplyFieldChanges
from services.relations.plugin import plugin
from shared.config import Settings
from shared.permissions import staff_principal
from shared.runtime import bootstrap
from tests.support.postgres import database_url, fresh_databases

CHUNK = 500
# The job's principal, as the bulk service sends it (chunks check it again).
PRINCIPAL = staff_principal("bench", "superuser").to_dict()
RESULT = Path(__file__).resolve().parents[2] / "var" / "bench" / "chunk_apply.json"
CHANGES = {"newsletter": {"set": True}, "interests": {"add": ["sport"], "remove": ["music"]}}


def seed(runtime, count: int) -> None:
    """N persons with one multiple-choice value, written set-based (seeding is not measured)."""
    with runtime.database.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO field_definitions (key, label, type, options, required, applies_to, "
            "created_at, updated_at) VALUES "
            "('newsletter', 'Newsletter', 'checkbox', '[]', false, '[\"person\"]', now(), now()),"
            "('interests', 'Interests', 'multi_choice', :options, false, "
            "'[\"person\", \"organisation\"]', now(), now())"),
            {"options": json.dumps([{"key": "sport", "label": "Sport"},
                                    {"key": "music", "label": "Music"}])})
        connection.execute(text(
            "INSERT INTO relations (id, type, first_name, last_name, emails, phones, status, "
            "fields, tags, version, created_at, updated_at) "
            "SELECT gen_random_uuid()::text, 'person', 'Lid', 'Nummer ' || n, "
            "jsonb_build_array(jsonb_build_object('address', 'lid' || n || '@example.org', "
            "'label', null, 'primary', true)), '[]', 'active', "
            "'{\"interests\": [\"music\"]}', '[]', 1, now(), now() "
            "FROM generate_series(1, :count) AS n"), {"count": count})
        connection.execute(text("ANALYZE relations"))


def ids_of(runtime) -> list[str]:
    with runtime.database.engine.connect() as connection:
        return list(connection.execute(text("SELECT id FROM relations ORDER BY id")).scalars())


def plain_update(runtime) -> float:
    """The floor: one statement, the same rows, the same kind of change; rolled back. The
    median of three (the first warms the cache)."""
    times = []
    for _ in range(3):
        with runtime.database.engine.connect() as connection:
            transaction = connection.begin()
            started = time.perf_counter()
            connection.execute(text(
                "UPDATE relations SET fields = jsonb_set(fields, '{newsletter}', 'true'), "
                "version = version + 1"))
            times.append(time.perf_counter() - started)
            transaction.rollback()
    return sorted(times)[1]


def apply_chunk(runtime, job: str, ids: list[str], path: str) -> float:
    """One chunk through `path`, timed."""
    envelope = ApplyFieldChanges.envelope(
        {"job": job, "relation_ids": ids, "changes": CHANGES, "principal": PRINCIPAL},
        source="bench")
    with (nullcontext() if path == "set-based" else
          mock.patch.object(bulk_set_based, "fits", lambda _session, _plan: False)):
        started = time.perf_counter()
        outcomes = runtime.dispatch(envelope)
        elapsed = time.perf_counter() - started
    assert outcomes[0]["outcome"] == "changed", outcomes[0]
    return elapsed


@contextmanager
def database(count: int) -> Iterator:
    """A relations service on a database of its own, seeded with `count` persons."""
    with fresh_databases() as (prefix, create):
        create("relations")
        settings = Settings(database_url=database_url(prefix), principal_secret="bench" * 8)
        runtime = bootstrap(plugin, settings)
        try:
            seed(runtime, count)
            yield runtime
        finally:
            runtime.stop()


def run(count: int, paths: tuple[str, ...]) -> list[dict[str, float]]:
    """Each path on its database; chunk by chunk in turn, so a busy machine slows each
    path alike."""
    with ExitStack() as stack:
        runtimes = {path: stack.enter_context(database(count)) for path in paths}
        ids = {path: ids_of(runtime) for path, runtime in runtimes.items()}
        floors = {path: plain_update(runtime) for path, runtime in runtimes.items()}
        jobs = {path: str(uuid.uuid4()) for path in paths}
        spent = dict.fromkeys(paths, 0.0)
        for start in range(0, count, CHUNK):
            for path in paths:
                spent[path] += apply_chunk(runtimes[path], jobs[path],
                                           ids[path][start:start + CHUNK], path)
    return [{"relations": count, "path": path, "plain_update_s": round(floors[path], 3),
             "chunk_apply_s": round(spent[path], 3),
             "chunk_apply_per_s": round(count / spent[path]),
             "plain_update_per_s": round(count / floors[path]),
             "ratio": round(spent[path] / floors[path], 1)} for path in paths]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relations", type=int, action="append")
    parser.add_argument("--path", choices=("set-based", "per-relation", "both"),
                        default="set-based")
    arguments = parser.parse_args()
    paths = ("per-relation", "set-based") if arguments.path == "both" else (arguments.path,)
    results = []
    for count in arguments.relations or [100_000]:
        for result in run(count, paths):
            results.append(result)
            report(result)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(results, indent=2))


def report(result: dict[str, float]) -> None:
    print(f"{result['relations']:>9,} relations, {result['path']:>12}: plain UPDATE "
          f"{result['plain_update_s']:.2f} s "
          f"({result['plain_update_per_s']:,}/s); chunk apply {result['chunk_apply_s']:.1f} s "
          f"({result['chunk_apply_per_s']:,}/s); ratio {result['ratio']}x", flush=True)


if __name__ == "__main__":
    main()
