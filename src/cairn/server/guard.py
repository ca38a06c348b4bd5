"""What protects the server from pages in the user's browser: the outermost middleware of
every app ``create_app`` makes, so ``cairn ui`` and the team server share it.

- DNS rebinding: a page on another site can point its own name at 127.0.0.1 and then read
  the API as same-origin. Its requests still carry its own name in ``Host``, so only the
  hosts the server was started for are answered (loopback names and addresses, plus
  ``allowed_hosts``); anything else is a 400 before routing.
- Cross-site requests: a form or a ``no-cors`` fetch from another site reaches the server
  without a preflight. A mutating request must therefore say it is JSON and must not come
  from another origin (``Origin`` and ``Sec-Fetch-Site``, which browsers always send and
  pages cannot forge); else 403. Clients that are not browsers send neither header.
- Headers on every response: no content sniffing, no referrer, and a Content-Security-
  Policy: the app's own on the app's files, an inert one on everything under ``/api`` (a
  logged file opened directly in a tab must not run as the UI's origin) unless the route
  set a policy of its own (``files.html_policy``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cairn.server.errors import error_response

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})

APP_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])
"""The web app's policy. Scripts only from the server's own files: no inline script and
no ``eval`` (Vega runs specs in its interpreter, so it needs none). Styles allow inline:
Vega-Embed, Plotly and KaTeX set style elements and attributes at run time, and a style
cannot run code; what a logged object may say is sanitised before it reaches the page.
``data:``/``blob:`` images and media are the app's own thumbnails and players; frames are
the server's own sandboxed pages (logged HTML). Nothing may frame the app (clickjacking),
post a form or change the base URL."""

INERT_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
"""Every other response (JSON, logged files, blobs): nothing in it runs or loads, even
when a logged file is opened in a tab of its own."""

COMMON_HEADERS = [(b"x-content-type-options", b"nosniff"),
                  (b"referrer-policy", b"no-referrer")]
_SET_HERE = frozenset({b"content-security-policy", *(name for name, _ in COMMON_HEADERS)})


def host_name(host_header: str) -> str | None:
    """The name in a ``Host`` header, lower case, without port or IPv6 brackets; None
    when the header is malformed."""
    try:
        parsed = urlsplit(f"//{host_header}")
        name = parsed.hostname
        parsed.port  # noqa: B018 - a bad port raises ValueError
    except ValueError:
        return None
    return name or None


def is_loopback_name(name: str) -> bool:
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class HostAllowList:
    """Loopback names and addresses always; more names or addresses when given
    (``cairn ui --allowed-host``); ``*`` allows every host (behind a proxy that checks)."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self.extra = frozenset(h.strip().lower().strip("[]") for h in extra if h.strip())

    def allows(self, host_header: str | None) -> bool:
        if not host_header:
            return False
        name = host_name(host_header)
        if name is None:
            return False
        return "*" in self.extra or name in self.extra or is_loopback_name(name)


def cross_site_reason(method: str, headers: Headers) -> str | None:
    """Why a mutating request is refused, or None when it may go on."""
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if (media_type != "application/json" and not _bodiless_delete(method, headers)
            and not _api_client(headers)):
        return (f"{method} needs a JSON body (Content-Type: application/json), got "
                f"{media_type or 'no Content-Type'}")
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return f"cross-site {method} refused (Sec-Fetch-Site: {site})"
    origin = headers.get("origin")
    if origin is not None and not _same_origin(origin, headers.get("host", "")):
        return f"{method} from another origin refused"
    return None


def _api_client(headers: Headers) -> bool:
    """A program sending its API key (the team server's ingest and blob uploads): it may
    send any body. A browser never sends ``Authorization`` cross-site without a CORS
    preflight, and when it resends cached basic credentials it also sends ``Origin`` /
    ``Sec-Fetch-Site``, which the checks below still refuse."""
    return ("authorization" in headers and "origin" not in headers
            and "sec-fetch-site" not in headers)


def _bodiless_delete(method: str, headers: Headers) -> bool:
    """A DELETE without a body or a Content-Type: there is nothing to be a form, and no
    page can send a DELETE to another origin without CORS, which this server never grants."""
    return (method == "DELETE" and "content-type" not in headers
            and "transfer-encoding" not in headers
            and headers.get("content-length", "0") == "0")


def _same_origin(origin: str, host_header: str) -> bool:
    try:
        parsed = urlsplit(origin)
        origin_netloc = parsed.netloc.lower()
    except ValueError:
        return False
    return parsed.scheme in ("http", "https") and origin_netloc == host_header.lower()


class BrowserGuard:
    """ASGI middleware: the host allow-list, the cross-site rules and the headers."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.hosts = HostAllowList(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        send = _with_headers(send, str(scope["path"]).startswith("/api/"))
        if not self.hosts.allows(headers.get("host")):
            response = error_response(400, "bad_host", "this server does not answer to the "
                                      "host this request names; start it with "
                                      "--allowed-host to add one")
            await response(scope, receive, send)
            return
        method = scope["method"]
        if method in MUTATING:
            reason = cross_site_reason(method, headers)
            if reason is not None:
                await error_response(403, "forbidden", reason)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _route_policy(api: bool, name: bytes) -> bool:
    """An API route may set a policy of its own (logged HTML sets one that is as strict,
    but lets the UI frame it); the app's files always get the app's."""
    return api and name.lower() == b"content-security-policy"


def _with_headers(send: Send, api: bool) -> Send:
    # The app's files (pages, scripts, its worker) get the app's policy; the API's answers,
    # logged files among them, get the inert one, whatever their content type says.
    csp = (INERT_CSP if api else APP_CSP).encode()

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            raw = [(k, v) for k, v in message.get("headers", [])
                   if k.lower() not in _SET_HERE or _route_policy(api, k)]
            if not any(k.lower() == b"content-security-policy" for k, _ in raw):
                raw.append((b"content-security-policy", csp))
            raw += COMMON_HEADERS
            message = {**message, "headers": raw}
        await send(message)

    return sending
