"""The whole product in one process: every installed service, its consumer and outbox relay
as threads, the gateway in front, SQLite files and the memory:// bus. `make run` starts this."""

from __future__ import annotations

import logging
import signal
from dataclasses import dataclass

from waitress.server import create_server

from gateway.app import Gateway
from gateway.backends import InProcessBackend
from shared.bus import Bus
from shared.config import Settings
from shared.context import configure_logging
from shared.http import create_app
from shared.plugins import service_plugins
from shared.runtime import ServiceRuntime, bootstrap
from shared.service import settle_heap

log = logging.getLogger("cardbox.embedded")


@dataclass
class Embedded:
    settings: Settings
    runtimes: list[ServiceRuntime]
    gateway: Gateway

    def stop(self) -> None:
        for runtime in self.runtimes:
            runtime.request_stop()  # all at once, then wait for each
        for runtime in self.runtimes:
            runtime.stop()


def build(settings: Settings) -> Embedded:
    """Migrate, wire and start every installed service; answer the gateway in front of them."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    bus = Bus(settings.broker_url, confirm_timeout=settings.confirm_timeout,
              heartbeat=settings.heartbeat, queue_type=settings.queue_type)
    runtimes = [bootstrap(plugin, settings, bus=bus) for plugin in service_plugins()]
    for runtime in runtimes:
        runtime.start_background()
    backends = {runtime.name: InProcessBackend(create_app(runtime)) for runtime in runtimes}
    return Embedded(settings, runtimes, Gateway(settings, backends))


def sign_in_help(settings: Settings, base: str) -> str:
    """How to get a token, for whoever started Cardbox (the password itself is never shown
    here: it is CARDBOX_ADMIN_PASSWORD, or the one-time password printed once above)."""
    if not settings.auth_required:
        return ("Authentication is OFF (CARDBOX_AUTH_REQUIRED=false): anyone who reaches this "
                "port may do anything. For local experiments only.")
    who = settings.admin_email or "admin@localhost (unless CARDBOX_ADMIN_EMAIL named another)"
    return (f"Sign in as {who} (password: CARDBOX_ADMIN_PASSWORD, or the one-time password "
            f"printed above on the first start):\n"
            f"  curl -s -X POST {base}/api/accounts/login -H 'Content-Type: application/json' "
            "-d '{\"email\": \"...\", \"password\": \"...\"}'\n"
            "  then send Authorization: Bearer <token> with every request "
            "(API docs: Authorize).")


def _interrupt(*_args) -> None:
    # SIGTERM stops the server loop the same way Ctrl-C does.
    raise KeyboardInterrupt


def main() -> None:
    settings = Settings.from_env()
    configure_logging(settings.log_level, "embedded")
    product = build(settings)
    settle_heap()
    server = create_server(product.gateway, host=settings.host, port=settings.port, threads=8)
    base = f"http://{settings.host}:{settings.port}"
    print(f"Cardbox is running on {base}  (data in {settings.var_dir})", flush=True)
    print(f"API docs: {base}/api/docs   OpenAPI: {base}/api/openapi.json   Ctrl-C stops it",
          flush=True)
    print(sign_in_help(settings, base), flush=True)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        product.stop()
        print("Cardbox stopped.", flush=True)


if __name__ == "__main__":
    main()
