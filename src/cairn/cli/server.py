"""``cairn server``: the team server (the UI and API over a shared backend, with API keys
and logins), and its administration: ``migrate``, ``create-user``, ``create-key``,
``list-users``, ``revoke-key``, ``set-password``, ``create-team``, ``add-member``,
``remove-member``, and ``backup``/``restore`` (``cli/server_backup.py``).

Every subcommand works on the backend named by ``--store``/``--blobs`` of ``cairn
server`` (or of ``cairn``, or ``CAIRN_STORE``/``CAIRN_BLOBS``), an embedded folder by
default, so a small team on one box needs nothing else.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import TYPE_CHECKING

import click

from cairn.cli.state import state
from cairn.settings import Settings, load_settings, shown_store

if TYPE_CHECKING:
    import socket

    from cairn.backend import Backend
    from cairn.server.team import TeamConfig
    from cairn.store.accounts import Accounts


def _settings(ctx: click.Context) -> Settings:
    base = state().settings
    group = ctx.find_object(_ServerArgs)
    if group is None or (group.store is None and group.blobs is None):
        return base
    store = group.store or base.store
    blobs = group.blobs or (base.blobs if store == base.store else None)
    return load_settings({"root": base.root, "store": store, "blobs": blobs})


class _ServerArgs:
    def __init__(self, store: str | None, blobs: str | None) -> None:
        self.store = store
        self.blobs = blobs


def open_checked(settings: Settings) -> Backend:
    """The backend, migrated, with its store and blob store each reached once: a clear
    error naming which of the two is wrong (unreachable, misconfigured) before serving."""
    from cairn.backend import open_backend

    where = shown_store(settings.store, settings.root)
    if settings.store.startswith(("postgresql://", "postgres://")):
        _reach_postgres(settings.store, where)
    backend = open_backend(settings=settings, create=True)
    try:
        try:
            backend.store.get_project("", "")
        except Exception as exc:
            raise click.ClickException(f"the store {where} cannot be used: "
                                       f"{_one_line(exc)}") from None
        try:
            backend.blobs.has("0" * 64)
        except Exception as exc:
            raise click.ClickException(f"the blob store {settings.blobs} cannot be used: "
                                       f"{_one_line(exc)}") from None
    except BaseException:
        backend.close()
        raise
    return backend


def _reach_postgres(uri: str, where: str) -> None:
    """One plain connection first: its error names the cause (refused, unknown host, bad
    password, no such database), where the store's pool would only time out."""
    try:
        import psycopg
    except ImportError:
        raise click.ClickException(f"the store {where} needs PostgreSQL support: pip install "
                                   "'cairn[postgres]'") from None
    try:
        psycopg.connect(uri, connect_timeout=5).close()
    except psycopg.Error as exc:
        raise click.ClickException(f"cannot connect to the store {where}: "
                                   f"{_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


@click.group("server", invoke_without_command=True)
@click.option("--store", metavar="URI", envvar="CAIRN_SERVER_STORE",
              help="The metadata store: a folder, sqlite:///..., postgresql://... (default: "
                   "the --store of cairn, $CAIRN_STORE, or the cairn folder's).")
@click.option("--blobs", metavar="URI", envvar="CAIRN_SERVER_BLOBS",
              help="The blob store: file:///..., s3://bucket/prefix (default: the --blobs of "
                   "cairn, $CAIRN_BLOBS, or beside an embedded store).")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="CAIRN_SERVER_HOST",
              help="The address to bind (0.0.0.0: every interface).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              envvar="CAIRN_SERVER_PORT", help="The port to serve on (0: any free port).")
@click.option("--workers", type=click.IntRange(1, 64), envvar="CAIRN_SERVER_WORKERS",
              help="Worker processes (the server is stateless: each serves everything); "
                   "default: the CPU count, at most 4.")
@click.option("--public-url", metavar="URL", envvar="CAIRN_SERVER_URL",
              help="The address users reach the server at (for run URLs); default the "
                   "address bound.")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="Answer only requests naming these hosts (and loopback); default: any "
                   "host, since every request needs an API key.")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="One JSON line per request on stderr.")
