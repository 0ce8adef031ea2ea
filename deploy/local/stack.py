#!/usr/bin/env python3
"""Distributed mode on this machine: RabbitMQ, PostgreSQL and every Cardbox process, on loopback.

    .venv/bin/python deploy/local/stack.py up [--var DIR] [--port 8000] [--bulk-workers N]
                                              [--vhost NAME] [--db-prefix NAME]
                                              [--set CARDBOX_NAME=VALUE ...]
    .venv/bin/python deploy/local/stack.py status [--var DIR]
    .venv/bin/python deploy/local/stack.py down [--var DIR] [--servers]

Importable as well (tests start private stacks):

    stack = Stack(var_dir, port, vhost="e2e_1a2b", db_prefix="e2e_1a2b").up()
    ... requests.get(stack.url + "/readyz") ...
    stack.destroy()          # down(), then drop the vhost and the databases

What is running is written to DIR/run/stack.json, so `down` in another process stops exactly
the process groups `up` started, and nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import requests
from psycopg import sql

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    # Run as a script, so `shared` (the service registry) is not importable by default.
    sys.path.insert(0, str(REPO_ROOT))

SCRIPTS = REPO_ROOT / "deploy" / "local"
DEFAULT_VAR = REPO_ROOT / "var" / "stack"
HOST = "127.0.0.1"
# The variables the server scripts read, so launcher and scripts agree on the ports.
AMQP_PORT = int(os.environ.get("RABBITMQ_PORT", "5673"))
MANAGEMENT_PORT = int(os.environ.get("RABBITMQ_MGMT_PORT", "15673"))
POSTGRES_PORT = int(os.environ.get("POSTGRES_PORT", "5433"))
SERVICE_PORT_OFFSET = 101
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
BULK_WORKER_MODULE = REPO_ROOT / "services" / "bulk" / "worker.py"
# gunicorn's default graceful timeout (30 s) outlasts `down`'s 10 s grace; finish inside it.
GUNICORN_GRACE = "8"


class StackError(RuntimeError):
    """The stack could not be brought up or down; the message says why (with a log tail)."""


def say(message: str) -> None:
    print(f"stack: {message}", file=sys.stderr, flush=True)


# --- the servers ---------------------------------------------------------------------------


SERVERS = ("rabbitmq", "postgres")


def servers_running() -> set[str]:
    """Which of our RabbitMQ node and PostgreSQL cluster run now (their scripts' `status`)."""
    return {name for name in SERVERS if _script(name, "status", quiet=True) == 0}


def start_servers() -> None:
    """Start RabbitMQ and PostgreSQL with their scripts; both are idempotent."""
    for name in SERVERS:
        if _script(name, "start") != 0:
            raise StackError(f"deploy/local/{name}.sh start failed (its output is above)")


def stop_servers(names: set[str] | tuple[str, ...] = SERVERS) -> None:
    """Stop the named servers (default both) with their scripts."""
    for name in SERVERS:
        if name in names:
            _script(name, "stop")


def _script(name: str, action: str, *, quiet: bool = False) -> int:
    output = subprocess.DEVNULL if quiet else None
    return subprocess.run([str(SCRIPTS / f"{name}.sh"), action], stdout=output,
                          stderr=output, check=False).returncode


def _management(method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"http://{HOST}:{MANAGEMENT_PORT}/api/{path}",
                            auth=("guest", "guest"), timeout=10, **kwargs)


def create_vhost(vhost: str) -> None:
    """Create the vhost (idempotent) and give guest every right on it."""
    name = quote(vhost, safe="")
    for response in (
        _management("PUT", f"vhosts/{name}"),
        _management("PUT", f"permissions/{name}/guest",
                    json={"configure": ".*", "write": ".*", "read": ".*"}),
    ):
        if not response.ok:
            raise StackError(f"RabbitMQ refused {response.request.method} {response.url}: "
                             f"{response.status_code} {response.text[:200]}")


def delete_vhost(vhost: str) -> None:
    response = _management("DELETE", f"vhosts/{quote(vhost, safe='')}")
    if not response.ok and response.status_code != 404:
        raise StackError(f"RabbitMQ refused to delete vhost {vhost}: {response.status_code}")


def _postgres() -> psycopg.Connection:
    # CREATE/DROP DATABASE cannot run inside a transaction block.
    return psycopg.connect(host=HOST, port=POSTGRES_PORT, user="postgres", dbname="postgres",
                           autocommit=True, connect_timeout=5)


def create_databases(names: list[str]) -> None:
    """Create each database that does not exist yet."""
    with _postgres() as connection:
        for name in names:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                        (name,)).fetchone()
            if not exists:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_databases(names: list[str]) -> None:
    with _postgres() as connection:
        for name in names:
            # FORCE ends leftover sessions (a killed process's pool) instead of failing.
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                               .format(sql.Identifier(name)))


