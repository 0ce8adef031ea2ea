"""Who is calling, asked of the accounts service for every request that carries credentials,
and which routes a caller may reach at all."""

from __future__ import annotations

import re
from typing import Any

from shared.auth import CORRELATION_HEADER, PRINCIPAL_HEADER, Principal, PrincipalSigner
from shared.config import Settings
from shared.errors import Forbidden, NotFound, Unauthenticated, Unavailable

AUTHENTICATE_PATH = "/api/accounts/internal/authenticate"
INTERNAL = re.compile(r"^/api/accounts/internal(/|$)")
# Reached without a principal (the gateway's own /healthz, docs and metrics never come here).
OPEN_ROUTES = frozenset({"/api/accounts/login", "/api/accounts/activate",
                         "/api/accounts/password-reset", "/api/accounts/password-reset/confirm"})
# All a staff user with a one-time password may do before choosing their own.
PASSWORD_CHANGE_ROUTES = frozenset({"/api/accounts/me", "/api/accounts/me/password",
                                    "/api/accounts/logout"})
# A portal account's whole reach besides the open routes.
PORTAL_PREFIX = "/api/portal/"
PORTAL_ROUTES = frozenset({"/api/accounts/logout"})
GATEWAY = Principal.system("gateway")


def normalised(path: str) -> str:
    return re.sub("/{2,}", "/", path)


def is_internal(path: str) -> bool:
    """Whether a path is for the gateway's own sub-requests (refused from outside with 404)."""
    return bool(INTERNAL.match(normalised(path)))


def has_dot_segments(path: str) -> bool:
    """Whether a path has "." or ".." segments (refused with 404): an HTTP client resolves
    them, so the service would serve another path than the one checked here."""
    return any(segment in (".", "..") for segment in path.split("/"))


def refusal(path: str) -> NotFound:
    return NotFound(f"nothing is served at {path}")


class Authenticator:
    """Asks the accounts backend who an Authorization header stands for, every time (never
    cached, so a logout or a revoked key counts at once)."""

    def __init__(self, settings: Settings, backends: dict[str, Any], signer: PrincipalSigner):
        self.settings = settings
        self.backends = backends
        self.signer = signer

    def identify(self, environ: dict) -> tuple[Principal, bool]:
        """(principal, must change password first); anonymous without credentials; 401 for
        credentials that stand for nobody."""
        header = environ.get("HTTP_AUTHORIZATION", "").strip()
        if not header:
            return Principal.anonymous(), False
        backend = self.backends.get("accounts")
        if backend is None:
            raise Unavailable("no accounts service is installed to check credentials")
        headers = {PRINCIPAL_HEADER: self.signer.sign(GATEWAY)}
        correlation = environ.get("HTTP_" + CORRELATION_HEADER.upper().replace("-", "_"))
        if correlation:
            headers[CORRELATION_HEADER] = correlation
        try:
            status, body = backend.post_json(AUTHENTICATE_PATH, {"authorization": header},
                                             headers)
        except OSError as exc:
            raise Unavailable("the accounts service cannot be reached to check credentials: "
                              f"{type(exc).__name__}") from None
        if status == 200 and isinstance(body, dict):
            return Principal.from_dict(body), bool(body.get("must_change_password"))
        if status == 401:
            raise Unauthenticated((body or {}).get("detail") or "the credentials are not valid")
        raise Unavailable(f"the accounts service could not check credentials (HTTP {status})")

    def admit(self, environ: dict) -> Principal:
        """The principal a request goes on with, or the refusal (401, 403) it gets here."""
        path = normalised(environ.get("PATH_INFO", ""))
        open_route = path in OPEN_ROUTES
        try:
            principal, must_change_password = self.identify(environ)
        except Unauthenticated:
            if open_route:
                return Principal.anonymous()  # a stale token must not stand in the way of login
            raise
        if open_route:
            return principal
        if principal.kind == "anonymous" and self.settings.auth_required:
            raise Unauthenticated("sign in first: send Authorization: Bearer <token> (from "
                                  "POST /api/accounts/login) or ApiKey <key>")
        if must_change_password and path not in PASSWORD_CHANGE_ROUTES:
            raise Forbidden("choose your own password first: POST /api/accounts/me/password")
        if principal.kind == "portal" and not (path.startswith(PORTAL_PREFIX)
                                               or path in PORTAL_ROUTES):
            raise Forbidden("a portal account reaches only the portal routes (/api/portal/)")
        return principal
