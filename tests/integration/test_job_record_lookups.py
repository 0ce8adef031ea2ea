"""A bulk chunk looks up its relations' (job, relation) records; the job may be one the
planner's statistics have not seen yet (it grew since the last ANALYZE: a second big job, an
undo). PostgreSQL then estimates the job at one row, and wherever an index led by the job
was at hand it scanned all of the job's records, with the chunk's relations as a filter, on
every chunk. These tables are keyed relation first (shared.db.relation_then_job_key), so the
lookup can only probe the key."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from shared.db import make_engine
from shared.migrations import upgrade
from shared.plugins import service_plugins
from tests.support.postgres import database_url, fresh_databases

# service: (table, the values of its other required columns)
RECORDS = {
    "relations": ("bulk_applications", {"outcome": "'{}'::jsonb", "applied_at": "now()"}),
    "selections": ("group_bulk_applications",
                   {"group_id": "'g'", "outcome": "'{}'::jsonb", "applied_at": "now()"}),
    "accounts": ("account_bulk_applications",
                 {"operation": "'create_accounts'", "outcome": "'{}'::jsonb",
                  "applied_at": "now()"}),
    "bulk": ("bulk_outcomes", {"seq": "n", "outcome": "'changed'", "done_at": "now()"}),
}


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


@pytest.mark.parametrize("service", sorted(RECORDS))
def test_a_chunk_probes_its_records_even_for_a_job_the_statistics_have_not_seen(service):
    table, others = RECORDS[service]
    with fresh_databases() as (prefix, create):
        create(service)
        engine = make_engine(database_url(prefix).format(service=service))
        (plugin,) = service_plugins([service])
        upgrade(plugin.migrations, engine)
        with engine.begin() as connection:
            connection.execute(text(
                f"INSERT INTO {table} (job_id, relation_id, {', '.join(others)}) "
                f"SELECT 'seen', 'r' || n, {', '.join(others.values())} "
                "FROM generate_series(1, 20000) AS n"))
            connection.execute(text(f"ANALYZE {table}"))
            (plan,) = connection.execute(text(
                f"EXPLAIN (FORMAT JSON) SELECT * FROM {table} WHERE job_id = 'unseen' AND "
                "relation_id = ANY(ARRAY(SELECT jsonb_array_elements_text(CAST(:ids AS jsonb))))"
            ), {"ids": json.dumps([f"r{n}" for n in range(1, 2001)])}).scalar()
        engine.dispose()
    scans = [node for node in _nodes(plan["Plan"]) if node.get("Relation Name") == table]
    assert len(scans) == 1, plan
    assert "relation_id" in scans[0].get("Index Cond", ""), scans[0]
    assert "Filter" not in scans[0], scans[0]
