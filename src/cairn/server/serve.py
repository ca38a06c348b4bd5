"""Running the app under uvicorn: binding the socket first (so that a busy port is a
clear error, not a traceback from inside the server), and stopping open event streams as
soon as the server is asked to stop (uvicorn waits for open responses before it shuts
down, and an event stream never ends by itself)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import uvicorn
from starlette.applications import Starlette

from cairn.server.context import ServerContext


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free one); OSError if the
    address is in use or cannot be had."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class CairnServer(uvicorn.Server):
    """A uvicorn server that tells the app to end its event streams when it is asked to
    stop (a signal, or ``should_exit`` set by whoever runs it)."""

    def __init__(self, config: uvicorn.Config, on_stop: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_stop = on_stop

    async def on_tick(self, counter: int) -> bool:
        should_exit = await super().on_tick(counter)
        if should_exit:
            self._on_stop()
        return should_exit


def make_server(app: Starlette, *, log_level: str = "warning") -> CairnServer:
    """A server for an app made by ``create_app`` (run it with ``.run(sockets=[sock])``)."""
    ctx = app.state.cairn
    assert isinstance(ctx, ServerContext)
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on",
                            timeout_graceful_shutdown=5, server_header=False)
    return CairnServer(config, ctx.stop)
