"""Reading request input: query parameters and JSON bodies, each checked, so that a bad
value is a 400 that names the parameter and says what is expected (never a 500)."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from starlette.requests import Request

from cairn.server.errors import ApiError, bad_filter, bad_request

MAX_BODY = 1 << 20
"""Largest request body (bytes): 1 MiB."""
_INTEGER = re.compile(r"-?[0-9]+")


def parse_int(raw: str, name: str, lo: int, hi: int) -> int:
    """A whole number in ``[lo, hi]`` written as plain digits."""
    text = raw.strip()
    if not _INTEGER.fullmatch(text) or len(text) > 20:
        raise bad_request(f"{name}: expected a whole number, got {raw!r}")
    value = int(text)
    if not lo <= value <= hi:
        raise bad_request(f"{name}: {value} is out of range; use {lo}..{hi}")
    return value


def query_int(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    return parse_int(raw, name, lo, hi)


def query_float(request: Request, name: str) -> float | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise bad_request(f"{name}: expected a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise bad_request(f"{name}: expected a finite number, got {raw!r}")
    return value


def query_list(request: Request, name: str, max_items: int) -> list[str]:
    """A comma-separated list (blanks dropped, duplicates kept once, order kept)."""
    raw = request.query_params.get(name) or ""
    items = list(dict.fromkeys(item.strip() for item in raw.split(",") if item.strip()))
    if len(items) > max_items:
        raise bad_request(f"{name}: at most {max_items} items, got {len(items)}")
    return items


def query_text(request: Request, name: str, max_length: int = 1000) -> str | None:
    raw = request.query_params.get(name)
    if raw is None or raw.strip() == "":
        return None
    if len(raw) > max_length:
        raise bad_request(f"{name}: at most {max_length} characters")
    return raw.strip()


def query_filters(request: Request) -> dict[str, Any] | None:
    """``filters``: a JSON object in the filter language of ``store/filters.py`` (which
    refuses abusive sizes with a ``FilterError``, a 400 ``bad_filter``)."""
    raw = request.query_params.get("filters")
    if raw is None or raw.strip() == "":
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise bad_filter(f"filters is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise bad_filter(f"filters must be a JSON object, got {type(value).__name__}")
    return value


def step_range(min_step: int | None, max_step: int | None) -> None:
    if min_step is not None and max_step is not None and min_step > max_step:
        raise bad_request(f"min_step ({min_step}) is greater than max_step ({max_step}); "
                          "give the range low to high")


async def json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object; 413 past ``MAX_BODY`` bytes, 400 if not an object."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _too_large()
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            raise _too_large()
    try:
        value = json.loads(bytes(data))
    except (ValueError, RecursionError) as exc:
        raise bad_request(f"the body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise bad_request(f"the body must be a JSON object, got {type(value).__name__}")
    return value


def _too_large() -> ApiError:
    return ApiError(413, "payload_too_large", f"the body is larger than {MAX_BODY} bytes")


def body_int(body: dict[str, Any], name: str, default: int, lo: int, hi: int) -> int:
    value = body.get(name, default)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{name}: expected a whole number, got {value!r}")
    if not lo <= value <= hi:
        raise bad_request(f"{name}: {value} is out of range; use {lo}..{hi}")
    return value


def body_number(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"{name}: expected a number or null, got {value!r:.200}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise bad_request(f"{name}: expected a finite number, got {value!r:.200}")
    return number


def body_strings(body: dict[str, Any], name: str, max_items: int) -> list[str]:
    value = body.get(name, [])
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"{name}: expected a list of strings, got {value!r:.200}")
    items = list(dict.fromkeys(value))
    if len(items) > max_items:
        raise bad_request(f"{name}: at most {max_items} a request, got {len(items)}")
    return items
