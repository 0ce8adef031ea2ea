"""Periodic tasks: declared by a plugin, run by the runtime's background threads until stop."""

import dataclasses
import logging
import threading
import time

from shared.config import Settings
from shared.periodic import Periodic, PeriodicWorker
from shared.testing import wait_until
from tests.support import ledger


def settings_in(tmp_path) -> Settings:
    return Settings(var_dir=tmp_path, principal_secret="unit-test-secret-" + "x" * 20)


def test_a_task_runs_again_and_again_with_the_runtime_it_belongs_to(tmp_path):
    seen = []
    task = Periodic("count", every=0.01, run=seen.append)
    plugin = dataclasses.replace(ledger.plugin, periodic=(task,))
    runtime = ledger.start(settings_in(tmp_path))
    runtime = dataclasses.replace(runtime, plugin=plugin)
    runtime.start_background(consume=False, relay=False)
    try:
        wait_until(lambda: len(seen) >= 3, message="three runs")
    finally:
        runtime.stop()
    assert all(seen_runtime is runtime for seen_runtime in seen)


def test_a_failing_run_is_logged_and_the_loop_goes_on(caplog):
    runs = []

    def flaky(_runtime):
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("first run breaks")

    worker = PeriodicWorker(Periodic("flaky", every=0.01, run=flaky), runtime=None)
    thread = threading.Thread(target=worker.run, daemon=True)
    with caplog.at_level(logging.ERROR, logger="shared.periodic"):
        thread.start()
        wait_until(lambda: len(runs) >= 3, message="runs after the failure")
        worker.stop()
        thread.join(5)
    assert not thread.is_alive()
    failures = [r for r in caplog.records if "periodic task flaky failed" in r.getMessage()]
    assert len(failures) == 1 and failures[0].exc_info[0] is RuntimeError


def test_stop_ends_a_long_wait_at_once(tmp_path):
    runs = []
    plugin = dataclasses.replace(ledger.plugin,
                                 periodic=(Periodic("hourly", every=3600, run=runs.append),))
    runtime = dataclasses.replace(ledger.start(settings_in(tmp_path)), plugin=plugin)
    runtime.start_background(consume=False, relay=False)
    (thread,) = runtime._threads
    assert thread.is_alive()
    started = time.monotonic()
    runtime.stop(timeout=5)
    assert time.monotonic() - started < 1
    assert not thread.is_alive() and runs == []  # the first run is an interval after start


def test_no_periodic_threads_when_asked_for_none(tmp_path):
    plugin = dataclasses.replace(ledger.plugin,
                                 periodic=(Periodic("never", every=0.01, run=print),))
    runtime = dataclasses.replace(ledger.start(settings_in(tmp_path)), plugin=plugin)
    runtime.start_background(consume=False, relay=False, periodic=False)
    try:
        assert runtime._threads == []
    finally:
        runtime.stop()
