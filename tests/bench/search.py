"""Search latency at scale, on PostgreSQL and on SQLite (embedded mode) for comparison.

    .venv/bin/python -m tests.bench.search [--relations 100000 [--relations 1000000]]
                                          [--queries-per-kind 50] [--no-sqlite]

Seeds N realistic relations (COPY / executemany, search rows built by the service's own
normalisation) into a fresh PostgreSQL database on 127.0.0.1:5433 (started by
deploy/local/postgres.sh if it is not running, and stopped again only then) and a fresh SQLite
file, then times GET /api/relations/search?q=...&limit=20 against the relations service's own
HTTP app (the Flask app its gunicorn serves, called in-process: no network), one query at a
time, after a warm-up with other queries: name prefixes, two-character prefixes, name
fragments, full names, e-mail and phone fragments; and the next page where there is one.
Prints median, p95, p99 and max per database and per kind of query, and writes them
to var/bench/search.json (keyed by N, so the 100,000 and 1,000,000 runs sit side by side).
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
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from shared.auth import PRINCIPAL_HEADER, PrincipalSigner
from shared.bus import Bus
from shared.config import Settings
from shared.http import create_app
from shared.permissions import staff_principal
from shared.plugins import service_plugins
from shared.runtime import bootstrap
from tests.bench.search_data import QUERY_KINDS, Generator
from tests.bench.search_seed import PostgresLoader, SqliteLoader, finish_all, seed

REPO_ROOT = Path(__file__).resolve().parents[2]
POSTGRES_SH = REPO_ROOT / "deploy" / "local" / "postgres.sh"
POSTGRES_PORT = os.environ.get("POSTGRES_PORT", "5433")
SERVER = f"postgresql://postgres@127.0.0.1:{POSTGRES_PORT}"
RESULT = REPO_ROOT / "var" / "bench" / "search.json"
PAGE = 20
# Warm-up queries per kind, not counted: other queries than the measured ones (drawn with
# another seed), so they warm what any search touches, not the answers being timed.
WARM_UP = 20
SECRET = "search-bench-secret-" + "s" * 20
SEED = 20261123


@contextmanager
def postgres_server() -> Iterator[None]:
    """PostgreSQL on 127.0.0.1:5433: one that answers is used as it is (another run may own
    it); otherwise deploy/local/postgres.sh starts one, and stops it again afterwards."""
    if _answers():
        yield
        return
    subprocess.run([POSTGRES_SH, "start"], check=True)
    try:
        yield
    finally:
        subprocess.run([POSTGRES_SH, "stop"], check=False)


def _answers() -> bool:
    try:
        psycopg.connect(f"{SERVER}/postgres", connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


@contextmanager
def scratch_database() -> Iterator[str]:
    """A database of our own, dropped afterwards (others may be using the same server)."""
    name = f"bench_search_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def service(database_url: str, var_dir: Path):
    """The relations service's runtime (schema by its own migrations) and its HTTP app."""
    settings = Settings(var_dir=var_dir, database_url=database_url, principal_secret=SECRET)
    (plugin,) = service_plugins(["relations"])
    runtime = bootstrap(plugin, settings, bus=Bus("memory://localhost/"), declare=False)
    return runtime, create_app(runtime)


def measure(app, queries: list[tuple[str, str]], warm_up: list[tuple[str, str]]) -> dict:
    """Each query once, one page of PAGE; the second page too when there is one."""
    client = app.test_client()
    signer = PrincipalSigner(SECRET)
    principal = staff_principal("bench", "viewer")
    times: dict[str, list[float]] = defaultdict(list)
    hits: list[int] = []

    def get(params: dict) -> tuple[float, dict]:
        headers = {PRINCIPAL_HEADER: signer.sign(principal)}
        started = time.perf_counter()
        response = client.get("/api/relations/search", query_string=params, headers=headers)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (params, response.get_json())
        return elapsed, response.get_json()

    for _kind, q in warm_up:
        get({"q": q, "limit": PAGE})
    slowest: list[tuple[float, str, str]] = []
    for kind, q in queries:
        elapsed, page = get({"q": q, "limit": PAGE})
        times[kind].append(elapsed)
        times["all"].append(elapsed)
        slowest = sorted([*slowest, (round(elapsed * 1000, 1), kind, q)], reverse=True)[:5]
        hits.append(len(page["items"]))
        if page["next_cursor"]:
            elapsed, _ = get({"q": q, "limit": PAGE, "cursor": page["next_cursor"]})
            times["next_page"].append(elapsed)
    summary = {kind: summarise(values) for kind, values in times.items()}
    summary["all"]["mean_hits"] = round(statistics.mean(hits), 1)
    summary["all"]["empty"] = sum(1 for n in hits if n == 0)
    summary["slowest"] = [{"ms": ms, "kind": kind, "q": q} for ms, kind, q in slowest]
    return summary


