"""Which gateway a command talks to and as whom, and how failures end a command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer
from rich.console import Console
from rich.text import Text

from services.bulk.cli import render
from services.bulk.cli.client import (
    ApiError,
    BadCredentials,
    Credentials,
    Gateway,
    Unreachable,
    load_credentials,
)
from services.bulk.cli.flow import EXIT_BAD_INPUT, EXIT_NOT_CLEAN


@dataclass(frozen=True)
class Options:
    """--url/--token/--api-key (or CARDBOX_URL/CARDBOX_TOKEN/CARDBOX_API_KEY)."""

    url: str | None = None
    token: str | None = None
    api_key: str | None = None


def out() -> Console:
    return Console(highlight=False)


def err() -> Console:
    return Console(stderr=True, highlight=False)


def credentials(options: Options) -> Credentials:
    """Given options first; the kept log-in only for its own URL, so its token never goes to
    another host."""
    kept = load_credentials()
    url = options.url or (kept.url if kept else None)
    if not url:
        err().print(Text("No Cardbox to talk to: cardbox login --url URL --email E, or set "
                         "CARDBOX_URL (and CARDBOX_TOKEN or CARDBOX_API_KEY).", style="red"))
        raise typer.Exit(EXIT_BAD_INPUT)
    url = url.rstrip("/")
    if options.api_key or options.token:
        return Credentials(url=url, token=options.token, api_key=options.api_key)
    if kept and kept.url.rstrip("/") == url:
        return kept
    return Credentials(url=url)


def gateway(ctx: typer.Context) -> Gateway:
    """The gateway of this invocation, with its credentials."""
    found = credentials(ctx.obj if isinstance(ctx.obj, Options) else Options())
    return Gateway(found.url, found.authorization)


@contextmanager
def errors_reported() -> Iterator[None]:
    """A refusal (4xx) or unreadable credentials end with exit code 2, no answer or a 5xx
    with 1, each told on stderr."""
    try:
        yield
    except ApiError as error:
        render.problem(err(), error)
        raise typer.Exit(EXIT_BAD_INPUT if error.status < 500 else EXIT_NOT_CLEAN) from None
    except Unreachable as error:
        err().print(Text(str(error), style="bold red"))
        raise typer.Exit(EXIT_NOT_CLEAN) from None
    except BadCredentials as error:
        err().print(Text(str(error), style="bold red"))
        raise typer.Exit(EXIT_BAD_INPUT) from None
