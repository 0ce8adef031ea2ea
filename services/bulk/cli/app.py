"""The `cardbox` command: log in and out of a Cardbox gateway, and `cardbox bulk …`."""

from typing import Annotated

import typer
from rich.text import Text

from services.bulk.cli.client import (
    ApiError,
    Credentials,
    Gateway,
    Unreachable,
    credentials_path,
    forget_credentials,
    load_credentials,
    save_credentials,
)
from services.bulk.cli.commands import bulk
from services.bulk.cli.session import Options, err, errors_reported, out

# Locals stay out of tracebacks: they may hold a password or a token.
app = typer.Typer(help="Cardbox from the command line, over its HTTP gateway.",
                  no_args_is_help=True, add_completion=False,
                  pretty_exceptions_show_locals=False)
app.add_typer(bulk, name="bulk")


@app.callback()
def main(ctx: typer.Context,
         url: Annotated[str | None, typer.Option(
             envvar="CARDBOX_URL", help="The gateway, e.g. http://localhost:8000 (default: "
                                        "the one logged in to).")] = None,
         token: Annotated[str | None, typer.Option(
             envvar="CARDBOX_TOKEN", show_default=False,
             help="A Bearer token (default: the one `cardbox login` kept).")] = None,
         api_key: Annotated[str | None, typer.Option(
             envvar="CARDBOX_API_KEY", show_default=False,
             help="An API client's key, sent as ApiKey <key>.")] = None) -> None:
    """Cardbox from the command line, over its HTTP gateway."""
    ctx.obj = Options(url=url, token=token, api_key=api_key)


@app.command()
def login(ctx: typer.Context,
          email: Annotated[str, typer.Option(help="Your staff e-mail address.")],
          password: Annotated[str, typer.Option(prompt=True, hide_input=True,
                                                help="Asked when not given.")],
          url: Annotated[str | None, typer.Option(
              envvar="CARDBOX_URL", help="The gateway, e.g. http://localhost:8000.")] = None,
          ) -> None:
    """Log in; the token is kept (for you only) in ~/.config/cardbox/credentials.json."""
    url = (url or ctx.obj.url or "").rstrip("/")
    if not url:
        raise typer.BadParameter("name the gateway: --url http://host:port", param_hint="--url")
    with errors_reported():
        answer = Gateway(url).login(email, password)
    path = save_credentials(Credentials(url=url, token=answer["token"], email=email))
    out().print(Text(f"Logged in to {url} as {email} until {answer.get('expires_at')}; "
                     f"token kept in {path}"))
    if (answer.get("principal") or {}).get("must_change_password"):
        err().print(Text("Choose your own password first (POST /api/accounts/me/password): "
                         "until then nothing else is allowed.", style="yellow"))


@app.command()
def logout() -> None:
    """End the kept log-in's token and forget it."""
    with errors_reported():
        kept = load_credentials()
    if kept is None:
        out().print(f"Not logged in (no {credentials_path()}).")
        return
    try:
        Gateway(kept.url, kept.authorization).logout()
    except (ApiError, Unreachable) as error:
        err().print(Text(f"The server did not end the token ({error}); it is forgotten here "
                         "all the same.", style="yellow"))
    forget_credentials()
    out().print(f"Logged out of {kept.url}.")
