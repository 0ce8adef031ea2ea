"""Prometheus metrics every process exposes on /metrics."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

HTTP_REQUESTS = Counter(
    "cardbox_http_requests_total", "HTTP requests answered", ["app", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "cardbox_http_request_seconds", "Time to answer an HTTP request", ["app", "method", "route"]
)
MESSAGES_HANDLED = Counter(
    "cardbox_messages_handled_total", "Bus messages handled", ["service", "type", "outcome"]
)
OUTBOX_PUBLISHED = Counter(
    "cardbox_outbox_published_total", "Outbox rows published with a confirm", ["service"]
)


def render(multiprocess_dir: str | None = None) -> tuple[bytes, str]:
    """The exposition text; under gunicorn, the sum over all worker processes."""
    if multiprocess_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=multiprocess_dir)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
