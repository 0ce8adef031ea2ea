"""Running products for the end-to-end tier and the benchmarks: the embedded process, the
distributed stack (deploy/local/stack.py), and a small HTTP client of the gateway."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import requests

from shared.testing import wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
STACK_PY = REPO_ROOT / "deploy" / "local" / "stack.py"
HTTP_TIMEOUT = 15.0
# The first superuser of every product started here (each has a fresh var dir or databases).
ADMIN_EMAIL = "admin@cardbox.test"
ADMIN_PASSWORD = "e2e-admin-password"
ADMIN_SETTINGS = {"CARDBOX_ADMIN_EMAIL": ADMIN_EMAIL, "CARDBOX_ADMIN_PASSWORD": ADMIN_PASSWORD}


def stack_module() -> ModuleType:
    """deploy/local/stack.py, imported from its path (deploy/ is not a package)."""
    name = "cardbox_local_stack"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, STACK_PY)
        module = importlib.util.module_from_spec(spec)
        # Registered before it runs: dataclasses look their module up while it is built.
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@dataclass
class Gateway:
    """A client of one running product's gateway, as other internal systems use it: signed in
    (the products here hand out the bootstrap superuser's), or anonymous()."""

    mode: str
    url: str
    service_urls: dict[str, str] = field(default_factory=dict)
    session: requests.Session = field(default_factory=requests.Session, repr=False)
    principal: dict[str, Any] | None = None  # who the log-in said this client is

    @property
    def label(self) -> str:
        """How history records this client ("staff:<id>"), or "anonymous"."""
        return f"{self.principal['kind']}:{self.principal['id']}" if self.principal \
            else "anonymous"

    @property
    def credentials(self) -> dict[str, str]:
        """The Authorization header this client sends, for requests made without it."""
        token = self.session.headers.get("Authorization")
        return {"Authorization": token} if token else {}

    def sign_in(self, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> Gateway:
        """Log in; every later request carries the Bearer token."""
        response = self.post("/api/accounts/login", json={"email": email, "password": password})
        assert response.status_code == 200, f"log-in as {email} failed: {response.text}"
        answer = response.json()
        self.session.headers["Authorization"] = f"Bearer {answer['token']}"
        self.principal = answer["principal"]
        return self

    def anonymous(self) -> Gateway:
        """A client of the same product without credentials."""
        return Gateway(self.mode, self.url, dict(self.service_urls))

    def new_staff(self, role: str) -> Gateway:
        """A client signed in as a new staff user of `role`, made by this client (which
        needs staff:manage)."""
        email, password = f"{unique(role + '.')}@example.org", unique("password-")
        created = self.post("/api/accounts/staff", json={
            "email": email, "name": f"E2E {role}", "role": role, "password": password,
            "must_change_password": False})
        assert created.status_code == 201, created.text
        return self.anonymous().sign_in(email, password)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return self.session.request(method, self.url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def query(self, field_name: str, value: str) -> list[dict[str, Any]]:
        """The read model's relations whose `field_name` equals `value`."""
        response = self.post("/api/selections/filters/query",
                             json={"filter": {"field": field_name, "op": "eq", "value": value}})
        assert response.status_code == 200, response.text
        return response.json()["items"]


def wait_ready(url: str, alive: Any, log: Path, timeout: float = 60.0) -> None:
    """Poll `url`/readyz until it answers 200; fail early (with the log) if `alive()` is false."""

    def ready() -> bool:
        assert alive(), f"the process exited during start-up\n{tail(log)}"
        try:
            return requests.get(url + "/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    wait_until(ready, timeout=timeout, interval=0.05, message=f"{url}/readyz")


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


class EmbeddedProcess:
    """`python -m gateway.embedded` on a free port with its own var dir, as `make run` does."""

    def __init__(self, var_dir: Path, port: int | None = None):
        self.var_dir = Path(var_dir)
        self.port = port or stack_module().free_port(services=0)
        self.log = self.var_dir / "embedded.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Gateway:
        """Start the process and wait until its gateway is ready."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        # A developer's distributed settings must not leak into the embedded product.
        env = {k: v for k, v in os.environ.items() if not k.startswith("CARDBOX_")}
        env.update(CARDBOX_PORT=str(self.port), CARDBOX_VAR_DIR=str(self.var_dir),
                   CARDBOX_HOST="127.0.0.1", PYTHONUNBUFFERED="1", **ADMIN_SETTINGS)
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gateway.embedded"], cwd=REPO_ROOT, env=env,
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_ready(self.url, lambda: self.process.poll() is None, self.log, timeout)
        except BaseException:
            self.process.kill()
            self.process.wait()
            raise
        return Gateway("embedded", self.url).sign_in()

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then the exit code; a process still running after `timeout` is killed."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the embedded product ignored SIGTERM for {timeout} s\n"
                                 + tail(self.log)) from None


class DistributedStack:
    """A private distributed stack: its own var dir, vhost, databases and ports."""

    def __init__(self, var_dir: Path, label: str = "e2e"):
        stacks = stack_module()
        name = unique(f"{label}_")
        # Servers someone else started are theirs: stop only those this stack starts.
        self.started_servers = set(stacks.SERVERS) - stacks.servers_running()
        self.stack = stacks.Stack(var_dir=var_dir, port=stacks.free_port(), vhost=name,
                                  db_prefix=name, settings=dict(ADMIN_SETTINGS))

    def start(self) -> Gateway:
        self.stack.up()
        return Gateway("distributed", self.stack.url, self.stack.service_urls()).sign_in()

    def stop(self) -> None:
        """Stop the processes, drop vhost and databases, and the servers if we started them."""
        stacks = stack_module()
        try:
            self.stack.destroy()
        finally:
            stacks.stop_servers(self.started_servers)


@contextmanager
def embedded_product(var_dir: Path) -> Iterator[Gateway]:
    """The embedded product while the block runs; it must then exit 0 on SIGTERM."""
    product = EmbeddedProcess(var_dir)
    gateway = product.start()
    try:
        yield gateway
    finally:
        exit_code = product.stop()
    assert exit_code == 0, f"the embedded product exited {exit_code}\n{tail(product.log)}"


@contextmanager
def distributed_product(var_dir: Path, label: str = "e2e") -> Iterator[Gateway]:
    """A private distributed stack while the block runs; dropped afterwards."""
    product = DistributedStack(var_dir, label)
    try:
        yield product.start()
    finally:
        product.stop()
