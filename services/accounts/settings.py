"""The running service's settings, as the accounts code below the views reads them."""

from __future__ import annotations

from contextvars import ContextVar

from shared.config import Settings

_current: ContextVar[Settings | None] = ContextVar("accounts_settings", default=None)


def use(settings: Settings) -> None:
    """Set the settings of the work in hand (each accounts request does, before its view)."""
    _current.set(settings)


def current() -> Settings:
    """The settings of the work in hand; outside a request, the defaults."""
    return _current.get() or Settings()
