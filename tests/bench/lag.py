"""Lag from a relation write to the selections read model showing it, in each mode.

    .venv/bin/python -m tests.bench.lag [--writes 1000] [--mode embedded] [--mode distributed]

The clock starts when POST /api/relations/relations returns through the gateway and stops when
POST /api/selections/filters/query (polled every ~2 ms) finds the relation's unique e-mail; so
the figure is what a client sees, including one query round trip. Prints median, p95, p99 and
max per mode and writes them to var/bench/lag.json. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from shared.testing import wait_until
from tests.e2e.running import REPO_ROOT, Gateway, distributed_product, embedded_product, unique

MODES = ("embedded", "distributed")
POLL_INTERVAL = 0.002
WARM_UP = 20  # not counted: first connections, first statements, lazy imports
RESULT = REPO_ROOT / "var" / "bench" / "lag.json"


def write_and_wait(gateway: Gateway, tag: str) -> tuple[float, float]:
    """One write; answer (seconds the POST took, seconds until the read model showed it)."""
    email = f"lag.{tag}@example.org"
    started = time.perf_counter()
    response = gateway.post("/api/relations/relations", json={
        "type": "person", "last_name": "Vertraging", "emails": [{"address": email}]})
    written = time.perf_counter()
    assert response.status_code == 201, response.text
    wait_until(lambda: gateway.query("email", email), timeout=30, interval=POLL_INTERVAL,
               message=f"{email} in the read model")
    return written - started, time.perf_counter() - written


def measure(gateway: Gateway, writes: int, budget: float) -> dict[str, float]:
    """`writes` sequential writes (after a warm-up), summarised in milliseconds."""
    run = unique("")
    for n in range(WARM_UP):
        write_and_wait(gateway, f"{run}.warm{n}")
    posts, lags = [], []
    deadline = time.monotonic() + budget
    for n in range(writes):
        if time.monotonic() > deadline:
            print(f"  {gateway.mode}: time budget of {budget:.0f} s spent after {n} writes")
            break
        post, lag = write_and_wait(gateway, f"{run}.{n}")
        posts.append(post)
        lags.append(lag)
    return summarise(lags) | {"post_median_ms": round(statistics.median(posts) * 1000, 2)}


def summarise(seconds: list[float]) -> dict[str, float]:
    """Median, p95, p99 and max in milliseconds."""
    ms = sorted(value * 1000 for value in seconds)
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return {"writes": len(ms), "median_ms": round(statistics.median(ms), 2),
            "p95_ms": round(cuts[94], 2), "p99_ms": round(cuts[98], 2),
            "max_ms": round(ms[-1], 2)}


@contextmanager
def product(mode: str) -> Iterator[Gateway]:
    """A fresh product of `mode` in a throw-away var dir (empty SQLite / new databases)."""
    with tempfile.TemporaryDirectory(prefix=f"cardbox-bench-{mode}-") as var_dir:
        start = embedded_product if mode == "embedded" else distributed_product
        kwargs = {} if mode == "embedded" else {"label": "bench"}
        with start(Path(var_dir), **kwargs) as gateway:
            yield gateway


def report(results: dict[str, dict[str, float]], writes: int) -> None:
    print(f"\nlag from a relation write to the read model ({writes} sequential writes, "
          f"polled every {POLL_INTERVAL * 1000:.0f} ms), in ms:")
    print(f"{'mode':<12}{'writes':>7}{'median':>9}{'p95':>9}{'p99':>9}{'max':>9}"
          f"{'POST median':>13}")
    for mode, row in results.items():
        print(f"{mode:<12}{row['writes']:>7}{row['median_ms']:>9.1f}{row['p95_ms']:>9.1f}"
              f"{row['p99_ms']:>9.1f}{row['max_ms']:>9.1f}{row['post_median_ms']:>13.1f}")


def save(results: dict[str, dict[str, float]]) -> None:
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps({
        "benchmark": "relation write -> selections read model lag",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "poll_interval_ms": POLL_INTERVAL * 1000,
        "modes": results,
    }, indent=2) + "\n")
    print(f"written to {RESULT}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.lag")
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--mode", action="append", choices=MODES,
                        help="repeat for several; default: both")
    parser.add_argument("--budget", type=float, default=150.0,
                        help="seconds of writing per mode before it stops early")
    args = parser.parse_args(argv)
    results = {}
    for mode in args.mode or MODES:
        print(f"{mode}: starting", flush=True)
        with product(mode) as gateway:
            print(f"{mode}: {WARM_UP} warm-up writes, then {args.writes}", flush=True)
            results[mode] = measure(gateway, args.writes, args.budget)
    report(results, args.writes)
    save(results)


if __name__ == "__main__":
    main()
