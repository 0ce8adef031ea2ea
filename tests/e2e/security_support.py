"""What the security suite shares: the exact refusal it expects, the table of results it writes
for the closing note, the running stack's own record (secret, var dir), forged and raw requests,
answers compared for user enumeration, and the sweep over every route."""

from __future__ import annotations

import base64
import http.client
import json
import re
import time
import uuid
import zlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import requests
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from shared.auth import PRINCIPAL_HEADER, Principal, PrincipalSigner
from shared.permissions import staff_principal
from tests.e2e.running import HTTP_TIMEOUT, REPO_ROOT, Gateway

PROBLEM_JSON = "application/problem+json"
CODES = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 422: "validation_failed",
         429: "too_many_requests"}
METHODS = ("get", "post", "put", "patch", "delete")
RESULTS_FILE = REPO_ROOT / "var" / "bench" / "security.json"


# --- the results table --------------------------------------------------------------------


class Results:
    """One row per attempt: the case, what was tried, the answer expected and the one seen."""

    def __init__(self):
        self.rows: list[dict[str, Any]] = []

    def add(self, case: str, attempt: str, expected: str, observed: str) -> None:
        self.rows.append({"case": case, "attempt": attempt, "expected": expected,
                          "observed": observed, "ok": expected == observed})

    def table(self) -> str:
        lines = ["| # | attempt | expected | observed |", "|---|---|---|---|"]
        lines += [f"| {row['case']} | {row['attempt']} | {row['expected']} | {row['observed']} |"
                  for row in self.rows]
        return "\n".join(lines)

    def write(self, path: Path = RESULTS_FILE) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"rows": self.rows}, indent=2) + "\n")
        path.with_suffix(".md").write_text(self.table() + "\n")


def answer_of(response: requests.Response) -> str:
    """How a row shows an answer: the status and, for a problem, its code."""
    if response.headers.get("Content-Type", "").startswith(PROBLEM_JSON):
        return f"{response.status_code} {response.json().get('type', '').rsplit('/', 1)[-1]}"
    return str(response.status_code)


def refused(results: Results, case: str, attempt: str, response: requests.Response,
            status: int, *, challenge: bool = False) -> dict[str, Any]:
    """Record the attempt, then assert it got exactly the problem+json refusal `status`
    (with `challenge`: a 401 of the gateway's, naming the schemes to sign in with)."""
    expected = f"{status} {CODES[status]}"
    results.add(case, attempt, expected, answer_of(response))
    assert response.status_code == status, (
        f"{attempt}: {response.request.method} {response.request.url} answered "
        f"{response.status_code}, not {status}: {response.text[:500]}")
    assert response.headers["Content-Type"].startswith(PROBLEM_JSON), response.headers
    problem = response.json()
    assert (problem["status"], problem["type"]) == (
        status, f"https://cardbox.dev/problems/{CODES[status]}"), problem
    assert problem["detail"], problem
    if challenge:
        assert "Bearer" in response.headers.get("WWW-Authenticate", ""), response.headers
    return problem


def allowed(results: Results, case: str, attempt: str, response: requests.Response,
            status: int = 200) -> Any:
    """Record a control attempt that must succeed, then assert it did."""
    results.add(case, attempt, str(status), answer_of(response))
    assert response.status_code == status, (
        f"{attempt}: {response.request.method} {response.request.url} answered "
        f"{response.status_code}, not {status}: {response.text[:500]}")
    json_answer = "json" in response.headers.get("Content-Type", "")
    return response.json() if response.content and json_answer else None


# --- the stack's own record ---------------------------------------------------------------


def stack_var_dir(gateway: Gateway, base_temp: Path) -> Path:
    """The var dir of the stack behind `gateway` (deploy/local/stack.py records its url)."""
    for run_file in Path(base_temp).glob("*/run/stack.json"):
        if json.loads(run_file.read_text()).get("url") == gateway.url:
            return run_file.parent.parent
    raise AssertionError(f"no stack.json under {base_temp} for the stack at {gateway.url}")


def stack_secret(var_dir: Path) -> str:
    return json.loads((var_dir / "run" / "stack.json").read_text())["secret"]


def signed(secret: str, principal: Principal) -> dict[str, str]:
    """The principal header as the gateway of a stack with `secret` signs it."""
    return {PRINCIPAL_HEADER: PrincipalSigner(secret).sign(principal)}


def signed_long_ago(secret: str, principal: Principal, seconds: int) -> dict[str, str]:
    """A header the gateway's key signed `seconds` ago (a captured one, replayed)."""

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    serializer = URLSafeTimedSerializer(secret, salt="cardbox-principal", signer=Earlier)
    return {PRINCIPAL_HEADER: serializer.dumps(principal.to_dict())}


def superuser() -> Principal:
    """A principal nobody signed in as: what a forger would claim to be."""
    return staff_principal(str(uuid.uuid4()), "superuser", name="Forged")


