"""A set_fields bulk job and its undo, end to end through the gateway, against one plain SQL
UPDATE of the same rows on the same database.

    .venv/bin/python -m tests.bench.bulk [--relations 100000] [--relations 1000000]
        [--mode embedded|distributed-1|distributed-2|distributed-4 ...] [--large-mode ...]

Per mode and size a fresh product (embedded: `python -m gateway.embedded`; distributed: the
stack of deploy/local/stack.py with 1, 2 or 4 bulk workers) is seeded with N persons by
tests/support/bulk_seed.py. Then:
  * the floor: one `UPDATE relations SET fields = jsonb_set / json_set(...)` of the seeded rows
    (all there are) on the relations database (median of three, rolled back, then vacuumed);
  * the job: `{"target": {"filter": {"archived": false}}, "operation": "set_fields",
    "params": {"changes": {"newsletter": {"set": true}}}}`, everyone by a filter, as a client
    would ask for everyone (N relation ids in a body is no way to say "all"). The clock starts
    when POST .../confirm returns; the job is polled until it is completed, then POST
    /api/selections/filters/count (newsletter = true) until the count is N. History
    and before-images are written in the same transaction as each chunk, before the chunk's
    outcome counts; they are counted afterwards (not timed) to prove it;
  * its undo, the same way, until the count is 0 again.
Sizes above 100,000 run only the --large-mode modes (default distributed-2). Prints a table
and writes var/bench/bulk.json. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, make_url, text

from tests.e2e.running import REPO_ROOT, DistributedStack, EmbeddedProcess, Gateway, tail
from tests.support.bulk_seed import seed

MODES = ("embedded", "distributed-1", "distributed-2", "distributed-4")
LARGE = 100_000
POLL_INTERVAL = 0.25
JOB_TIMEOUT = 3600.0
CREATE_TIMEOUT = 900.0  # creating a job on a million relations is not what is measured
FINISHED = ("completed", "completed_with_errors", "cancelled", "failed")
EVERYONE = {"filter": {"archived": False}}
CHANGES = {"newsletter": {"set": True}}
NEWSLETTER = {"field": "newsletter", "op": "eq", "value": True}
RESULT = REPO_ROOT / "var" / "bench" / "bulk.json"
# The seeded relations are all the relations there are: a WHERE naming their ids would only
# slow the floor down (by half on PostgreSQL here); the row count proves the rows are the same.
POSTGRES_UPDATE = ("UPDATE relations SET fields = jsonb_set(fields, '{newsletter}', 'true'), "
                   "version = version + 1")
SQLITE_UPDATE = ("UPDATE relations SET fields = json_set(fields, '$.newsletter', json('true')), "
                 "version = version + 1")


@dataclass
class Seeded:
    """A running product with N seeded relations."""

    gateway: Gateway
    relations_url: str
    ids: list[str]
    seed_s: float


@contextmanager
def seeded_product(mode: str, count: int, var_dir: Path) -> Iterator[Seeded]:
    """A fresh product of `mode` holding `count` seeded persons while the block runs."""
    if mode == "embedded":
        product = EmbeddedProcess(var_dir)
        product.start()  # migrates; seeding wants a quiet database, so stop it again
        product.stop()
        urls = [f"sqlite:///{var_dir}/{service}.db" for service in ("relations", "selections")]
        started = time.perf_counter()
        ids = seed(*urls, count)
        seconds = time.perf_counter() - started
        gateway = product.start()
        try:
            yield Seeded(gateway, urls[0], ids, seconds)
        finally:
            code = product.stop()
            assert code == 0, f"the embedded product exited {code}\n{tail(product.log)}"
        return
    stack = DistributedStack(var_dir, "bulkbench")
    stack.stack.bulk_workers = int(mode.rsplit("-", 1)[1])
    try:
        gateway = stack.start()
        urls = [stack.stack.database_url.format(service=service)
                for service in ("relations", "selections")]
        started = time.perf_counter()
        ids = seed(*urls, count)
        yield Seeded(gateway, urls[0], ids, time.perf_counter() - started)
    finally:
        stack.stop()


def plain_update(url: str, count: int) -> float:
    """The floor: one UPDATE of the seeded rows, rolled back; the median of three (the first
    warms the cache)."""
    times = []
    for _ in range(3):
        if make_url(url).get_backend_name() == "postgresql":
            conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
            with psycopg.connect(conninfo) as connection:
                started = time.perf_counter()
                rows = connection.execute(POSTGRES_UPDATE).rowcount
                times.append(time.perf_counter() - started)
                connection.rollback()
        else:
            connection = sqlite3.connect(make_url(url).database, isolation_level=None)
            try:
                connection.execute("BEGIN IMMEDIATE")
                started = time.perf_counter()
                rows = connection.execute(SQLITE_UPDATE).rowcount
                times.append(time.perf_counter() - started)
                connection.execute("ROLLBACK")
            finally:
                connection.close()
        assert rows == count, f"the UPDATE met {rows} rows, not the {count} seeded"
    if make_url(url).get_backend_name() == "postgresql":
        # The rolled-back UPDATEs left a dead version of every row behind: gone before the
        # job, as (auto)vacuum would have it, so the job does not pay for the floor's probe.
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE relations")
    return sorted(times)[1]


def newsletter_count(gateway: Gateway) -> int:
    response = gateway.post("/api/selections/filters/count", json={"filter": NEWSLETTER},
                            timeout=120)
    assert response.status_code == 200, response.text
    return response.json()["count"]


def confirm_and_watch(gateway: Gateway, job_id: str, expected: int) -> dict[str, Any]:
    """Confirm, then poll until the job has ended and the read model's newsletter count is
    `expected`; seconds from the confirm's answer to each milestone."""
    started = time.perf_counter()
    confirmed = gateway.post(f"/api/bulk/jobs/{job_id}/confirm", json={}, timeout=300)
    assert confirmed.status_code == 202, confirmed.text
    watch = Watch(gateway, job_id, expected)
    while not watch.over():
        assert watch.elapsed() < JOB_TIMEOUT, f"job {job_id} unfinished: {watch.job}"
        watch.poll()
        time.sleep(POLL_INTERVAL)
    return {"confirm_post_s": round(watch.t0 - started, 3), **watch.figures()}