# --- processes -----------------------------------------------------------------------------


@dataclass
class Process:
    """One process of the stack, as recorded in stack.json."""

    name: str
    argv: list[str]
    port: int | None = None
    env: dict[str, str] = field(default_factory=dict)  # on top of the common environment
    gunicorn: bool = False
    pid: int | None = None
    # Kernel start time of the pid: tells our process from a later one that got its pid.
    started: int | None = None

    def record(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "env"}


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state first), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def _start_time(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[19]) if fields else None


def group_alive(pgid: int) -> bool:
    """Whether any process of the group is still running (zombies do not count)."""
    if not Path("/proc/self/stat").exists():
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False
    for entry in Path("/proc").iterdir():
        fields = _stat(int(entry.name)) if entry.name.isdigit() else None
        if fields and fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def is_ours(process: Process) -> bool:
    """Whether the recorded pid still leads the group we started (not a recycled pid)."""
    if process.pid is None:
        return False
    now = _start_time(process.pid)
    if now is not None:
        return now == process.started
    # The leader is gone; the kernel never hands out a pid still used as a group id, so a
    # live group with this id is what is left of ours (e.g. orphaned gunicorn workers).
    return group_alive(process.pid)


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log, framed for an error message."""
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return f"(no log at {path})"
    return f"--- last {len(text)} lines of {path} ---\n" + "\n".join(text)


def port_free(port: int) -> bool:
    """Whether a server could listen on the port now."""
    with socket.socket() as probe:
        # As gunicorn does: connections of a stack just stopped (TIME_WAIT) do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
            return True
        except OSError:
            return False


@cache
def service_names() -> tuple[str, ...]:
    """Installed services, from the `cardbox.services` entry points (name order)."""
    from shared.plugins import service_plugins

    return tuple(plugin.name for plugin in service_plugins())


def free_port(services: int | None = None, low: int = 20000, high: int = 30000) -> int:
    """A gateway port whose service ports (port+101, …) are free too; below the ephemeral
    range so outgoing connections cannot take them meanwhile."""
    services = len(service_names()) if services is None else services
    for _ in range(200):
        port = random.randrange(low, high)
        offsets = [0, *range(SERVICE_PORT_OFFSET, SERVICE_PORT_OFFSET + services)]
        if all(port_free(port + offset) for offset in offsets):
            return port
    raise StackError(f"no free block of ports between {low} and {high}")


def _port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _gunicorn(app: str, port: int, threads: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{port}", "--workers", "2",
            "--threads", str(threads), "--worker-class", "gthread",
            "--graceful-timeout", GUNICORN_GRACE, app]


# --- the stack -----------------------------------------------------------------------------


@dataclass
class Stack:
    """Every Cardbox process in distributed mode, sharing one vhost and one database prefix."""

    var_dir: Path = DEFAULT_VAR
    port: int = 8000
    vhost: str = "cardbox"
    db_prefix: str = "cardbox"
    bulk_workers: int = 0
    ready_timeout: float = 90.0
    secret: str = ""  # empty: the last run's (stack.json), else a new random one
    # More CARDBOX_* settings for every process, e.g. {"CARDBOX_LOG_LEVEL": "DEBUG"}.
    settings: dict[str, str] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list, init=False)
    # What the accounts migration printed about the first superuser this `up` (a fresh install
    # without CARDBOX_ADMIN_PASSWORD gets a one-time password, shown once).
    first_superuser: str = field(default="", init=False, repr=False)
    # Children of this Python process, so they are reaped rather than left as zombies.
    _children: dict[int, subprocess.Popen] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.var_dir = Path(self.var_dir).resolve()
        for label, name in (("vhost", self.vhost), ("db prefix", self.db_prefix)):
            if not NAME_PATTERN.match(name):
                raise StackError(f"{label} {name!r} must match {NAME_PATTERN.pattern}")

    # --- names and places

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def docs_url(self) -> str:
        return f"{self.url}/api/docs/"

    @property
    def broker_url(self) -> str:
        return f"amqp://guest:guest@{HOST}:{AMQP_PORT}/{quote(self.vhost, safe='')}"

    @property
    def database_url(self) -> str:
        return f"postgresql+psycopg://postgres@{HOST}:{POSTGRES_PORT}/{self.db_prefix}_{{service}}"

    @property
    def run_file(self) -> Path:
        return self.var_dir / "run" / "stack.json"

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "log"

    def service_urls(self) -> dict[str, str]:
        return {name: f"http://{HOST}:{self.port + SERVICE_PORT_OFFSET + index}"
                for index, name in enumerate(service_names())}

    def databases(self) -> list[str]:
        return [f"{self.db_prefix}_{name}" for name in service_names()]

    # --- up

    def up(self) -> Stack:
        """Start servers, vhost, databases, migrations and every process; wait for /readyz."""
        self._load()
        if self._still_running():
            say(f"already running (see {self.run_file})")
            return self
        self.secret = self.secret or secrets.token_urlsafe(48)
        self._check_ports()
        start_servers()
        create_vhost(self.vhost)
        create_databases(self.databases())
        try:
            self._migrate()
            for process in self._plan():
                self._spawn(process)
            self._wait_ready()
        except BaseException:
            # Includes Ctrl-C: never leave half a stack running behind a failed `up`.
            self.down()
            raise
        return self

    def _still_running(self) -> bool:
        """True if the recorded stack runs whole; forget it if it is gone entirely."""
        dead = [p.name for p in self.processes if not self._leader_alive(p)]
        if self.processes and not dead:
            return True
        if len(dead) < len(self.processes):
            raise StackError(f"a stack from {self.var_dir} is partly running ({', '.join(dead)} "
                             "stopped); run `stack.py down` first")
        # Nothing recorded survives (killed, or the machine restarted): start afresh.
        self.processes = []
        return False

    def _check_ports(self) -> None:
        wanted = [self.port, *(_port_of(url) for url in self.service_urls().values())]
        taken = [port for port in wanted if not port_free(port)]
        if taken:
            raise StackError(f"ports already in use on {HOST}: {', '.join(map(str, taken))} "
                             "(another stack? pick --port)")

    def _environment(self) -> dict[str, str]:
        # A shell's CARDBOX_* must not change what `up` starts: settings are passed explicitly.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("CARDBOX_") and k != "PROMETHEUS_MULTIPROC_DIR"}
        env.update(self.settings)
        env.update(
            CARDBOX_MODE="distributed",
            CARDBOX_BROKER_URL=self.broker_url,
            CARDBOX_DATABASE_URL=self.database_url,
            CARDBOX_PRINCIPAL_SECRET=self.secret,
            CARDBOX_VAR_DIR=str(self.var_dir),
            PYTHONUNBUFFERED="1",
        )
        return env

    def _migrate(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for service in service_names():
            log = self.log_dir / f"migrate-{service}.log"
            with log.open("ab") as out:
                start = out.tell()
                done = subprocess.run(
                    [sys.executable, "-m", "shared.service", "migrate", service],
                    cwd=REPO_ROOT, env=self._environment(), stdout=out,
                    stderr=subprocess.STDOUT, timeout=180, check=False)
            if done.returncode:
                raise StackError(f"migrating {service} failed (exit {done.returncode})\n"
                                 + tail(log))
            with log.open("rb") as written:
                written.seek(start)
                said = written.read().decode(errors="replace").splitlines()
            self.first_superuser = next((line for line in said if "first superuser is" in line),
                                        self.first_superuser)

    def sign_in_help(self) -> str:
        """How whoever started the stack gets a token."""
        first = f"{self.first_superuser}\n" if self.first_superuser else ""
        return (f"{first}Sign in: POST {self.url}/api/accounts/login "
                '{"email", "password"} (the first superuser: CARDBOX_ADMIN_EMAIL / '
                "CARDBOX_ADMIN_PASSWORD, or the one-time password above), then send "
                "Authorization: Bearer <token>")

    def _plan(self) -> list[Process]:
        urls = self.service_urls()
        plan: list[Process] = []
        for name, url in urls.items():
            port = _port_of(url)
            web = _gunicorn(f'shared.service:web_app("{name}")', port, threads=4)
            plan.append(Process(f"{name}-web", web, port, gunicorn=True))
            plan.append(Process(f"{name}-consumer",
                                [sys.executable, "-m", "shared.service", "consume", name]))
        plan += self._bulk_worker_plan()
        routes = ",".join(f"{name}={url}" for name, url in urls.items())
        gateway = _gunicorn("gateway.wsgi:create()", self.port, threads=8)
        plan.append(Process("gateway", gateway, self.port, {"CARDBOX_SERVICE_URLS": routes},
                            gunicorn=True))
        return plan

    def _bulk_worker_plan(self) -> list[Process]:
        if self.bulk_workers and not BULK_WORKER_MODULE.exists():
            say(f"--bulk-workers {self.bulk_workers}: no bulk workers are installed yet "
                "(services/bulk/worker.py does not exist); starting none")
            return []
        return [Process(f"bulk-worker-{n}", [sys.executable, "-m", "services.bulk.worker"])
                for n in range(1, self.bulk_workers + 1)]

    def _spawn(self, process: Process) -> None:
        env = self._environment() | process.env
        if process.gunicorn:
            # gunicorn's workers add up their metrics in a folder that must start empty.
            metrics = self.var_dir / "metrics" / process.name
            shutil.rmtree(metrics, ignore_errors=True)
            metrics.mkdir(parents=True)
            env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        log = self.log_dir / f"{process.name}.log"
        with log.open("ab") as out:
            out.write(f"\n=== stack.py started {process.name} at {time.ctime()} ===\n".encode())
            out.flush()
            child = subprocess.Popen(process.argv, cwd=REPO_ROOT, env=env,
                                     stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        process.pid, process.started = child.pid, _start_time(child.pid)
        self._children[child.pid] = child
        self.processes.append(process)
        self._save()  # after each spawn: a crash of `up` itself still leaves `down` the pids

    def _leader_alive(self, process: Process) -> bool:
        child = self._children.get(process.pid)
        if child is not None:
            return child.poll() is None
        fields = _stat(process.pid) if process.pid else None
        return bool(fields) and fields[0] != "Z" and is_ours(process)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            for process in self.processes:
                if not self._leader_alive(process):
                    raise StackError(f"{process.name} exited during start-up\n"
                                     + tail(self.log_dir / f"{process.name}.log"))
            try:
                response = requests.get(self.url + "/readyz", timeout=5)
                if response.status_code == 200:
                    return
                last = f"HTTP {response.status_code} {response.text[:300]}"
            except requests.RequestException as exc:
                last = type(exc).__name__
            time.sleep(0.1)
        raise StackError(f"{self.url}/readyz did not answer 200 within {self.ready_timeout:.0f} s"
                         f" (last: {last})\n" + tail(self.log_dir / "gateway.log"))

    # --- down

    def down(self, grace: float = 10.0) -> list[str]:
        """SIGTERM each of our process groups, SIGKILL what is left after `grace` seconds;
        answer the names of the processes that were still running."""
        self._load()
        ours = [p for p in self.processes if is_ours(p)]
        for process in ours:
            _signal_group(process.pid, signal.SIGTERM)
        left = self._wait_gone(ours, grace)
        for process in left:
            say(f"{process.name} (pid {process.pid}) ignored SIGTERM for {grace:.0f} s; killing")
            _signal_group(process.pid, signal.SIGKILL)
        self._wait_gone(left, 5.0)
        for process in ours:
            child = self._children.pop(process.pid, None)
            code = child.wait(5) if child else None
            say(f"stopped {process.name}" + ("" if code is None else f" (exit {code})"))
        self.processes = []
        if self.run_file.exists():
            self._save()
        return [process.name for process in ours]

    def _wait_gone(self, processes: list[Process], seconds: float) -> list[Process]:
        deadline = time.monotonic() + seconds
        while True:
            for child in self._children.values():
                child.poll()  # reap, or the zombie leader would keep its group "alive"
            left = [p for p in processes if group_alive(p.pid)]
            if not left or time.monotonic() >= deadline:
                return left
            time.sleep(0.05)

    def destroy(self) -> None:
        """Stop the stack, then drop its vhost and databases (for tests and benchmarks)."""
        self.down()
        delete_vhost(self.vhost)
        drop_databases(self.databases())
        self.run_file.unlink(missing_ok=True)

    # --- status and the record

    def status(self) -> dict[str, Any]:
        """Each recorded process with whether it runs, and the gateway's /readyz answer."""
        self._load()
        try:
            ready = requests.get(self.url + "/readyz", timeout=5).json()
        except (requests.RequestException, ValueError) as exc:
            ready = {"status": f"unreachable ({type(exc).__name__})"}
        return {"url": self.url, "ready": ready,
                "processes": [dict(p.record(), running=self._leader_alive(p))
                              for p in self.processes]}

    def _load(self) -> None:
        """Settings of the last `up` in this var dir (the secret is kept across runs)."""
        if not self.run_file.exists():
            return
        record = json.loads(self.run_file.read_text())
        self.secret = self.secret or record.get("secret", "")
        self.processes = [Process(**p) for p in record.get("processes", [])]
        if self.processes:
            # A running stack answers on the ports and names it was started with.
            self.port, self.vhost = record["port"], record["vhost"]
            self.db_prefix = record["db_prefix"]

    def _save(self) -> None:
        self.run_file.parent.mkdir(parents=True, exist_ok=True)
        record = {"url": self.url, "port": self.port, "vhost": self.vhost,
                  "db_prefix": self.db_prefix, "secret": self.secret,
                  "broker_url": self.broker_url, "database_url": self.database_url,
                  "processes": [p.record() for p in self.processes]}
        temporary = self.run_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(record, indent=2) + "\n")
        temporary.chmod(0o600)  # it holds the principal secret
        temporary.replace(self.run_file)


