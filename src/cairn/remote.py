"""Reaching a cairn server: its address and API key, the credentials file ``cairn login``
writes, and one HTTP connection that turns the server's answers into cairn's errors.

The key of a server is, in order: the one given (``init(settings={"api_key": …})``,
``Api(api_key=…)``), ``CAIRN_API_KEY`` / ``WANDB_API_KEY``, then the credentials file
(``$CAIRN_CREDENTIALS``, else ``~/.config/cairn/credentials.json``, mode 0600) under the
server's address. Only the standard library is used (``http.client``), so the uploader
and ``import cairn`` stay light.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import socket
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from cairn.errors import ServerRefusedError, ServerUnavailableError, StoreError, UsageError

DEFAULT_TIMEOUT = 10.0


def normal_url(url: str) -> str:
    """``http(s)://host[:port][/prefix]`` without a trailing slash; ValueError otherwise."""
    text = url.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not a server address: {url!r} (expected http(s)://host[:port])")
    if parts.query or parts.fragment:
        raise ValueError(f"a server address has no query or fragment: {url!r}")
    return text


def credentials_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    found = env.get("CAIRN_CREDENTIALS")
    if found:
        return Path(found).expanduser()
    return Path.home() / ".config" / "cairn" / "credentials.json"


def _read_credentials(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the credentials file {path}: {exc}") from exc
    hosts = data.get("hosts") if isinstance(data, dict) else None
    return hosts if isinstance(hosts, dict) else {}


def stored_login(base_url: str, environ: Mapping[str, str] | None = None
                 ) -> dict[str, Any] | None:
    """What ``cairn login`` stored for the server (``key``, ``user``), or None."""
    found = _read_credentials(credentials_path(environ)).get(normal_url(base_url))
    return found if isinstance(found, dict) and isinstance(found.get("key"), str) else None


def default_host(environ: Mapping[str, str] | None = None) -> str | None:
    """The server the last ``cairn login`` named, for a client given none."""
    path = credentials_path(environ)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    host = data.get("default") if isinstance(data, dict) else None
    return host if isinstance(host, str) else None


def save_login(base_url: str, key: str, user: str,
               environ: Mapping[str, str] | None = None) -> Path:
    """Store the key for the server in the credentials file (created with mode 0600,
    replaced atomically so a crash leaves the old file whole)."""
    path = credentials_path(environ)
    hosts = _read_credentials(path)
    url = normal_url(base_url)
    hosts[url] = {"key": key, "user": user}
    _write_credentials(path, {"default": url, "hosts": hosts})
    return path


def forget_login(base_url: str, environ: Mapping[str, str] | None = None) -> bool:
    path = credentials_path(environ)
    hosts = _read_credentials(path)
    url = normal_url(base_url)
    if hosts.pop(url, None) is None:
        return False
    default = default_host(environ)
    _write_credentials(path, {"default": None if default == url else default,
                              "hosts": hosts})
    return True


def _write_credentials(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def resolve_key(base_url: str, given: str | None = None,
                environ: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    for candidate in (given, env.get("CAIRN_API_KEY"), env.get("WANDB_API_KEY")):
        if candidate:
            return candidate.strip()
    found = stored_login(base_url, environ)
    return str(found["key"]) if found else None


class ServerClient:
    """One keep-alive connection to a server, safe to share between threads (requests
    take turns). A refused connection, a timeout or a 5xx raise
    ``ServerUnavailableError`` (worth retrying later); a 4xx raises ``ServerRefusedError``
    with the server's message."""

    def __init__(self, base_url: str, api_key: str | None,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.base_url = normal_url(base_url)
        parts = urlsplit(self.base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._prefix = parts.path
        self.api_key = api_key
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ServerClient({self.base_url!r})"

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = kind(self._host, self._port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def request(self, method: str, path: str, body: Any = None,
                headers: Mapping[str, str] | None = None,
                ok: tuple[int, ...] = (200, 201)) -> tuple[int, bytes]:
        """``(status, body)`` of the answer; a status outside ``ok`` and 404 raises."""
        sent = {"User-Agent": "cairn", **(headers or {})}
        if self.api_key:
            sent["Authorization"] = f"Bearer {self.api_key}"
        with self._lock:
            for attempt in (0, 1):
                conn = self._connection()
                try:
                    conn.request(method, self._prefix + path, body=body, headers=sent)
                    answer = conn.getresponse()
                    data = answer.read()
                    status = answer.status
                    break
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    self._conn = None
                    # A kept-alive connection the server closed meanwhile: one fresh try,
                    # unless the body was a stream that is spent.
                    stale = isinstance(exc, http.client.RemoteDisconnected | BrokenPipeError |
                                       ConnectionResetError)
                    if attempt == 0 and stale and not hasattr(body, "read"):
                        continue
                    raise ServerUnavailableError(
                        f"cannot reach the cairn server {self.base_url}: "
                        f"{_reason(exc)}") from exc
        if status in ok or (status == 404 and 404 in ok):
            return status, data
        raise self._answer_error(status, data, f"{method} {path}")

    def _answer_error(self, status: int, data: bytes, what: str) -> StoreError:
        """The error of an answer that is not what was asked for: a 5xx, 408 or 429 is
        worth retrying later, any other 4xx would be refused again."""
        message = _message(data) or f"HTTP {status}"
        if status >= 500 or status in (408, 429):
            return ServerUnavailableError(f"the cairn server {self.base_url} answered "
                                          f"{status}: {message}")
        if status == 401:
            return ServerRefusedError(
                f"the cairn server {self.base_url} refused the API key: {message} (check "
                f"CAIRN_API_KEY, or run `cairn login --host {self.base_url}`)",
                status, self.base_url)
        return ServerRefusedError(f"the cairn server {self.base_url} refused {what} "
                                  f"({status}): {message}", status, self.base_url)

    def stream(self, path: str) -> tuple[int, BinaryIO]:
        """``(status, body)`` of a GET whose body is read as it arrives, on a connection
        of its own (closed with the body). 404 comes back as a status; what else is not a
        200 raises as :meth:`request` does."""
        headers = {"User-Agent": "cairn"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        conn = kind(self._host, self._port, timeout=self.timeout)
        try:
            conn.request("GET", self._prefix + path, headers=headers)
            answer = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise ServerUnavailableError(f"cannot reach the cairn server {self.base_url}: "
                                         f"{_reason(exc)}") from exc
        if answer.status == 200:
            return 200, io.BufferedReader(_Body(answer, conn), 1 << 20)
        data = answer.read()
        conn.close()
        if answer.status == 404:
            return 404, io.BytesIO(data)
        raise self._answer_error(answer.status, data, f"GET {path}")

    def json(self, method: str, path: str, payload: Any = None,
             ok: tuple[int, ...] = (200, 201)) -> Any:
        body = None if payload is None else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        status, data = self.request(method, path, body, headers, ok)
        if status == 404:
            return None
        return json.loads(data) if data else None


class _Body(io.RawIOBase):
    """A response body as a file; closing it closes its connection."""

    def __init__(self, answer: http.client.HTTPResponse,
                 conn: http.client.HTTPConnection) -> None:
        self._answer = answer
        self._conn = conn

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._answer.readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            self._answer.close()
            self._conn.close()
        super().close()


def _message(data: bytes) -> str | None:
    try:
        found = json.loads(data)
        return str(found["error"]["message"])
    except (ValueError, KeyError, TypeError):
        text = data[:200].decode("utf-8", "replace").strip()
        return text or None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def viewer(base_url: str, api_key: str, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Who the key belongs to on the server (``{"user": …, "admin": …}``)."""
    client = ServerClient(base_url, api_key, timeout)
    try:
        found = client.json("GET", "/api/v1/viewer")
    finally:
        client.close()
    if not isinstance(found, dict) or not isinstance(found.get("user"), str):
        raise StoreError(f"{base_url} did not answer as a cairn server")
    return found
