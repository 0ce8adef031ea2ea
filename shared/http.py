"""A service's web app: blueprints, problem+json errors, the principal check, health, metrics,
and the service's own OpenAPI document (the gateway merges them)."""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_smorest import Api
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from shared import access, context, metrics
from shared.access import RoutePermissions
from shared.auth import CORRELATION_HEADER, PRINCIPAL_HEADER, Principal, PrincipalSigner
from shared.errors import (
    PROBLEM_JSON,
    PlatformError,
    PreconditionFailed,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)

log = logging.getLogger(__name__)

OPEN_PATHS = ("/healthz", "/readyz", "/metrics")


def unit_of_work() -> Any:
    """A unit of work of the service answering the request in hand."""
    return current_app.extensions["cardbox.runtime"].unit_of_work()


def problem_response(error: PlatformError) -> Response:
    """An RFC 9457 answer; usable outside a request context (the gateway's proxy path). A 401
    names the schemes that would be accepted (RFC 9110), whoever answers it."""
    response = Response(json.dumps(error.to_problem()), status=error.status,
                        content_type=PROBLEM_JSON)
    if error.status == 401:
        for scheme in ("Bearer", "ApiKey"):
            response.headers.add("WWW-Authenticate", f'{scheme} realm="cardbox"')
    return response


def _http_problem(exc: HTTPException) -> Response:
    """Werkzeug and webargs errors in the same problem+json shape as ours."""
    # A body that fails its schema is the same kind of error as one our handlers refuse.
    error = (ValidationFailed if exc.code == 422 else PlatformError)(exc.description or exc.name)
    if exc.code != 422:
        error.status, error.code, error.title = exc.code or 500, \
            exc.name.lower().replace(" ", "_"), exc.name
    messages = getattr(exc, "data", {}).get("messages") if hasattr(exc, "data") else None
    if messages:
        error.errors = _field_errors(messages)
        error.detail = "some fields are not valid: " + ", ".join(sorted(error.errors))
    response = problem_response(error)
    if exc.code == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _field_errors(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests errors by location ({"json": {field: [...]}}); callers care about the
    field. A location that failed whole ({"json": ["Invalid JSON body."]}) is named itself."""
    errors: dict[str, Any] = {}
    for location, found in messages.items():
        if isinstance(found, dict):
            errors.update(found)
        else:
            errors[location] = found
    return errors


def install_platform_hooks(app: Flask, name: str, signer: PrincipalSigner | None,
                           open_paths: tuple[str, ...], *,
                           permissions: RoutePermissions | None = None,
                           auth_required: bool = False) -> None:
    """Correlation id, principal and permission checks, metrics and the error handlers shared
    by every app. Without a signer (the gateway's own app) nobody is checked."""
    app.extensions["cardbox.access"] = (open_paths, permissions)

    @app.before_request
    def _begin():
        g.started = time.perf_counter()
        g.correlation = context.working_on(request.headers.get(CORRELATION_HEADER)
                                           or str(uuid.uuid4()))
        g.correlation_id = g.correlation.__enter__()
        checked = signer is not None and request.path not in open_paths
        g.principal = signer.verify(request.headers.get(PRINCIPAL_HEADER)) if checked \
            else Principal.anonymous()
        g.acting = context.acting_as(g.principal)
        g.acting.__enter__()
        if checked:
            _admit(app, g.principal, auth_required)
        return None

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers[CORRELATION_HEADER] = g.get("correlation_id", "")
        route = request.url_rule.rule if request.url_rule else "unmatched"
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        metrics.HTTP_REQUESTS.labels(name, request.method, route, response.status_code).inc()
        metrics.HTTP_LATENCY.labels(name, request.method, route).observe(elapsed)
        return response

    @app.teardown_request
    def _leave(_exc):
        for scope in ("acting", "correlation"):
            entered = g.pop(scope, None)
            if entered is not None:
                entered.__exit__(None, None, None)

    app.register_error_handler(PlatformError, problem_response)
    # Optimistic locking lost a race the handler did not foresee: the caller retries.
    app.register_error_handler(StaleDataError, lambda _exc: problem_response(PreconditionFailed(
        "someone else changed this at the same moment; reload it and apply your change again")))
    app.register_error_handler(HTTPException, _http_problem)

    @app.errorhandler(Exception)
    def _unexpected(_exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(_internal_error())


def _admit(app: Flask, principal: Principal, auth_required: bool) -> None:
    """Refuse the request here unless its principal may use the matched view."""
    if request.url_rule is None:  # nothing is served here: a stranger learns not even that
        if principal.kind == "anonymous" and auth_required:
            raise Unauthenticated("sign in first")
        return
    view = app.view_functions.get(request.url_rule.endpoint)
    needed = access.resolve(view, request.method, app.extensions["cardbox.access"][1])
    access.admit(needed, principal, auth_required=auth_required)


def route_access(app: Flask) -> dict[tuple[str, str], str | None]:
    """{(rule, method): the permission or marker it needs} for every route of an app (the
    platform's open paths answer "open"); None marks a route nobody declared."""
    open_paths, defaults = app.extensions["cardbox.access"]
    table = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"OPTIONS"}):
            table[(rule.rule, method)] = access.OPEN if rule.rule in open_paths else \
                access.resolve(view, method, defaults)
    return table


def _internal_error() -> PlatformError:
    error = PlatformError("an unexpected error occurred; it has been logged with the "
                          "request's correlation id")
    error.status, error.code, error.title = 500, "internal_error", "Internal server error"
    return error


def create_app(runtime: Any) -> Flask:
    """The web app of one service runtime (see shared.runtime)."""
    plugin, settings = runtime.plugin, runtime.settings
    app = Flask(f"cardbox.{plugin.name}", static_folder=None)  # serves no files
    app.config.update(
        API_TITLE=plugin.title,
        API_VERSION=plugin.version,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=f"/api/{plugin.name}",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_SORT_KEYS=False,
    )
    app.extensions["cardbox.runtime"] = runtime
    api = Api(app)
    for blueprint in plugin.blueprints:
        api.register_blueprint(blueprint)
    spec_path = f"/api/{plugin.name}/openapi.json"
    install_platform_hooks(app, plugin.name, PrincipalSigner(settings.principal_secret),
                           OPEN_PATHS + (spec_path,), permissions=plugin.permissions,
                           auth_required=settings.auth_required)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok", "service": plugin.name}

    @app.get("/readyz")
    def readyz():
        checks = readiness_checks(runtime)
        if any(state != "ok" for state in checks.values()):
            error = Unavailable("not ready: " + ", ".join(
                f"{name} {state}" for name, state in checks.items() if state != "ok"),
                checks=checks)
            return problem_response(error)
        return {"status": "ok", "checks": checks}

    @app.get("/metrics")
    def metrics_endpoint():
        body, content_type = metrics.render(settings.metrics_dir)
        return Response(body, content_type=content_type)

    return app


def readiness_checks(runtime: Any) -> dict[str, str]:
    """'ok' or the reason, for the database and the broker of one service."""
    checks = {}
    for name, probe in (("database", runtime.database.ping), ("broker", runtime.bus.ping)):
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"unreachable ({type(exc).__name__})"
    return checks
