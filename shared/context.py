"""The correlation id of the work in hand, carried from HTTP request or message into logs and
into every message that work emits."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
_causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)
# Who the work in hand is done for (a shared.auth.Principal); history records it.
_principal: ContextVar = ContextVar("principal", default=None)


def correlation_id() -> str | None:
    return _correlation_id.get()


def causation_id() -> str | None:
    return _causation_id.get()


@contextmanager
def working_on(correlation: str | None, causation: str | None = None) -> Iterator[str]:
    """Run a block as part of `correlation` (a new one if None), caused by message `causation`."""
    corr = correlation or str(uuid.uuid4())
    tokens = (_correlation_id.set(corr), _causation_id.set(causation))
    try:
        yield corr
    finally:
        _correlation_id.reset(tokens[0])
        _causation_id.reset(tokens[1])


def principal():
    """The principal the work in hand is done for, or None outside a request or message."""
    return _principal.get()


@contextmanager
def acting_as(principal) -> Iterator[None]:
    token = _principal.set(principal)
    try:
        yield
    finally:
        _principal.reset(token)


class CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = _correlation_id.get() or "-"
        return True


def configure_logging(level: str, process: str) -> None:
    """One log format for every process: when, level, process, correlation id, logger, text."""
    handler = logging.StreamHandler()
    handler.addFilter(CorrelationFilter())
    handler.setFormatter(
        logging.Formatter(
            f"%(asctime)s %(levelname)s {process} [%(correlation_id)s] %(name)s: %(message)s"
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