@click.option("--anonymous-read", is_flag=True, envvar="CAIRN_SERVER_ANONYMOUS_READ",
              help="Callers without a key or login may read public projects.")
@click.pass_context
def server(ctx: click.Context, store: str | None, blobs: str | None, host: str, port: int,
           workers: int | None, public_url: str | None, allowed_hosts: tuple[str, ...],
           access_log: bool, anonymous_read: bool) -> None:
    """Serve the team server (UI and API; API keys or logins, per-project access) until
    Ctrl+C."""
    ctx.obj = _ServerArgs(store, blobs)  # found by the subcommands (find_object)
    if ctx.invoked_subcommand is not None:
        return
    started = time.monotonic()
    from cairn.cli.ui import _bind_error
    from cairn.server.serve import bind, url_of
    from cairn.server.team import TeamConfig

    workers = workers or min(4, os.cpu_count() or 1)
    settings = _settings(ctx)
    backend = open_checked(settings)
    try:
        users = _accounts(backend).user_count()
    finally:
        backend.close()
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise click.ClickException(_bind_error(host, port, exc)) from None
    try:
        url = url_of(sock)
        config = TeamConfig(store=settings.store, blobs=settings.blobs,
                            root=str(settings.root), public_url=public_url or url,
                            allowed_hosts=allowed_hosts or ("*",), access_log=access_log,
                            anonymous_read=anonymous_read)
        click.echo(f"cairn server: {shown_store(settings.store, settings.root)} "
                   f"(blobs {settings.blobs}) at {url}, {workers} worker(s); store and blobs "
                   f"checked in {time.monotonic() - started:.2f}s (Ctrl+C to stop)")
        if users == 0:
            click.echo("no users yet: create one with `cairn server create-user NAME --admin`",
                       err=True)
        _serve(config, sock, workers)
    finally:
        sock.close()


def _serve(config: TeamConfig, sock: socket.socket, workers: int) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from cairn.server.team import CONFIG_ENV

    os.environ[CONFIG_ENV] = config.to_environ()  # the workers' (spawned) configuration
    uv_config = uvicorn.Config("cairn.server.team:app_from_environ", factory=True,
                               workers=workers, log_level="warning", access_log=False,
                               lifespan="on", timeout_graceful_shutdown=5,
                               server_header=False)
    with contextlib.suppress(KeyboardInterrupt):
        if workers == 1:
            uvicorn.Server(uv_config).run(sockets=[sock])
        else:
            Multiprocess(uv_config, sockets=[sock]).run()


def _accounts(backend: Backend) -> Accounts:
    from cairn.store.accounts import Accounts

    return Accounts(backend.store)


