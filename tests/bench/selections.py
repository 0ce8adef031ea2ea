"""Groups and the read model of the selections service at scale, on PostgreSQL.

    .venv/bin/python -m tests.bench.selections [--relations 100000] [--relations 1000000]
                                              [--load-seconds 20] [--threads 8]

Seeds N persons into the read model of a fresh database (COPY; rows made by the projection's
own functions) on 127.0.0.1:$POSTGRES_PORT (default 5433; must be running), then, through the
selections HTTP app (the Flask app gunicorn serves, called in-process):
  * creates three dynamic groups (city, age, interest), timing each create with its full
    evaluation, and two composite groups of the three (intersection, union);
  * the count of a dynamic and of each composite group (GET .../members?limit=1), median of 10,
    beside the same filter counted on the fly (POST /filters/count);
  * the groups of one relation (GET /relations/{id}/groups) from `--threads` threads for
    `--load-seconds`: median, p99, requests per second;
  * the read model absorbing a 100,000-relation bulk change (RelationsBatchUpdated events of
    500 entries dispatched as the consumer does), without and with the groups present, against
    one plain UPDATE of the same rows (rolled back).
Writes var/bench/selections.json. Figures, not pass/fail; a part whose endpoint is missing is
reported as unavailable.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from services.relations.messages import RelationsBatchUpdated
from shared.auth import PRINCIPAL_HEADER, PrincipalSigner
from shared.bus import Bus
from shared.config import Settings
from shared.http import create_app
from shared.permissions import staff_principal
from shared.plugins import service_plugins
from shared.runtime import bootstrap
from tests.bench.selections_seed import CITIES, seed
from tests.support.postgres import database_url, fresh_databases

REPO_ROOT = Path(__file__).resolve().parents[2]
RESULT = REPO_ROOT / "var" / "bench" / "selections.json"
SECRET = "selections-bench-secret-" + "s" * 20
CHANGED, EVENT_ENTRIES = 100_000, 500
DYNAMIC = {
    "city": {"field": "city", "op": "in", "value": ["Amsterdam", "Rotterdam", "Utrecht",
                                                    "Den Haag"]},
    "age": {"age": {"op": "gte", "value": 40}},
    "sport": {"field": "interests", "op": "contains", "value": "sport"},
}


class Api:
    """The selections app called in-process, as a signed staff principal."""

    def __init__(self, app):
        self.app = app
        self.signer = PrincipalSigner(SECRET)
        self.principal = staff_principal("bench", "superuser")

    def call(self, method: str, path: str, client=None, **kwargs) -> tuple[float, Any]:
        client = client or self.app.test_client()
        # Signed per call, as the gateway does: a signed header expires.
        headers = {PRINCIPAL_HEADER: self.signer.sign(self.principal)}
        started = time.perf_counter()
        response = client.open(path, method=method, headers=headers, **kwargs)
        elapsed = time.perf_counter() - started
        if response.status_code >= 400:
            raise Unavailable(f"{method} {path}: {response.status_code} {response.get_data()!r}"
                              [:300])
        return elapsed, response.get_json()


class Unavailable(Exception):
    """An endpoint the benchmark needs is not there (yet), or refused."""


def run(count: int, *, threads: int, load_seconds: float) -> dict[str, Any]:
    result: dict[str, Any] = {"relations": count}
    with fresh_databases() as (prefix, create):  # a database of our own, dropped afterwards
        create("selections")
        settings = Settings(database_url=database_url(prefix), principal_secret=SECRET)
        (plugin,) = service_plugins(["selections"])
        runtime = bootstrap(plugin, settings, bus=Bus("memory://localhost/"), declare=False)
        try:
            started = time.perf_counter()
            seed(runtime.database.engine, count)
            result["seed_s"] = round(time.perf_counter() - started, 1)
            print(f"  seeded {count:,} in {result['seed_s']} s", flush=True)
            api = Api(create_app(runtime))
            result["absorb_without_groups"] = absorb(runtime)
            print(f"  absorb without groups: {result['absorb_without_groups']}", flush=True)
            for part in (groups_part, load_part):
                try:
                    result.update(part(api, runtime, threads=threads, seconds=load_seconds,
                                       result=result))
                except Unavailable as missing:
                    result.setdefault("unavailable", []).append(str(missing))
                    print(f"  unavailable: {missing}", flush=True)
            result["absorb_with_groups"] = absorb(runtime)
            print(f"  absorb with groups: {result['absorb_with_groups']}", flush=True)
        finally:
            runtime.stop()
    return result


def groups_part(api: Api, runtime, *, result: dict[str, Any], **_: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"dynamic": {}, "composite": {}}
    ids = {}
    for name, node in DYNAMIC.items():
        elapsed, group = api.call("POST", "/api/selections/groups", json={
            "name": name, "kind": "dynamic", "filter": node})
        ids[name] = group["id"]
        out["dynamic"][name] = {"create_s": round(elapsed, 3), **counted(api, group["id"]),
                                "filter_count_ms": filter_count(api, node)}
        print(f"  dynamic {name}: {out['dynamic'][name]}", flush=True)
    for combine in ("intersection", "union"):
        elapsed, group = api.call("POST", "/api/selections/groups", json={
            "name": combine, "kind": "composite", "combine": combine,
            "groups": list(ids.values())})
        out["composite"][combine] = {"create_s": round(elapsed, 3), **counted(api, group["id"])}
        print(f"  composite {combine}: {out['composite'][combine]}", flush=True)
    return out


def counted(api: Api, group_id: str, repeats: int = 10) -> dict[str, Any]:
    times, count = [], None
    for _ in range(repeats):
        elapsed, page = api.call("GET", f"/api/selections/groups/{group_id}/members",
                                 query_string={"limit": 1})
        times.append(elapsed)
        count = page["count"]
    return {"members": count, "count_median_ms": round(statistics.median(times) * 1000, 2)}


def filter_count(api: Api, node: Any, repeats: int = 5) -> float:
    times = [api.call("POST", "/api/selections/filters/count", json={"filter": node})[0]
             for _ in range(repeats)]
    return round(statistics.median(times) * 1000, 2)


def load_part(api: Api, runtime, *, threads: int, seconds: float,
              **_: Any) -> dict[str, Any]:
    """The groups of one relation, asked from many threads at once."""
    with runtime.database.engine.connect() as connection:
        sample = list(connection.execute(text(
            "SELECT id FROM relation_view TABLESAMPLE SYSTEM (5) LIMIT 20000")).scalars())
    api.call("GET", f"/api/selections/relations/{sample[0]}/groups")
    latencies: list[list[float]] = [[] for _ in range(threads)]
    failures: list[str] = []
    deadline = time.perf_counter() + seconds

    def worker(mine: list[float], rng: random.Random) -> None:
        client = api.app.test_client()
        while time.perf_counter() < deadline:
            try:
                mine.append(api.call("GET", f"/api/selections/relations/"
                                            f"{rng.choice(sample)}/groups", client)[0])
            except Exception as failure:  # noqa: BLE001 - counted and reported, not raised
                failures.append(repr(failure)[:200])

    workers = [threading.Thread(target=worker, args=(latencies[i], random.Random(i)))
               for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    ms = sorted(value * 1000 for mine in latencies for value in mine)
    if not ms:
        raise Unavailable(f"groups of a relation: {failures[:1]}")
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    out = {"groups_of_relation": {"threads": threads, "seconds": seconds, "requests": len(ms),
                                  "per_s": round(len(ms) / seconds), "failures": len(failures),
                                  "median_ms": round(statistics.median(ms), 2),
                                  "p99_ms": round(cuts[98], 2), "max_ms": round(ms[-1], 2)}}
    print(f"  groups of a relation: {out['groups_of_relation']}", flush=True)
    return out


def absorb(runtime) -> dict[str, Any]:
    """100,000 relations changed upstream (a new city, the newsletter flipped): one plain
    UPDATE of their rows (rolled back), then the batch events the consumer would handle."""
    with runtime.database.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT id, state FROM relation_view ORDER BY md5(id) LIMIT :n"), {"n": CHANGED}).all()
        ids = [row.id for row in rows]
        connection.rollback()
        transaction = connection.begin()
        started = time.perf_counter()
        connection.execute(text("UPDATE relation_view SET city = 'elders', "
                                "version = version + 1 WHERE id = ANY(:ids)"), {"ids": ids})
        plain = time.perf_counter() - started
        transaction.rollback()
    states = [changed(row.state, n) for n, row in enumerate(rows)]
    # Made before the clock starts: publishing them is the relations service's work.
    events = [RelationsBatchUpdated.envelope({"entries": [
        {"relation": state, "changes": {"address": [None, state["address"]]}}
        for state in states[start:start + EVENT_ENTRIES]], "job": None}, source="relations")
        for start in range(0, len(states), EVENT_ENTRIES)]
    started = time.perf_counter()
    for event in events:
        runtime.dispatch(event)
    batches = time.perf_counter() - started
    return {"changed": len(states), "plain_update_s": round(plain, 3),
            "batch_events_s": round(batches, 2), "per_s": round(len(states) / batches),
            "ratio": round(batches / plain, 1)}


def changed(state: dict[str, Any], n: int) -> dict[str, Any]:
    address = {**(state.get("address") or {}), "city": CITIES[n % len(CITIES)]}
    fields = {**state["fields"], "newsletter": not state["fields"].get("newsletter")}
    return {**state, "address": address, "fields": fields, "version": state["version"] + 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relations", type=int, action="append")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--load-seconds", type=float, default=20.0)
    args = parser.parse_args()
    results = {}
    if RESULT.exists():
        results = json.loads(RESULT.read_text())
    for count in args.relations or [100_000]:
        print(f"{count:,} relations", flush=True)
        results[str(count)] = run(count, threads=args.threads, load_seconds=args.load_seconds)
        RESULT.parent.mkdir(parents=True, exist_ok=True)
        RESULT.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