def summarise(seconds: list[float]) -> dict[str, float]:
    ms = sorted(value * 1000 for value in seconds)
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return {"queries": len(ms), "median_ms": round(statistics.median(ms), 2),
            "p95_ms": round(cuts[94], 2), "p99_ms": round(cuts[98], 2),
            "max_ms": round(ms[-1], 2)}


def run(count: int, per_kind: int, with_sqlite: bool) -> dict:
    """Seed `count` relations into each database, then time the queries against each."""
    with ExitStack() as stack:
        name = stack.enter_context(scratch_database())
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cardbox-bench-")))
        urls = {"postgresql": f"postgresql+psycopg://postgres@127.0.0.1:{POSTGRES_PORT}/{name}"}
        loaders = [PostgresLoader(f"{SERVER}/{name}")]
        if with_sqlite:
            urls["sqlite"] = f"sqlite:///{tmp}/relations.db"
            loaders.append(SqliteLoader(f"{tmp}/relations.db"))
        apps = {}
        for database, url in urls.items():
            runtime, apps[database] = service(url, tmp)  # migrates: the product's own schema
            stack.callback(runtime.stop)
        results = {"relations": count, "page_size": PAGE, **load(count, loaders)}
        sample = results.pop("sample")
        queries = Generator(seed=SEED).queries(sample, per_kind)
        warm_up = Generator(seed=SEED + 1).queries(sample, WARM_UP)
        results["databases"] = {}
        for database, app in apps.items():
            print(f"searching {database}: {len(queries)} queries", flush=True)
            results["databases"][database] = measure(app, queries, warm_up)
        results["examples"] = {kind: [q for k, q in queries if k == kind][:5]
                               for kind in QUERY_KINDS}
    return results


def load(count: int, loaders: list) -> dict:
    """Seed through every loader and rebuild the indexes; the figures, and a sample."""
    print(f"seeding {count:,} relations", flush=True)
    with ExitStack() as stack:
        for loader in loaders:
            stack.enter_context(loader)
        started = time.perf_counter()
        sample, load_seconds, search_rows = seed(
            count, SEED, loaders, progress=lambda line: print(line, flush=True))
        seeded = time.perf_counter()
        print("  building the indexes", flush=True)
        indexes = finish_all(loaders)
    return {"search_rows": search_rows, "seed_seconds": round(seeded - started, 1),
            "load_seconds": load_seconds,
            "index_seconds": round(time.perf_counter() - seeded, 1), "indexes": indexes,
            "sample": sample}


def report(results: dict) -> None:
    print(f"\nsearch latency, {results['relations']:,} relations "
          f"({results['search_rows']:,} search rows), page of {PAGE}, in ms:")
    print(f"{'database':<12}{'queries':<16}{'n':>5}{'median':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    for database, summary in results["databases"].items():
        for kind in ("all", *QUERY_KINDS, "next_page"):
            row = summary.get(kind)
            if row:
                print(f"{database:<12}{kind:<16}{row['queries']:>5}{row['median_ms']:>9.1f}"
                      f"{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['max_ms']:>9.1f}")


def save(results: dict) -> None:
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    saved = json.loads(RESULT.read_text()) if RESULT.exists() else {}
    runs = saved.get("runs", {})
    runs[str(results["relations"])] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), **results}
    RESULT.write_text(json.dumps({"benchmark": "GET /api/relations/search latency",
                                  "cpus": os.cpu_count(), "runs": runs}, indent=2) + "\n")
    print(f"written to {RESULT}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.search")
    parser.add_argument("--relations", type=int, action="append",
                        help="repeat for several sizes; default: 100000")
    parser.add_argument("--queries-per-kind", type=int, default=50,
                        help=f"queries of each of the {len(QUERY_KINDS)} kinds")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args(argv)
    for count in args.relations or [100_000]:
        started = time.perf_counter()
        with postgres_server():
            results = run(count, args.queries_per_kind, not args.no_sqlite)
        results["total_seconds"] = round(time.perf_counter() - started, 1)
        report(results)
        save(results)


if __name__ == "__main__":
    main()
