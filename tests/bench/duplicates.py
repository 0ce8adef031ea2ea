"""Duplicate detection at scale, on PostgreSQL.

    .venv/bin/python -m tests.bench.duplicates [--relations 100000] [--samples 1000]

Seeds N relations (COPY; realistic Dutch names, postcodes shared by about eight relations,
families in one house) of which a few percent are duplicates of another (same e-mail, same
phone, same name and birth date, or a typo in the name at the same address) into a database of
its own on 127.0.0.1:5433 (deploy/local/postgres.sh starts it if it is not running, and stops
it again only then), builds every relation's match keys and pairs with the service's own
`refresh_match_keys` (500 a transaction), then times, one relation at a time:
  * refresh_match_keys after a change of phone number (keys rewritten, candidates looked up
    and scored, pairs rewritten; the transaction is rolled back so every sample sees the same
    data),
  * refresh_match_keys when nothing it matches on changed (the common case of an edit),
  * GET /api/relations/relations/{id}/duplicates against the service's own HTTP app, in
    process (no network): half the samples have a duplicate, half are random,
  * GET /api/relations/duplicates, page by page (50 a page).
Prints median, p99 and max per measure and writes var/bench/duplicates.json (keyed by N).
Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import func, select

from services.relations.duplicates import refresh_match_keys
from services.relations.models import DuplicatePair, Relation
from shared.auth import PRINCIPAL_HEADER, PrincipalSigner
from shared.bus import Bus
from shared.config import Settings
from shared.http import create_app
from shared.permissions import staff_principal
from shared.plugins import service_plugins
from shared.runtime import bootstrap
from tests.bench.duplicates_data import RELATION_COLUMNS, generate

REPO_ROOT = Path(__file__).resolve().parents[2]
POSTGRES_SH = REPO_ROOT / "deploy" / "local" / "postgres.sh"
POSTGRES_PORT = os.environ.get("POSTGRES_PORT", "5433")
SERVER = f"postgresql://postgres@127.0.0.1:{POSTGRES_PORT}"
RESULT = REPO_ROOT / "var" / "bench" / "duplicates.json"
BUILD_CHUNK = 500
PAGE = 50
WARM_UP = 20
SECRET = "duplicates-bench-secret-" + "d" * 20


@contextmanager
def postgres_server() -> Iterator[None]:
    """PostgreSQL on 127.0.0.1:5433; stopped afterwards only if this run started it."""
    running = subprocess.run([POSTGRES_SH, "status"], capture_output=True).returncode == 0
    if not running:
        subprocess.run([POSTGRES_SH, "start"], check=True)
    try:
        yield
    finally:
        if not running:
            subprocess.run([POSTGRES_SH, "stop"], check=False)


@contextmanager
def scratch_database() -> Iterator[str]:
    """A database of our own, dropped afterwards (others may be using the same server)."""
    name = f"bench_duplicates_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(url: str, rows: list[tuple]) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        with connection.cursor() as cursor, cursor.copy(
                f"COPY relations ({', '.join(RELATION_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        connection.execute("VACUUM ANALYZE relations")


def build(runtime, ids: list[str]) -> float:
    """Every relation's keys and pairs, BUILD_CHUNK a transaction; answers seconds spent."""
    started = time.perf_counter()
    for start in range(0, len(ids), BUILD_CHUNK):
        with runtime.database.session_factory() as session, session.begin():
            chunk = session.scalars(select(Relation).where(
                Relation.id.in_(ids[start:start + BUILD_CHUNK]))).all()
            refresh_match_keys(session, chunk, force=True)
        if start and start % 20_000 == 0:
            print(f"  {start:,} relations matched", flush=True)
    spent = time.perf_counter() - started
    with psycopg.connect(runtime.database.url.replace("+psycopg", ""),
                         autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE relation_match_keys")
        connection.execute("VACUUM ANALYZE duplicate_pairs")
    return spent


def time_refresh(runtime, ids: list[str], change: Callable[[Relation, int], None]) -> list[float]:
    """refresh_match_keys for one relation at a time after `change`, rolled back after."""
    times = []
    for n, relation_id in enumerate(ids):
        with runtime.database.session_factory() as session:
            relation = session.get(Relation, relation_id)
            change(relation, n)
            session.flush()
            started = time.perf_counter()
            refresh_match_keys(session, [relation])
            times.append(time.perf_counter() - started)
            session.rollback()
    return times[WARM_UP:]


def new_phone(relation: Relation, n: int) -> None:
    relation.phones = [{"number": f"+3162{n:07d}", "label": None, "primary": True}]


def same_keys(relation: Relation, n: int) -> None:
    relation.custom_fields = {"bench": n}


def time_reads(app, ids: list[str]) -> tuple[list[float], int]:
    """GET .../duplicates per relation; answers the times and how many candidates were found."""
    client, headers = app.test_client(), _headers()
    times, found = [], 0
    for relation_id in ids:
        started = time.perf_counter()
        response = client.get(f"/api/relations/relations/{relation_id}/duplicates",
                              headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.get_json()
        found += len(response.get_json()["items"])
    return times[WARM_UP:], found


def time_pages(app, pages: int) -> list[float]:
    client, headers, cursor, times = app.test_client(), _headers(), None, []
    client.get("/api/relations/duplicates", headers=headers)  # warm-up
    for _ in range(pages):
        query = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
        started = time.perf_counter()
        response = client.get("/api/relations/duplicates", query_string=query, headers=headers)
        times.append(time.perf_counter() - started)
        cursor = response.get_json()["next_cursor"]
        if not cursor:
            break
    return times


def _headers() -> dict[str, str]:
    principal = staff_principal("bench", "viewer")
    return {PRINCIPAL_HEADER: PrincipalSigner(SECRET).sign(principal)}


def summarise(seconds: list[float]) -> dict[str, float]:
    ms = sorted(value * 1000 for value in seconds)
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 2),
            "p99_ms": round(cuts[98], 2), "max_ms": round(ms[-1], 2)}


