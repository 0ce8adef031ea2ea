"""One error family: raised by handlers, answered as problem+json over HTTP and as
`{code, message, details}` over the bus."""

from __future__ import annotations

from typing import Any

PROBLEM_JSON = "application/problem+json"


class PlatformError(Exception):
    """A refusal a caller can act on. Never retried: redelivering it gives the same answer."""

    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: dict[str, Any] | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}
        self.extra = extra

    def to_problem(self) -> dict[str, Any]:
        problem = {
            "type": f"https://cardbox.dev/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            problem["errors"] = self.errors
        problem.update(self.extra)
        return problem

    def to_wire(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.detail, "details": self.errors, **self.extra}


class ValidationFailed(PlatformError):
    status, code, title = 422, "validation_failed", "The request is not valid"


class NotFound(PlatformError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(PlatformError):
    status, code, title = 409, "conflict", "Conflict"


class Gone(PlatformError):
    status, code, title = 410, "gone", "Gone for good"


class PreconditionFailed(PlatformError):
    status, code, title = 412, "precondition_failed", "The resource has changed"


class PreconditionRequired(PlatformError):
    status, code, title = 428, "precondition_required", "A precondition is required"


class Unauthenticated(PlatformError):
    status, code, title = 401, "unauthenticated", "Authentication required"


class Forbidden(PlatformError):
    status, code, title = 403, "forbidden", "Forbidden"


class Unavailable(PlatformError):
    status, code, title = 503, "unavailable", "A dependency is unavailable"


class BusTimeout(Unavailable):
    code, title = "bus_timeout", "The service did not answer in time"


_BY_CODE = {
    cls.code: cls
    for cls in (
        PlatformError,
        ValidationFailed,
        NotFound,
        Conflict,
        Gone,
        PreconditionFailed,
        PreconditionRequired,
        Unauthenticated,
        Forbidden,
        Unavailable,
        BusTimeout,
    )
}


def from_wire(error: dict[str, Any]) -> PlatformError:
    """Rebuild the error a remote handler raised, so it surfaces with the same status here."""
    extra = {k: v for k, v in error.items() if k not in ("code", "message", "details")}
    cls = _BY_CODE.get(error.get("code", ""), PlatformError)
    return cls(error.get("message", "remote error"), errors=error.get("details") or {}, **extra)
