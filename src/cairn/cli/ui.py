"""``cairn ui``: the web UI over a backend (the cairn folder's store by default), served on
this machine."""

from __future__ import annotations

import contextlib
import errno
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from cairn.server.context import ServerOptions

from cairn.cli.integrity import check_store
from cairn.cli.state import state
from cairn.settings import Settings, load_settings, shown_store


@click.command("ui")
@click.option("--dir", "root", type=click.Path(file_okay=False, path_type=Path),
              help="The cairn folder (default: the --dir of cairn, $CAIRN_DIR, or ./cairn).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="The port to serve on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to bind. Anything but a loopback address exposes the runs, "
                   "without a login, to the network.")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="A host name (or address) the server answers to besides loopback ones and "
                   "--host; repeat for more. Requests naming any other host are refused "
                   "(DNS rebinding).")
@click.option("--open", "open_browser", is_flag=True, help="Open the UI in a web browser.")
@click.option("--store", metavar="URI", help="The metadata store (default: the --store of "
              "cairn, $CAIRN_STORE, or the cairn folder's).")
@click.option("--blobs", metavar="URI", help="The blob store (default: the --blobs of "
              "cairn, $CAIRN_BLOBS, or beside an embedded store).")
def ui(root: Path | None, port: int, host: str, allowed_hosts: tuple[str, ...],
       open_browser: bool, store: str | None, blobs: str | None) -> None:
    """Serve the web UI and its API (/api/v1) for a backend, until Ctrl+C."""
    from cairn.backend import open_backend
    from cairn.errors import NotFoundError
    from cairn.server.app import create_app
    from cairn.server.serve import bind, is_loopback, make_server, url_of

    settings = _settings(root, store, blobs)
    try:
        backend = open_backend(settings=settings, create=False)
    except NotFoundError:
        where = shown_store(settings.store, settings.root)
        raise click.ClickException(f"no cairn store at {where}; log a run first") from None
    try:
        check_store(backend)
    except click.ClickException:
        backend.close()
        raise
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise click.ClickException(_bind_error(host, port, exc)) from None
    try:
        url = url_of(sock)
        if not is_loopback(host):
            click.echo(f"warning: serving on {host}, which is not a loopback address: anyone "
                       "who can reach it sees every run, and this mode has no login", err=True)
        click.echo(f"cairn ui: {shown_store(settings.store, settings.root)} at {url} "
                   "(Ctrl+C to stop)")
        if open_browser:
            webbrowser.open(url)  # the socket already listens; the page waits in its queue
        app = create_app(settings, backend.store, backend.blobs,
                         options=_options(host, allowed_hosts))
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl+C once done
            make_server(app).run(sockets=[sock])
    finally:
        sock.close()
        backend.close()


def _settings(root: Path | None, store: str | None, blobs: str | None) -> Settings:
    """The command's settings over those of ``cairn``: its own --dir means that folder's
    stores; its own --store, blobs beside that store unless --blobs says otherwise."""
    settings = state().settings
    if root is None and store is None and blobs is None:
        return settings
    if root is None:
        store = store or settings.store
        blobs = blobs or (settings.blobs if store == settings.store else None)
    return load_settings({"root": root or settings.root, "store": store, "blobs": blobs})


def _options(host: str, allowed_hosts: tuple[str, ...]) -> ServerOptions:
    """The address bound is a name the server answers to (a wildcard address is not)."""
    from cairn.server.context import ServerOptions

    named = () if host in ("0.0.0.0", "::", "") else (host,)
    return ServerOptions(allowed_hosts=(*allowed_hosts, *named))


def _bind_error(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is in use (another cairn ui?); stop it or pick "
                "another port with --port")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"not allowed to bind {host}:{port}; use a port above 1023"
    reason = exc.strerror or str(exc)
    return f"cannot serve on {host}:{port}: {reason}"
