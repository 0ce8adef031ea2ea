"""Periodic tasks: work a service does by itself every so often (scheduled refreshes, nightly
re-evaluations), one stoppable thread per task in every process that runs the consumer."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared import context

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    """A task declared by a service plugin: `run(runtime)` every `every` seconds."""

    name: str
    every: float
    run: Callable[[Any], None]


class PeriodicWorker:
    """Runs one task until stopped. The first run comes one interval after start, so starting
    a process is not slowed; a run that fails is logged and the next one comes as planned."""

    def __init__(self, task: Periodic, runtime: Any):
        self.task = task
        self.runtime = runtime
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(self.task.every):
            self.run_once()

    def run_once(self) -> None:
        """One run of the task, in its own correlation id; an error is logged, not raised."""
        with context.working_on(None) as correlation:
            try:
                self.task.run(self.runtime)
            except Exception:
                # Several processes run the same tasks: a failure here must not end the loop.
                log.exception("periodic task %s failed (correlation %s)", self.task.name,
                              correlation)

    def stop(self) -> None:
        self._stopping.set()
