"""The bulk fault tests' product and faults: a private distributed stack whose bulk workers can
be killed and replaced, whose broker can be restarted, whose e-mail goes to an SMTP server in
the test process; and the jobs, counts and locks the tests drive it with."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from kombu import Connection

from shared.testing import wait_until
from tests.e2e.relations_support import body
from tests.e2e.running import DistributedStack, Gateway, stack_module

WORKER_ARGV = [sys.executable, "-m", "services.bulk.worker"]
TASKS_QUEUE = "bulk.tasks"
FINISHED = ("completed", "completed_with_errors", "cancelled", "failed")
JOBS = "/api/bulk/jobs"


class FaultStack:
    """A distributed stack with `workers` bulk worker processes and e-mail over SMTP."""

    def __init__(self, var_dir: Path, smtp_port: int, workers: int = 2):
        self.product = DistributedStack(var_dir, "faults")
        self.stack = self.product.stack
        self.stack.bulk_workers = workers
        self.stack.settings["CARDBOX_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_port}"

    def start(self) -> Gateway:
        gateway = self.product.start()
        self.wait_for_workers(self.stack.bulk_workers)
        return gateway

    def stop(self) -> None:
        self.product.stop()

    # --- bulk workers

    def workers(self) -> list[Any]:
        """The bulk worker processes of the stack that still run."""
        return [p for p in self.stack.processes
                if p.name.startswith("bulk-worker") and self.stack._leader_alive(p)]

    def kill_worker(self, process: Any) -> None:
        """kill -9, as an out-of-memory killer or a lost machine would; reaped at once so
        the stack's record shows it gone."""
        os.kill(process.pid, signal.SIGKILL)
        self.stack._children[process.pid].wait(10)

    def add_worker(self) -> None:
        """Start one more worker, as ops would; recorded in the stack so `down` stops it."""
        names = {p.name for p in self.stack.processes}
        number = next(n for n in range(1, 100) if f"bulk-worker-{n}" not in names)
        process = stack_module().Process(f"bulk-worker-{number}", list(WORKER_ARGV))
        self.stack._spawn(process)

    def wait_for_workers(self, count: int, timeout: float = 60.0) -> None:
        """Until the broker counts `count` consumers on bulk.tasks (a killed worker's
        consumer goes when the broker sees its connection close)."""
        wait_until(lambda: self.consumers() == count, timeout=timeout, interval=0.2,
                   message=f"{count} consumers on {TASKS_QUEUE}")

    def consumers(self) -> int | None:
        """Consumers on bulk.tasks as the queue counts them now (the management API's
        figures lag by seconds); None while the broker does not answer."""
        try:
            with Connection(self.stack.broker_url, connect_timeout=3) as connection:
                connection.connect()  # once: default_channel would retry for ever
                declared = connection.channel().queue_declare(TASKS_QUEUE, passive=True)
        except Exception:  # the broker is starting or restarting: not known yet
            return None
        return declared.consumer_count

    # --- the broker

    def stop_broker(self) -> None:
        """Stop RabbitMQ (a clean node stop: every connection drops), with the script and
        ports the stack's servers were started with."""
        _rabbitmq("stop")

    def start_broker(self) -> None:
        """Start RabbitMQ again on the same data."""
        _rabbitmq("start")

    # --- the databases

    def dsn(self, service: str) -> str:
        return self.stack.database_url.format(service=service).replace("+psycopg", "")

    @contextmanager
    def database(self, service: str) -> Iterator[psycopg.Connection]:
        with psycopg.connect(self.dsn(service), autocommit=True) as connection:
            yield connection