def with_changed_payload(header: str, change: dict[str, Any]) -> str:
    """A signed header whose payload is altered by `change`, its timestamp and signature kept."""
    payload, timestamp, signature = header.rsplit(".", 2)
    compressed = payload.startswith(".")
    raw = base64.urlsafe_b64decode(payload.lstrip(".") + "=" * (-len(payload.lstrip(".")) % 4))
    data = json.loads(zlib.decompress(raw) if compressed else raw)
    data.update(change)
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
    return f"{forged.decode().rstrip('=')}.{timestamp}.{signature}"


class Raw:
    """The answer to a request sent with its path exactly as written (requests would resolve
    dot segments first), shaped as much like a requests.Response as `refused` needs."""

    def __init__(self, url: str, method: str, path: str, headers: dict[str, str],
                 body: Any = None):
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port,
                                                timeout=HTTP_TIMEOUT)
        payload = json.dumps(body).encode() if body is not None else None
        sent = {**headers, **({"Content-Type": "application/json"} if payload else {})}
        try:
            connection.request(method, path, body=payload, headers=sent)
            answer = connection.getresponse()
            self.status_code, self.content = answer.status, answer.read()
            self.headers = requests.structures.CaseInsensitiveDict(answer.getheaders())
        finally:
            connection.close()
        self.text = self.content.decode(errors="replace")
        self.request = SimpleNamespace(method=method, url=url + path)

    def json(self) -> Any:
        return json.loads(self.content)


def direct(url: str, method: str, path: str, headers: dict[str, str] | None = None,
           **kwargs: Any) -> requests.Response:
    """A request straight to a service's own port, past the gateway."""
    return requests.request(method, url + path, headers=headers or {}, timeout=HTTP_TIMEOUT,
                            **kwargs)


# --- user enumeration ------------------------------------------------------------------------


def comparable(response: requests.Response) -> tuple[int, dict[str, str], str]:
    """What two answers must share to tell nothing apart: status, headers (but the
    correlation id and the date) and body."""
    headers = {name.lower(): value for name, value in response.headers.items()
               if name.lower() not in ("x-correlation-id", "date")}
    return response.status_code, headers, response.text


def same_answer(results: Results, attempt: str, known: requests.Response,
                unknown: requests.Response, status: int, mask=lambda text: text) -> None:
    """Record and assert that a known and an unknown address are answered alike."""
    seen_known, seen_unknown = comparable(known), comparable(unknown)
    alike = (seen_known[0], mask(str(seen_known[1])), mask(seen_known[2])) == (
        seen_unknown[0], mask(str(seen_unknown[1])), mask(seen_unknown[2]))
    statuses = f"both {known.status_code}" if known.status_code == unknown.status_code \
        else f"{known.status_code} / {unknown.status_code}"
    results.add("7", attempt, f"both {status}, identical",
                f"{statuses}, " + ("identical" if alike else "DIFFERENT"))
    assert known.status_code == unknown.status_code == status, (known.text, unknown.text)
    assert alike, (seen_known, seen_unknown)


# --- every route of the API document -----------------------------------------------------


def placeholders(path: str) -> str:
    """A concrete path for an OpenAPI path template: every {parameter} a fresh id."""
    return re.sub(r"\{[^}]+\}", lambda _match: str(uuid.uuid4()), path)


def operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((method.upper(), path) for path, item in document["paths"].items()
                  for method in item if method in METHODS)


def service_of(path: str) -> str:
    return "selections" if path.startswith("/api/portal/me/groups") else path.split("/")[2]


def mismatch(response: requests.Response, status: int, code: str) -> str | None:
    """Why `response` is not exactly the problem+json `status` with `code`, or None."""
    if response.status_code != status:
        return f"answered {response.status_code}"
    if not response.headers.get("Content-Type", "").startswith(PROBLEM_JSON):
        return f"answered {response.headers.get('Content-Type')}"
    problem = response.json()
    if problem.get("type") != f"https://cardbox.dev/problems/{code}":
        return f"answered the problem {problem.get('type')}"
    return None


def sweep(results: Results, case: str, attempt: str, calls: list[tuple[str, str]],
          send, status_of) -> None:
    """Call each (method, path), check each answer is exactly the (status, code) `status_of`
    names, record one row."""
    wrong, seen = [], {}
    for method, path in calls:
        status, code = status_of(method, path)
        response = send(method, placeholders(path))
        seen[(status, code)] = seen.get((status, code), 0) + 1
        problem = mismatch(response, status, code)
        if problem:
            wrong.append(f"{method} {path}: {problem}, not {status} {code}: "
                         f"{response.text[:200]}")
    expected = ", ".join(f"{status} {code} x{count}" for (status, code), count in seen.items())
    observed = expected if not wrong else f"{len(wrong)} routes answered otherwise"
    results.add(case, f"{attempt} ({len(calls)} routes)", expected, observed)
    assert not wrong, "\n".join(wrong)
