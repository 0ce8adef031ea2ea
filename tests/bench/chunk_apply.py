"""The relations service's chunk-apply command against one plain SQL UPDATE of the same rows.

    .venv/bin/python -m tests.bench.chunk_apply [--relations 100000] [--relations 1000000]

On PostgreSQL (127.0.0.1:5433, a database of its own, dropped afterwards): seeds N persons
set-based, then times
  * one `UPDATE relations SET fields = jsonb_set(...)` over all N rows (the floor), and
  * `relations.apply_field_changes` handled chunk by chunk (500 relations each) exactly as the
    consumer runs it: payload checked, one transaction per chunk with history, before-images,
    the (job, relation) keys and one outbox event per chunk.
Prints relations per second and the ratio to the plain UPDATE; writes var/bench/chunk_apply.json.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path

import psycopg
from sqlalchemy import text

from services.relations.messages import ApplyFieldChanges
from services.relations.plugin import plugin
from shared.config import Settings
from shared.runtime import bootstrap

CHUNK = 500
ADMIN = "postgresql://postgres@127.0.0.1:5433/postgres"
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
    """The floor: one statement, the same rows, the same kind of change; rolled back."""
    with runtime.database.engine.connect() as connection:
        transaction = connection.begin()
        started = time.perf_counter()
        connection.execute(text(
            "UPDATE relations SET fields = jsonb_set(fields, '{newsletter}', 'true'), "
            "version = version + 1"))
        elapsed = time.perf_counter() - started
        transaction.rollback()
    return elapsed


def chunked_apply(runtime, ids: list[str]) -> float:
    job = str(uuid.uuid4())
    started = time.perf_counter()
    for start in range(0, len(ids), CHUNK):
        envelope = ApplyFieldChanges.envelope(
            {"job": job, "relation_ids": ids[start:start + CHUNK], "changes": CHANGES},
            source="bench")
        outcomes = runtime.dispatch(envelope)
        assert outcomes[0]["outcome"] == "changed", outcomes[0]
    return time.perf_counter() - started


def run(count: int) -> dict[str, float]:
    prefix = f"bench_chunk_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{prefix}_relations"')
    settings = Settings(
        database_url=f"postgresql+psycopg://postgres@127.0.0.1:5433/{prefix}_{{service}}",
        principal_secret="bench" * 8)
    runtime = bootstrap(plugin, settings)
    try:
        seed(runtime, count)
        ids = ids_of(runtime)
        floor = plain_update(runtime)
        chunks = chunked_apply(runtime, ids)
    finally:
        runtime.stop()
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{prefix}_relations" WITH (FORCE)')
    return {"relations": count, "plain_update_s": round(floor, 3),
            "chunk_apply_s": round(chunks, 3),
            "chunk_apply_per_s": round(count / chunks),
            "plain_update_per_s": round(count / floor),
            "ratio": round(chunks / floor, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relations", type=int, action="append")
    counts = parser.parse_args().relations or [100_000]
    results = []
    for count in counts:
        result = run(count)
        results.append(result)
        print(f"{count:>9,} relations: plain UPDATE {result['plain_update_s']:.2f} s "
              f"({result['plain_update_per_s']:,}/s); chunk apply {result['chunk_apply_s']:.1f} s "
              f"({result['chunk_apply_per_s']:,}/s); ratio {result['ratio']}x", flush=True)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
