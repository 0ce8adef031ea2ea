"""The CLI's side of the wire: the gateway over HTTP, problem+json answers as ApiError, and the
credentials a `cardbox login` keeps."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

TIMEOUT = 60.0
CREATE_ATTEMPTS = 3  # a lost answer is asked again with the same Idempotency-Key


class ApiError(Exception):
    """A 4xx or 5xx answer: its status and problem+json body (detail, errors per field)."""

    def __init__(self, status: int, problem: dict[str, Any]):
        super().__init__(problem.get("detail") or problem.get("title") or f"HTTP {status}")
        self.status = status
        self.problem = problem

    @property
    def detail(self) -> str:
        return str(self)

    @property
    def errors(self) -> dict[str, Any]:
        return self.problem.get("errors") or {}


class Unreachable(Exception):
    """The gateway did not answer (wrong URL, not running, network)."""


class BadCredentials(Exception):
    """The kept credentials file cannot be read."""


@dataclass(frozen=True)
class Credentials:
    url: str
    token: str | None = None
    api_key: str | None = None
    email: str | None = None

    @property
    def authorization(self) -> str | None:
        if self.api_key:
            return f"ApiKey {self.api_key}"
        return f"Bearer {self.token}" if self.token else None


def credentials_path() -> Path:
    return Path.home() / ".config" / "cardbox" / "credentials.json"


def load_credentials() -> Credentials | None:
    """What `cardbox login` kept, or None."""
    path = credentials_path()
    try:
        data = json.loads(path.read_text())
        return Credentials(url=data["url"], token=data.get("token"), email=data.get("email"))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        raise BadCredentials(f"{path} is not what cardbox login writes: log in again") from None


def save_credentials(credentials: Credentials) -> Path:
    """Keep the token for the next commands, readable by this user only (0600)."""
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an older file may have been made with wider rights
    with os.fdopen(descriptor, "w") as file:
        json.dump({"url": credentials.url, "token": credentials.token,
                   "email": credentials.email}, file)
    return path


def forget_credentials() -> bool:
    path = credentials_path()
    if not path.exists():
        return False
    path.unlink()
    return True


class Gateway:
    """The Cardbox gateway at `url`, called with these credentials."""

    def __init__(self, url: str, authorization: str | None = None):
        self.url = url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json, application/problem+json"
        if authorization:
            self.session.headers["Authorization"] = authorization

    def call(self, method: str, path: str, *, body: Any = None,
             query: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
        """The JSON answer (None for 204); ApiError for a 4xx/5xx, Unreachable for no answer."""
        try:
            response = self.session.request(
                method, self.url + path, json=body, headers=headers, timeout=TIMEOUT,
                params={k: v for k, v in (query or {}).items() if v is not None})
        except requests.RequestException as exc:
            raise Unreachable(f"no answer from {self.url}: {type(exc).__name__}") from None
        if response.status_code >= 400:
            raise ApiError(response.status_code, _problem(response))
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def login(self, email: str, password: str) -> dict[str, Any]:
        return self.call("POST", "/api/accounts/login",
                         body={"email": email, "password": password})

    def logout(self) -> None:
        self.call("POST", "/api/accounts/logout")

    def operations(self) -> list[dict[str, Any]]:
        return self.call("GET", "/api/bulk/operations")

    def create_job(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /jobs; retried on a lost answer with the same key, so one job is made."""
        key, attempts = str(uuid.uuid4()), CREATE_ATTEMPTS
        while True:
            try:
                return self.call("POST", "/api/bulk/jobs", body=body,
                                 headers={"Idempotency-Key": key})
            except Unreachable:
                attempts -= 1
                if not attempts:
                    raise

    def job(self, job_id: str) -> dict[str, Any]:
        return self.call("GET", f"/api/bulk/jobs/{job_id}")

    def confirm(self, job_id: str, confirmations: list[str],
                mode: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"confirmations": confirmations}
        if mode is not None:
            body["mode"] = mode
        return self.call("POST", f"/api/bulk/jobs/{job_id}/confirm", body=body)

    def cancel(self, job_id: str) -> dict[str, Any]:
        return self.call("POST", f"/api/bulk/jobs/{job_id}/cancel")

    def undo(self, job_id: str, mode: str) -> dict[str, Any]:
        return self.call("POST", f"/api/bulk/jobs/{job_id}/undo", body={"mode": mode})

    def results(self, job_id: str, *, outcome: str | None, limit: int,
                cursor: str | None = None) -> dict[str, Any]:
        return self.call("GET", f"/api/bulk/jobs/{job_id}/results",
                         query={"outcome": outcome, "limit": limit, "cursor": cursor})


def _problem(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return body
    return {"status": response.status_code,
            "detail": response.text.strip()[:500] or response.reason or "no detail"}