# --- command line --------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stack.py", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start the distributed stack")
    down = commands.add_parser("down", help="stop it (--servers: RabbitMQ and PostgreSQL too)")
    status = commands.add_parser("status", help="what runs, and the gateway's /readyz")
    for command in (up, down, status):
        command.add_argument("--var", type=Path, default=DEFAULT_VAR,
                             help=f"run/ and log/ live here (default {DEFAULT_VAR})")
    up.add_argument("--port", type=int, default=8000, help="the gateway's port")
    up.add_argument("--bulk-workers", type=int, default=0, metavar="N")
    up.add_argument("--vhost", default="cardbox")
    up.add_argument("--db-prefix", default="cardbox")
    up.add_argument("--set", action="append", default=[], metavar="CARDBOX_NAME=VALUE",
                    help="another setting for every process (repeatable)")
    down.add_argument("--servers", action="store_true")
    return parser


def _up(args: argparse.Namespace) -> int:
    settings = dict(item.partition("=")[::2] for item in args.set)
    if any(not name.startswith("CARDBOX_") for name in settings):
        raise StackError("--set takes CARDBOX_NAME=VALUE")
    for name in ("CARDBOX_ADMIN_EMAIL", "CARDBOX_ADMIN_PASSWORD"):
        # The shell's CARDBOX_* are not passed on, but these name the first superuser (read on
        # a fresh installation only), as they do for `make run`.
        if os.environ.get(name) and name not in settings:
            settings[name] = os.environ[name]
    stack = Stack(args.var, port=args.port, vhost=args.vhost, db_prefix=args.db_prefix,
                  bulk_workers=args.bulk_workers, settings=settings).up()
    print(f"Cardbox (distributed) is running on {stack.url}")
    print(f"API docs: {stack.docs_url}   OpenAPI: {stack.url}/api/openapi.json")
    print(f"Logs in {stack.log_dir}; `make down` stops it")
    print(stack.sign_in_help())
    return 0


def _down(args: argparse.Namespace) -> int:
    if not Stack(args.var).down():
        say(f"nothing of a stack in {args.var} was running")
    if args.servers:
        stop_servers()
    return 0


def _status(args: argparse.Namespace) -> int:
    report = Stack(args.var).status()
    if not report["processes"]:
        print(f"nothing recorded as running in {args.var}")
        return 3
    for process in report["processes"]:
        state = "running" if process["running"] else "stopped"
        port = f"  port {process['port']}" if process["port"] else ""
        print(f"{process['name']:<24} pid {process['pid']:<8} {state}{port}")
    print(f"{report['url']}/readyz: {json.dumps(report['ready'])}")
    return 0 if report["ready"].get("status") == "ok" else 3


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"up": _up, "down": _down, "status": _status}[args.command](args)
    except (StackError, OSError, psycopg.Error, requests.RequestException) as exc:
        print(f"stack.py {args.command} failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