class Watch:
    """One job's milestones, from the confirm's answer on, and a trace of (seconds, relations
    done, read-model count once the job has ended) about once a second."""

    def __init__(self, gateway: Gateway, job_id: str, expected: int):
        self.gateway, self.job_id, self.expected = gateway, job_id, expected
        self.t0 = time.perf_counter()
        self.seen: dict[str, float] = {}
        self.job: dict[str, Any] = {}
        self.trace: list[tuple[float, int, int]] = []

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def over(self) -> bool:
        return "job_s" in self.seen and "read_model_s" in self.seen

    def poll(self) -> None:
        if "job_s" not in self.seen:
            self.job = self.gateway.get(f"/api/bulk/jobs/{self.job_id}", timeout=60).json()
            if self.job["counts"]["done"]:
                self.seen.setdefault("first_done_s", self.elapsed())
            if self.job["status"] in FINISHED:
                self.seen["job_s"] = self.elapsed()
        # Counting a filter over N relations is heavy work for the database the job is
        # using (half a second at 100,000): counted only once the job has ended.
        count = newsletter_count(self.gateway) if "job_s" in self.seen else None
        now = self.elapsed()
        if count is not None:
            self.seen.setdefault("read_model_behind_at_job_end", abs(count - self.expected))
            if count == self.expected:
                self.seen.setdefault("read_model_s", now)
        if not self.trace or now - self.trace[-1][0] >= 1.0 or self.over():
            self.trace.append((round(now, 1), self.job["counts"]["done"], count))

    def figures(self) -> dict[str, Any]:
        job = self.job
        return {**{key: round(value, 3) for key, value in self.seen.items()},
                "status": job["status"], "counts": job["counts"],
                "end_to_end_s": round(max(self.seen["job_s"], self.seen["read_model_s"]), 3),
                "server_job_s": _seconds(job["confirmed_at"], job["finished_at"]),
                "middle_half_per_s": self.middle_rate(), "trace": self.trace}

    def middle_rate(self) -> int | None:
        """Relations done per second between a quarter and three quarters of the job: the
        pace once started, without the start-up and the tail."""
        total = self.job["total"]
        quarter = next((t for t in self.trace if t[1] >= total / 4), None)
        three = next((t for t in self.trace if t[1] >= total * 3 / 4), None)
        if not quarter or not three or three[0] <= quarter[0]:
            return None
        return round((three[1] - quarter[1]) / (three[0] - quarter[0]))


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return round((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds(), 3)


def written(url: str, job_id: str) -> dict[str, int]:
    """History rows and before-images (bulk_applications) the job left in relations."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {"history_rows": connection.execute(text(
                        "SELECT count(*) FROM history WHERE via_ref = :job"),
                        {"job": job_id}).scalar_one(),
                    "before_images": connection.execute(text(
                        "SELECT count(*) FROM bulk_applications WHERE job_id = :job"),
                        {"job": job_id}).scalar_one()}
    finally:
        engine.dispose()


def run_job(product: Seeded) -> tuple[str, dict[str, Any]]:
    """The set_fields job on everyone: created (timed apart), confirmed and watched."""
    started = time.perf_counter()
    created = product.gateway.post("/api/bulk/jobs", timeout=CREATE_TIMEOUT, json={
        "target": EVERYONE, "operation": "set_fields", "params": {"changes": CHANGES}})
    assert created.status_code == 201, created.text
    job = created.json()
    assert job["total"] == len(product.ids), (job["total"], len(product.ids))
    create_s = time.perf_counter() - started
    figures = confirm_and_watch(product.gateway, job["id"], len(product.ids))
    return job["id"], {"create_s": round(create_s, 3), **figures,
                       **written(product.relations_url, job["id"])}


def run_undo(product: Seeded, job_id: str) -> dict[str, Any]:
    """The job's undo (nobody changed the relations since), the same way."""
    started = time.perf_counter()
    created = product.gateway.post(f"/api/bulk/jobs/{job_id}/undo", json={},
                                   timeout=CREATE_TIMEOUT)
    assert created.status_code == 201, created.text
    undo_id = created.json()["id"]
    create_s = time.perf_counter() - started
    figures = confirm_and_watch(product.gateway, undo_id, 0)
    return {"create_s": round(create_s, 3), **figures,
            **written(product.relations_url, undo_id)}


def measure(mode: str, count: int) -> dict[str, Any]:
    """One fresh product: seed, the floor, the job, its undo. A part that breaks is recorded
    with its error, and the product's logs are kept in var/bench/bulk-logs/."""
    with tempfile.TemporaryDirectory(prefix=f"cardbox-bulkbench-{mode}-") as var_dir, \
            seeded_product(mode, count, Path(var_dir)) as product:
        say = f"  {mode}, {count:,}:"
        print(f"{say} seeded in {product.seed_s:.1f} s", flush=True)
        floor = plain_update(product.relations_url, count)
        print(f"{say} plain UPDATE {floor:.3f} s", flush=True)
        result = {"mode": mode, "relations": count, "seed_s": round(product.seed_s, 1),
                  "plain_update_s": round(floor, 3)}
        try:
            job_id, job = run_job(product)
            result["job"] = rated(job, count, floor)
            print(f"{say} job {job['status']} in {job['end_to_end_s']:.1f} s", flush=True)
            undo = run_undo(product, job_id)
            result["undo"] = rated(undo, count, floor)
            print(f"{say} undo {undo['status']} in {undo['end_to_end_s']:.1f} s", flush=True)
        except (AssertionError, OSError) as exc:
            result["error"] = f"{type(exc).__name__}: {exc}"[:2000]
            print(f"{say} broken: {result['error']}\n  logs kept in "
                  f"{keep_logs(Path(var_dir), mode, count)}", flush=True)
    return result


def keep_logs(var_dir: Path, mode: str, count: int) -> Path:
    """The product's logs, copied out of its throw-away var dir."""
    kept = RESULT.parent / "bulk-logs" / f"{mode}-{count}"
    shutil.rmtree(kept, ignore_errors=True)
    kept.mkdir(parents=True)
    for log in [*var_dir.glob("*.log"), *var_dir.glob("log/*.log")]:
        shutil.copy(log, kept / log.name)
    return kept


def rated(figures: dict[str, Any], count: int, floor: float) -> dict[str, Any]:
    seconds = figures["end_to_end_s"]
    return {**figures, "per_s": round(count / seconds), "ratio": round(seconds / floor, 1)}


def scaling(results: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per mode run at both sizes: the large job's (and undo's) time over the 100,000 one."""
    by = {(r["mode"], r["relations"]): r for r in results}
    ratios = {}
    for (mode, count), large in by.items():
        small = by.get((mode, LARGE))
        if count > LARGE and small:
            ratios[f"{mode} {count:,} / {LARGE:,}"] = {
                part: round(large[part]["end_to_end_s"] / small[part]["end_to_end_s"], 2)
                for part in ("job", "undo") if part in large and part in small
            } | {"size_ratio": count / LARGE}
    return ratios


def report(results: list[dict[str, Any]], ratios: dict[str, dict[str, float]]) -> None:
    print(f"\nset_fields (newsletter on) on everyone, end to end from confirm to job completed "
          f"and read model caught up (polled every {POLL_INTERVAL * 1000:.0f} ms):")
    print(f"{'mode':<15}{'relations':>10}{'UPDATE s':>9} | {'part':<5}{'e2e s':>8}{'/s':>8}"
          f"{'ratio':>7}{'job s':>8}{'model s':>8}{'1st done':>9}{'mid /s':>8}{'history':>11}")
    for r in results:
        if "error" in r:
            print(f"{r['mode']:<15}{r['relations']:>10,}  broken: {r['error'][:200]}")
        for part in [part for part in ("job", "undo") if part in r]:
            f = r[part]
            print(f"{r['mode']:<15}{r['relations']:>10,}{r['plain_update_s']:>9.3f} | "
                  f"{part:<5}{f['end_to_end_s']:>8.1f}{f['per_s']:>8,}{f['ratio']:>7.1f}"
                  f"{f['job_s']:>8.1f}{f['read_model_s']:>8.1f}"
                  f"{f.get('first_done_s', 0):>9.1f}{f['middle_half_per_s'] or 0:>8,}"
                  f"{f['history_rows']:>11,}")
    for name, ratio in ratios.items():
        parts = ", ".join(f"{part} {ratio[part]}x" for part in ("job", "undo") if part in ratio)
        print(f"scaling {name}: {parts} (linear: {ratio['size_ratio']:.0f}x)")


def save(results: list[dict[str, Any]], ratios: dict[str, dict[str, float]]) -> None:
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps({
        "benchmark": "set_fields bulk job and its undo, end to end, vs one plain UPDATE",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(), "poll_interval_ms": POLL_INTERVAL * 1000,
        "target": EVERYONE, "changes": CHANGES,
        "plain_update": {"postgresql": POSTGRES_UPDATE, "sqlite": SQLITE_UPDATE},
        "results": results, "scaling": ratios,
    }, indent=2) + "\n")
    print(f"written to {RESULT}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bulk")
    parser.add_argument("--relations", type=int, action="append")
    parser.add_argument("--mode", action="append", choices=MODES,
                        help=f"repeat for several; default: all for up to {LARGE:,} relations")
    parser.add_argument("--large-mode", action="append", choices=MODES,
                        help=f"the modes above {LARGE:,} relations; default: distributed-2")
    args = parser.parse_args(argv)
    results = []
    for count in args.relations or [LARGE]:
        modes = (args.mode or MODES) if count <= LARGE else (args.large_mode or
                                                              ["distributed-2"])
        for mode in modes:
            print(f"{mode}, {count:,} relations: starting", flush=True)
            results.append(measure(mode, count))
    ratios = scaling(results)
    report(results, ratios)
    save(results, ratios)


if __name__ == "__main__":
    main()
