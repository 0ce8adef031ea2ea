"""`cardbox`: the command-line client of the gateway (console script)."""

from services.bulk.cli.app import app

__all__ = ["app"]
