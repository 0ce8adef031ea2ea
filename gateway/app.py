"""The gateway's WSGI app: routes /api/<service>/… to the service, serves docs, health, metrics."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from flask import Flask, Response, jsonify
from flask_swagger_ui import get_swaggerui_blueprint

from gateway.authentication import (
    Authenticator,
    has_dot_segments,
    is_internal,
    refusal,
)
from gateway.backends import Backend
from gateway.openapi import merge
from shared import metrics
from shared.auth import CORRELATION_HEADER, PRINCIPAL_HEADER, Principal, PrincipalSigner
from shared.config import Settings
from shared.errors import NotFound, PlatformError, Unavailable
from shared.http import install_platform_hooks, problem_response

VERSION = "0.1.0"
SPEC_TTL = 30.0
# Paths served by a service other than the one their second segment names: (prefix, service),
# the longest matching prefix wins. The rest of /api/portal is the accounts service's (#5).
ROUTES = (
    ("/api/portal/me/groups", "selections"),
)


class Gateway:
    """WSGI entry: `/api/<service>/…` goes to that service's backend, the rest to the gateway's
    own Flask app. The client's identity headers are replaced by the gateway's signed word."""

    def __init__(self, settings: Settings, backends: dict[str, Backend]):
        self.settings = settings
        self.backends = backends
        self.signer = PrincipalSigner(settings.principal_secret)
        self.authenticator = Authenticator(settings, backends, self.signer)
        self.app = self._own_app()
        self._spec: tuple[float, dict[str, Any]] | None = None
        self._spec_lock = threading.Lock()

    def authenticate(self, environ: dict) -> Principal:
        """Who is calling: what the accounts service says the Authorization header (a Bearer
        token or an API key) stands for, asked every time; anonymous without one."""
        return self.authenticator.identify(environ)[0]

    def __call__(self, environ, start_response):
        service = self._service_of(environ.get("PATH_INFO", ""))
        if service is None:
            return self.app(environ, start_response)
        if is_internal(environ.get("PATH_INFO", "")) or has_dot_segments(environ["PATH_INFO"]):
            return problem_response(refusal(environ["PATH_INFO"]))(environ, start_response)
        started = time.perf_counter()
        environ.pop("HTTP_" + PRINCIPAL_HEADER.upper().replace("-", "_"), None)
        correlation_key = "HTTP_" + CORRELATION_HEADER.upper().replace("-", "_")
        environ.setdefault(correlation_key, str(uuid.uuid4()))
        forwarded = environ.get("HTTP_X_FORWARDED_FOR")
        client = environ.get("REMOTE_ADDR", "")
        environ["HTTP_X_FORWARDED_FOR"] = f"{forwarded}, {client}" if forwarded else client

        def observed_start_response(status, headers, exc_info=None):
            metrics.HTTP_REQUESTS.labels("gateway", environ["REQUEST_METHOD"], service,
                                         status.split(" ", 1)[0]).inc()
            metrics.HTTP_LATENCY.labels("gateway", environ["REQUEST_METHOD"], service).observe(
                time.perf_counter() - started)
            return start_response(status, headers, exc_info)

        try:
            self._vouch(environ, service)
        except PlatformError as error:
            return problem_response(error)(environ, observed_start_response)
        try:
            return self.backends[service](environ, observed_start_response)
        except OSError as exc:  # requests' connection errors are OSErrors too
            error = Unavailable(f"the {service} service cannot be reached: {type(exc).__name__}")
            return problem_response(error)(environ, observed_start_response)

    def _vouch(self, environ: dict, service: str) -> None:
        """Replace the client's credentials by the gateway's signed word on who is calling
        (or refuse: 401, 403); only the accounts service still sees the Authorization header
        (log-out needs its token)."""
        principal = self.authenticator.admit(environ)
        environ["HTTP_" + PRINCIPAL_HEADER.upper().replace("-", "_")] = self.signer.sign(principal)
        if service != "accounts":
            environ.pop("HTTP_AUTHORIZATION", None)

    def _service_of(self, path: str) -> str | None:
        routed = [(prefix, service) for prefix, service in ROUTES
                  if path == prefix or path.startswith(prefix + "/")]
        if routed:
            service = max(routed, key=lambda route: len(route[0]))[1]
            return service if service in self.backends else None
        parts = path.split("/", 3)
        if len(parts) >= 3 and parts[1] == "api" and parts[2] in self.backends:
            return parts[2]
        return None

    def merged_spec(self) -> dict[str, Any]:
        with self._spec_lock:
            if self._spec and time.monotonic() - self._spec[0] < SPEC_TTL:
                return self._spec[1]
            documents = {}
            for name, backend in self.backends.items():
                status, document = backend.get_json(f"/api/{name}/openapi.json", {})
                if status != 200 or not isinstance(document, dict):
                    raise Unavailable(f"the {name} service did not hand out its API document")
                documents[name] = document
            spec = merge(documents, version=VERSION)
            self._spec = (time.monotonic(), spec)
            return spec

    def readiness(self) -> dict[str, Any]:
        checks = {}
        for name, backend in self.backends.items():
            try:
                status, body = backend.get_json("/readyz", {})
            except OSError as exc:
                status, body = 503, {"detail": f"unreachable ({type(exc).__name__})"}
            checks[name] = "ok" if status == 200 else (body or {}).get("detail", f"HTTP {status}")
        return checks

    def _own_app(self) -> Flask:
        app = Flask("cardbox.gateway", static_folder=None)  # serves no files of its own
        install_platform_hooks(app, "gateway", signer=None, open_paths=())
        app.register_blueprint(get_swaggerui_blueprint(
            "/api/docs", "/api/openapi.json", config={"app_name": "Cardbox API"}))

        @app.get("/api/openapi.json")
        def openapi():
            return jsonify(self.merged_spec())

        @app.get("/healthz")
        def healthz():
            return {"status": "ok", "services": sorted(self.backends)}

        @app.get("/readyz")
        def readyz():
            checks = self.readiness()
            if any(state != "ok" for state in checks.values()):
                return problem_response(Unavailable("not every service is ready", checks=checks))
            return {"status": "ok", "checks": checks}

        @app.get("/metrics")
        def metrics_endpoint():
            body, content_type = metrics.render(self.settings.metrics_dir)
            return Response(body, content_type=content_type)

        @app.route("/api/<service>/", defaults={"rest": ""})
        @app.route("/api/<service>/<path:rest>")
        def unknown_service(service, rest):
            raise NotFound(f"no service is called {service!r}; known: "
                           + ", ".join(sorted(self.backends)))

        return app
