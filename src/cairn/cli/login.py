"""``cairn login`` and ``cairn logout``: the API key of a cairn server, kept in the
credentials file (``cairn.remote``: mode 0600) for ``mode="online"``, ``cairn sync --to``
and ``cairn.Api(base_url=…)``."""

from __future__ import annotations

import click

from cairn.cli.state import state


def _host(host: str | None) -> str:
    from cairn.remote import default_host, normal_url

    found = host or state().settings.base_url or default_host()
    if not found:
        raise click.UsageError("name the server: --host http(s)://HOST[:PORT] (or set "
                               "CAIRN_BASE_URL)")
    try:
        return normal_url(found)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@click.command("login")
@click.option("--host", metavar="URL", help="The cairn server (default: $CAIRN_BASE_URL, "
              "$WANDB_BASE_URL, or the last one logged in to).")
@click.option("--key", metavar="KEY", envvar="CAIRN_API_KEY",
              help="The API key (default: asked for, not echoed).")
def login(host: str | None, key: str | None) -> None:
    """Check an API key with the server and store it for this user."""
    from cairn.remote import save_login, viewer

    url = _host(host)
    if not key:
        key = click.prompt(f"API key for {url} (`cairn server create-user` printed it)",
                           hide_input=True).strip()
    found = viewer(url, key)
    path = save_login(url, key, str(found["user"]))
    click.echo(f"logged in to {url} as {found['user']}; the key is in {path}")


@click.command("logout")
@click.option("--host", metavar="URL", help="The cairn server (default: as for login).")
def logout(host: str | None) -> None:
    """Forget the stored API key of a server."""
    from cairn.remote import forget_login

    url = _host(host)
    if forget_login(url):
        click.echo(f"logged out of {url}")
    else:
        click.echo(f"no key was stored for {url}")
