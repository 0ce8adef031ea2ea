"""A service process's entry points: it stops when a background thread dies, and its
startup heap is out of the collector's way."""

import gc

import pytest

from shared.service import serve, settle_heap


class OneDeadThread:
    """A runtime whose background thread ended on its own (a consumer that crashed)."""

    name = "ledger"

    def __init__(self):
        self.started = self.stopped = False

    def start_background(self, **background):
        self.started = True

    def running(self):
        return False

    def stop(self):
        self.stopped = True


def test_a_process_whose_thread_died_stops_the_rest_and_exits_non_zero():
    runtime = OneDeadThread()
    with pytest.raises(SystemExit) as exited:
        serve(runtime)
    # A supervisor restarts a process that failed; exit 0 would read as a clean stop.
    assert exited.value.code not in (0, None)
    assert "ledger" in str(exited.value.code)
    assert runtime.started and runtime.stopped


def test_settling_the_heap_freezes_what_startup_made():
    threshold = gc.get_threshold()
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == 10_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
