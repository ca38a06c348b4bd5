"""The one JSON error shape of the API, and the exception handlers that give it to every
failure, on every route (docs/api.md, Errors)::

    {"error": {"status": 404, "code": "not_found", "message": "no run 'me/p/abc' in …"}}

Handlers raise ``ApiError`` for what they reject; cairn's own exceptions (a bad filter, a
locked store), Starlette's (no route, wrong method) and anything unexpected (a bug: 500
``internal``) are turned into the same shape here, so no request ever gets an HTML or
plain-text error. No message names a path of the server or repeats an exception's text:
those go to the server's log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from cairn.errors import (
    FilterError,
    NotFoundError,
    QueryTimeoutError,
    StoreError,
    StoreLockedError,
    StoreUnavailableError,
)
from cairn.server.encoding import JsonResponse

log = logging.getLogger("cairn.server")

CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    500: "internal",
    503: "store_busy",
}
"""The code of each status; ``bad_filter`` is a 400 too, ``query_timeout`` and
``store_unavailable`` (its database or blob store cannot be reached) 503s."""


class ApiError(Exception):
    """A request the API refuses: status, code and a message that says what to change."""

    def __init__(self, status: int, code: str, message: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def bad_filter(message: str) -> ApiError:
    return ApiError(400, "bad_filter", message)


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


def error_response(status: int, code: str, message: str,
                   headers: Mapping[str, str] | None = None) -> Response:
    body = {"error": {"status": status, "code": code, "message": message}}
    return JsonResponse(body, status_code=status, headers=dict(headers or {}))


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    headers = exc.headers
    if "x-requested-with" in request.headers:
        # The web app asks (it has its own login page): a challenge would make the browser
        # open its login box over it.
        headers = {k: v for k, v in headers.items() if k.lower() != "www-authenticate"}
    return error_response(exc.status, exc.code, exc.message, headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status == 404:
        message = f"no route {request.method} {request.url.path}"
    elif status == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        message = f"{request.method} is not allowed on {request.url.path}" + (
            f"; use {allowed}" if allowed else "")
    else:
        message = str(exc.detail)
    code = CODES.get(status, "bad_request" if status < 500 else "internal")
    return error_response(status, code, message, exc.headers)


async def _filter_error(request: Request, exc: Exception) -> Response:
    return error_response(400, "bad_filter", str(exc))


async def _not_found(request: Request, exc: Exception) -> Response:
    return error_response(404, "not_found", str(exc))


async def _store_busy(request: Request, exc: Exception) -> Response:
    log.warning("store busy on %s %s: %s", request.method, request.url.path, exc)
    return error_response(503, "store_busy", "the store is busy; retry", {"Retry-After": "1"})


async def _query_timeout(request: Request, exc: Exception) -> Response:
    log.warning("store work stopped on %s %s: %s", request.method, request.url.path, exc)
    return error_response(503, "query_timeout", "the request took longer than the server "
                          "allows; narrow the filter, search or range")


async def _disconnect(request: Request, exc: Exception) -> Response:
    return error_response(400, "bad_request", "the client went away while sending its body")


async def _store_unavailable(request: Request, exc: Exception) -> Response:
    log.warning("store unreachable on %s %s: %s", request.method, request.url.path, exc)
    return error_response(503, "store_unavailable", "the server cannot reach its metadata "
                          "store or blob store; retry later (the server's log says which)",
                          {"Retry-After": "5"})


async def _internal(request: Request, exc: Exception) -> Response:
    if isinstance(exc, StoreUnavailableError):
        # raised outside the routes (the key check of a middleware): Starlette hands
        # those to the 500 handler alone
        return await _store_unavailable(request, exc)
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    # the text of an exception names files and folders of the server: the log keeps it
    return error_response(500, "internal", "internal error; the server's log has the details")


EXCEPTION_HANDLERS = {
    ApiError: _api_error,
    HTTPException: _http_error,
    FilterError: _filter_error,
    NotFoundError: _not_found,
    StoreLockedError: _store_busy,
    QueryTimeoutError: _query_timeout,
    StoreUnavailableError: _store_unavailable,
    ClientDisconnect: _disconnect,
    StoreError: _internal,
    Exception: _internal,
}
"""For ``Starlette(exception_handlers=...)``; the most specific class wins."""
