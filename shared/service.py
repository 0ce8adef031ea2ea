"""Entry points of a service's processes in distributed mode.

    gunicorn 'shared.service:web_app("relations")'     the HTTP API
    python -m shared.service consume relations          its consumer, outbox relay, periodic tasks
    python -m shared.service migrate relations          upgrade its database
"""

from __future__ import annotations

import argparse
import gc
import signal
import threading
from typing import Any

from flask import Flask

from shared.config import Settings
from shared.context import configure_logging
from shared.http import create_app
from shared.plugins import service_plugins
from shared.runtime import ServiceRuntime, bootstrap


def settle_heap() -> None:
    """Once a process has started: what it made so far (modules, mappers, compiled
    validators) lives as long as the process, so it leaves the collector's sight. Otherwise
    each full collection walks it again, and they come often while a consumer decodes a
    batch event of a thousand states (three times the decoding time, measured here); a
    higher first threshold lets a chunk's short-lived objects go by reference counting."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def web_app(name: str) -> Flask:
    settings = Settings.from_env()
    configure_logging(settings.log_level, f"{name}-web")
    (plugin,) = service_plugins([name])
    app = create_app(bootstrap(plugin, settings, migrate=False))
    settle_heap()
    return app


def consume(name: str) -> None:
    """Run the consumer, the outbox relay and the periodic tasks until SIGTERM or Ctrl-C."""
    settings = Settings.from_env()
    configure_logging(settings.log_level, f"{name}-consumer")
    (plugin,) = service_plugins([name])
    serve(bootstrap(plugin, settings, migrate=False))


def serve(runtime: ServiceRuntime, **background: Any) -> None:
    """Run a process's background threads (start_background's choices) until SIGTERM,
    Ctrl-C or one of them ends, then stop them all; the last exits non-zero."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    settle_heap()
    runtime.start_background(**background)
    try:
        while runtime.running() and not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        stopping.set()
    finally:
        runtime.stop()
    if not stopping.is_set():
        # A supervisor restarts a process that failed; exit 0 would read as a clean stop.
        raise SystemExit(f"{runtime.name}: a background thread ended on its own; exiting")


def migrate(name: str) -> None:
    settings = Settings.from_env()
    (plugin,) = service_plugins([name])
    runtime = bootstrap(plugin, settings, declare=False)
    runtime.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.service")
    parser.add_argument("action", choices=("consume", "migrate"))
    parser.add_argument("service")
    args = parser.parse_args(argv)
    {"consume": consume, "migrate": migrate}[args.action](args.service)


if __name__ == "__main__":
    main()