def run(count: int, samples: int) -> dict:
    data = generate(count, seed=count)
    with scratch_database() as name, tempfile.TemporaryDirectory(prefix="cardbox-bench-") as tmp:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{POSTGRES_PORT}/{name}"
        settings = Settings(var_dir=Path(tmp), database_url=url, principal_secret=SECRET)
        (plugin,) = service_plugins(["relations"])
        runtime = bootstrap(plugin, settings, bus=Bus("memory://localhost/"), declare=False)
        print(f"seeding {count:,} relations ({len(data.duplicated) // 2:,} duplicates)", flush=True)
        seed(f"{SERVER}/{name}", data.rows)
        print("matching every relation (refresh_match_keys, 500 a transaction)", flush=True)
        build_seconds = build(runtime, sorted(data.ids))
        with runtime.database.session_factory() as session:
            pairs = session.scalar(select(func.count()).select_from(DuplicatePair))
            scored = session.scalar(select(func.count()).select_from(DuplicatePair)
                                    .where(DuplicatePair.score.is_not(None)))
        sample = data.sample(samples + WARM_UP)
        print(f"timing {samples} relations one at a time", flush=True)
        app = create_app(runtime)
        reads, found = time_reads(app, sample)
        results = {
            "relations": count, "duplicates_seeded": len(data.duplicated) // 2, "pairs": pairs,
            "scored_pairs": scored,
            "build_seconds": round(build_seconds, 1),
            "build_relations_per_second": round(count / build_seconds),
            "refresh_changed": summarise(time_refresh(runtime, sample, new_phone)),
            "refresh_unchanged": summarise(time_refresh(runtime, sample, same_keys)),
            "duplicates_read": summarise(reads),
            "candidates_per_read": round(found / len(sample), 2),
            "pair_list_page": summarise(time_pages(app, 200)),
        }
        runtime.stop()
    return results


def report(results: dict) -> None:
    print(f"\nduplicates, {results['relations']:,} relations "
          f"({results['duplicates_seeded']:,} seeded duplicates, {results['pairs']:,} pairs, "
          f"{results['scored_pairs']:,} scored by the default rules); "
          f"initial matching {results['build_seconds']} s "
          f"({results['build_relations_per_second']:,} relations/s); in ms:")
    print(f"{'measure':<34}{'n':>6}{'median':>9}{'p99':>9}{'max':>9}")
    for key, label in (("refresh_changed", "refresh_match_keys, keys changed"),
                       ("refresh_unchanged", "refresh_match_keys, keys the same"),
                       ("duplicates_read", "GET relations/{id}/duplicates"),
                       ("pair_list_page", f"GET duplicates, page of {PAGE}")):
        row = results[key]
        print(f"{label:<34}{row['n']:>6}{row['median_ms']:>9.2f}{row['p99_ms']:>9.2f}"
              f"{row['max_ms']:>9.2f}")


def save(results: dict) -> None:
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    saved = json.loads(RESULT.read_text()) if RESULT.exists() else {}
    runs = saved.get("runs", {})
    runs[str(results["relations"])] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), **results}
    RESULT.write_text(json.dumps({"benchmark": "duplicate detection", "cpus": os.cpu_count(),
                                  "runs": runs}, indent=2) + "\n")
    print(f"written to {RESULT}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.duplicates")
    parser.add_argument("--relations", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=1000)
    args = parser.parse_args(argv)
    with postgres_server():
        results = run(args.relations, args.samples)
    report(results)
    save(results)


if __name__ == "__main__":
    main()
