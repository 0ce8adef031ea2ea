"""Log-in, log-out, and the gateway's question "who is this?" (under /api/accounts)."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from services.accounts import login as logins
from services.accounts.authentication import authenticate
from services.accounts.ratelimit import TooManyAttempts
from services.accounts.staff.schemas import AuthenticateSchema, LoginAnswerSchema, LoginSchema
from shared import context
from shared.access import open_route, signed_in, system_only
from shared.http import problem_response, unit_of_work

sessions = Blueprint("sessions", __name__, url_prefix="/api/accounts",
                     description="Log in with an e-mail address and password for a token; "
                                 "log out to end it.")


class InternalBlueprint(Blueprint):
    """Routes only the gateway calls: kept out of the published API document."""

    def register_views_in_doc(self, *args, **kwargs) -> None:
        return None


internal = InternalBlueprint("internal", __name__, url_prefix="/api/accounts/internal",
                             description="For the gateway only.")



@sessions.app_errorhandler(TooManyAttempts)
def _too_many(error: TooManyAttempts):
    response = problem_response(error)
    response.headers["Retry-After"] = str(error.extra.get("retry_after", 60))
    return response


def client_ip() -> str | None:
    """The address the request came from, as the gateway saw it (rate limits count by it)."""
    # The gateway appends the address it saw as the last hop; earlier hops are the client's word.
    forwarded = request.headers.get("X-Forwarded-For", "")
    return forwarded.rsplit(",", 1)[-1].strip() or request.remote_addr


@sessions.post("/login")
@open_route
@sessions.arguments(LoginSchema)
@sessions.response(200, LoginAnswerSchema)
def login(data):
    """Log in (staff by default, or kind "portal") for a token to send as
    Authorization: Bearer <token>; a wrong e-mail address or password is one same 401."""
    return logins.login(unit_of_work(), data["email"], data["password"], kind=data["kind"],
                        client_ip=client_ip())


@sessions.post("/logout")
@signed_in
@sessions.response(204)
def logout():
    """End the token this request is made with."""
    logins.logout(unit_of_work(), request.headers.get("Authorization"))


@internal.post("/authenticate")
@system_only
@internal.arguments(AuthenticateSchema)
def authenticate_header(data):
    """The principal an Authorization header value stands for (the gateway asks)."""
    return authenticate(unit_of_work(), data["authorization"], context.principal())