def _rabbitmq(action: str) -> None:
    script = str(stack_module().SCRIPTS / "rabbitmq.sh")
    done = subprocess.run([script, action], timeout=180, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, f"rabbitmq.sh {action} failed: {done.stderr[-2000:]}"


# --- jobs -----------------------------------------------------------------------------------


def draft(gateway: Gateway, target: dict[str, Any], operation: str,
          params: dict[str, Any]) -> dict[str, Any]:
    """A new job, previewed (a draft)."""
    return body(gateway.post(JOBS, json={"target": target, "operation": operation,
                                         "params": params}, timeout=120), 201)


def confirm(gateway: Gateway, job_id: str, *confirmations: str) -> dict[str, Any]:
    """Start a draft: the job as confirmed (running)."""
    return body(gateway.post(f"{JOBS}/{job_id}/confirm",
                             json={"confirmations": list(confirmations)}), 202)


def job(gateway: Gateway, job_id: str) -> dict[str, Any]:
    return body(gateway.get(f"{JOBS}/{job_id}"), 200)


def reached(gateway: Gateway, job_id: str, share: float, at_most: float,
            timeout: float = 120.0) -> dict[str, Any]:
    """The job once `share` of it is done; fails if it ran past `at_most` before we saw it
    (the fault would then not land mid-job)."""

    def far_enough() -> dict[str, Any] | None:
        now = job(gateway, job_id)
        return now if now["counts"]["done"] >= share * now["total"] else None

    seen = wait_until(far_enough, timeout=timeout, interval=0.05,
                      message=f"job {job_id} to reach {share:.0%}")
    assert seen["counts"]["done"] <= at_most * seen["total"], (
        f"the job ran to {seen['counts']['done']} of {seen['total']} before the fault")
    return seen


def finished(gateway: Gateway, job_id: str, timeout: float = 240.0) -> dict[str, Any]:
    """The job once it has ended."""

    def ended() -> dict[str, Any] | None:
        now = job(gateway, job_id)
        return now if now["status"] in FINISHED else None

    return wait_until(ended, timeout=timeout, interval=0.2,
                      message=f"job {job_id} to end")


def history_of(stack: FaultStack, job_id: str) -> tuple[int, int]:
    """The relations service's history rows written by the job, and their distinct
    relations."""
    with stack.database("relations") as db:
        return db.execute("SELECT count(*), count(DISTINCT relation_id) FROM history "
                          "WHERE via = 'bulk' AND via_ref = %s", (job_id,)).fetchone()


def read_model_count(gateway: Gateway, node: dict[str, Any]) -> int:
    return body(gateway.post("/api/selections/filters/count", json={"filter": node}),
                200)["count"]


# --- e-mail ---------------------------------------------------------------------------------


class FrozenOutbox:
    """A lock on the accounts service's e-mail outbox, held by the test: a chunk that writes
    e-mail waits inside its transaction (accounts made, e-mail not yet queued) until
    release(), so a fault is sure to land while the owner applies it. The accounts consumer
    is single-threaded: meanwhile it answers nothing else (every chunk's principal check
    included), so keep it short."""

    def __init__(self, stack: FaultStack):
        self.connection = psycopg.connect(stack.dsn("accounts"))
        self.held = True
        # SHARE conflicts with the ROW EXCLUSIVE an INSERT takes, and with nothing a reader takes.
        self.connection.execute("LOCK TABLE email_outbox IN SHARE MODE")

    def waited_on(self) -> bool:
        """Whether a transaction of the service waits for this lock now."""
        with psycopg.connect(self.connection.info.dsn, autocommit=True) as probe:
            return probe.execute(
                "SELECT count(*) FROM pg_locks WHERE relation = 'email_outbox'::regclass "
                "AND database = (SELECT oid FROM pg_database WHERE datname = "
                "current_database()) AND NOT granted").fetchone()[0] > 0

    def release(self) -> None:
        """Let the waiting chunk go on (again: nothing)."""
        if self.held:
            self.held = False
            self.connection.rollback()
            self.connection.close()


def mail_settled(stack: FaultStack, addresses: set[str]) -> bool:
    """Whether the accounts service has no e-mail to these addresses left to send."""
    with stack.database("accounts") as db:
        return db.execute("SELECT count(*) FROM email_outbox WHERE recipient = ANY(%s) "
                          "AND status <> 'sent'", (sorted(addresses),)).fetchone()[0] == 0