@server.command("migrate")
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Bring the store's schema up to this cairn's (each step in a transaction; an
    interrupted migration is rolled back and the next run resumes it)."""
    settings = _settings(ctx)
    started = time.monotonic()
    backend = open_checked(settings)
    try:
        # media logged before migration 0011: which projects refer to their blobs
        added = _accounts(backend).backfill_project_blobs()
    finally:
        backend.close()
    click.echo(f"{shown_store(settings.store, settings.root)}: schema up to date "
               f"({time.monotonic() - started:.2f}s)")
    if added:
        click.echo(f"{added} blob reference(s) of stored media recorded")


@server.command("create-user")
@click.argument("name")
@click.option("--admin", is_flag=True, help="The user may write every entity's runs.")
@click.pass_context
def create_user(ctx: click.Context, name: str, admin: bool) -> None:
    """Add a user and print their API key (shown this once; only its hash is kept)."""
    from cairn.store.accounts import Accounts

    backend = open_checked(_settings(ctx))
    try:
        user, key = Accounts(backend.store).create_user(name, admin)
    finally:
        backend.close()
    click.echo(f"created {'admin ' if user.admin else ''}user {user.name}; API key (shown "
               "once, store it now):", err=True)
    click.echo(key)


@server.command("create-key")
@click.argument("name")
@click.pass_context
def create_key(ctx: click.Context, name: str) -> None:
    """Add an API key to a user and print it (shown this once)."""
    from cairn.store.accounts import Accounts

    backend = open_checked(_settings(ctx))
    try:
        key = Accounts(backend.store).create_key(name)
    finally:
        backend.close()
    click.echo(f"new API key of {name} (shown once, store it now):", err=True)
    click.echo(key)


@server.command("list-users")
@click.pass_context
def list_users(ctx: click.Context) -> None:
    """Users and their keys (prefixes, created, last used, revoked)."""
    from cairn.store.accounts import KEY_PREFIX, Accounts

    backend = open_checked(_settings(ctx))
    try:
        found = Accounts(backend.store).list_users()
    finally:
        backend.close()
    if not found:
        click.echo("no users (add one with `cairn server create-user NAME --admin`)")
    for user, keys in found:
        role = "admin" if user.admin else "user"
        click.echo(f"{user.name}\t{role}\tcreated {_when(user.created_at)}")
        for key in keys:
            used = _when(key.last_used_at) if key.last_used_at else "never used"
            state = f"revoked {_when(key.revoked_at)}" if key.revoked_at else "active"
            click.echo(f"  {KEY_PREFIX}{key.prefix}_…\t{state}\tlast used {used}")


@server.command("revoke-key")
@click.argument("key")
@click.pass_context
def revoke_key(ctx: click.Context, key: str) -> None:
    """Revoke an API key, named by itself or its prefix (as list-users shows it); servers
    refuse it within 5 seconds."""
    from cairn.store.accounts import Accounts

    backend = open_checked(_settings(ctx))
    try:
        info = Accounts(backend.store).revoke_key(key.rstrip("_…"))
    finally:
        backend.close()
    click.echo(f"revoked key {info.prefix} of {info.user}")


def _account_change(ctx: click.Context, change: str, *args: str | None) -> None:
    """One change of the accounts; their refusals (a bad name, a missing user) as one
    line."""
    from cairn.errors import NotFoundError

    backend = open_checked(_settings(ctx))
    try:
        getattr(_accounts(backend), change)(*args)
    except (ValueError, NotFoundError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        backend.close()


@server.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of stdin instead of prompting.")
@click.pass_context
def set_password(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Set a user's password for logging into the web app (their login sessions end)."""
    import sys

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(f"password of {name}", hide_input=True,
                                confirmation_prompt=True)
    _account_change(ctx, "set_password", name, password)
    click.echo(f"password of {name} set")


@server.command("create-team")
@click.argument("team")
@click.option("--admin", "admin", metavar="USER", help="The team's first admin.")
@click.pass_context
def create_team(ctx: click.Context, team: str, admin: str | None) -> None:
    """Add a team: an entity of its own, whose projects its members share."""
    _account_change(ctx, "create_team", team, admin)
    click.echo(f"created team {team}" + (f" with admin {admin}" if admin else ""))


@server.command("add-member")
@click.argument("team")
@click.argument("user")
@click.option("--role", type=click.Choice(["admin", "member", "viewer"]), default="member",
              show_default=True, help="admin: manages the team and every project of it; "
                                      "member: writes its projects; viewer: reads them.")
@click.pass_context
def add_member(ctx: click.Context, team: str, user: str, role: str) -> None:
    """Add a user to a team, or change their role in it (takes effect within 5 s)."""
    _account_change(ctx, "set_team_member", team, user, role)
    click.echo(f"{user} is a {role} of {team}")


@server.command("remove-member")
@click.argument("team")
@click.argument("user")
@click.pass_context
def remove_member(ctx: click.Context, team: str, user: str) -> None:
    """Remove a user from a team."""
    _account_change(ctx, "set_team_member", team, user, None)
    click.echo(f"{user} is no longer in {team}")


def _when(at: float | None) -> str:
    if at is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at))


def _add_backup_commands() -> None:
    from cairn.cli.server_backup import backup, restore

    server.add_command(backup)
    server.add_command(restore)


_add_backup_commands()

__all__ = ["open_checked", "server"]
