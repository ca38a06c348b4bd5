"""Chart data: min/max/mean/last envelopes of many runs and metrics in one request, with
the x axis in steps, run time, wall time or any numeric metric.

The store buckets by step (``read_envelopes``: every run and key of a request in a few
queries). For another x, each run's x series maps
every bucket's first and last step to x values, and a zoom given in x units to a step
range (``xaxis.py``: by binary search on the x series' steps, which assumes x never
decreases as the step grows; true of ``_runtime`` and ``_timestamp``, assumed of a metric
used as x).
"""

from __future__ import annotations

import gzip
import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.server.context import EncodedCache, context, find_project
from cairn.server.encoding import dumps
from cairn.server.errors import bad_request
from cairn.server.params import body_int, body_number, body_strings, json_body
from cairn.server.xaxis import x_axis
from cairn.store.base import MetadataStore, RunVersion, SeriesInfo
from cairn.store.codec import Envelope

STEP = "_step"
MAX_RUNS = 200
MAX_KEYS = 50
MAX_BUCKETS = 10_000
MAX_CELLS = 10_000_000
"""Most buckets (runs times keys times buckets) one request may ask for."""
_BODY_FIELDS = frozenset({"runs", "keys", "buckets", "x", "min", "max"})


@dataclass(frozen=True)
class EnvelopeQuery:
    runs: list[str]
    keys: list[str]
    buckets: int
    x: str
    lo: float | None
    hi: float | None


def parse_query(body: dict[str, Any]) -> EnvelopeQuery:
    unknown = sorted(set(body) - _BODY_FIELDS)
    if unknown:
        raise bad_request(f"unknown field {unknown[0]!r}; an envelope request has "
                          f"{', '.join(sorted(_BODY_FIELDS))}")
    runs = body_strings(body, "runs", MAX_RUNS)
    keys = body_strings(body, "keys", MAX_KEYS)
    buckets = body_int(body, "buckets", 1000, 1, MAX_BUCKETS)
    x = body.get("x", STEP) or STEP
    if not isinstance(x, str):
        raise bad_request(f"x: expected a metric key (a string), got {x!r:.200}")
    lo, hi = body_number(body, "min"), body_number(body, "max")
    if lo is not None and hi is not None and lo > hi:
        raise bad_request(f"min ({lo}) is greater than max ({hi}); give the range low to high")
    if x == STEP and ((lo is not None and lo < 0) or (hi is not None and hi < 0)):
        raise bad_request("min and max are steps here, which are never negative")
    if len(runs) * len(keys) * buckets > MAX_CELLS:
        raise bad_request(f"runs * keys * buckets is {len(runs) * len(keys) * buckets:,}; "
                          f"at most {MAX_CELLS:,} a request (split it, or ask for fewer "
                          "buckets)")
    return EnvelopeQuery(runs, keys, buckets, x, lo, hi)


# ---- the x axis ----------------------------------------------------------------------

def _step_bounds(lo: float | None, hi: float | None) -> tuple[int | None, int | None] | None:
    """A range in (real) step units as whole steps; None when it holds no whole step."""
    first = None if lo is None else math.ceil(lo)
    last = None if hi is None else math.floor(hi)
    if first is not None and last is not None and first > last:
        return None
    return first, last


# ---- answers -------------------------------------------------------------------------

def series_json(run_id: str, key: str, info: SeriesInfo | None, env: Envelope | None,
                x: tuple[Any, Any] | None = None) -> dict[str, Any]:
    """One entry of the answer; without an envelope, its arrays are empty."""
    out: dict[str, Any] = {"run": run_id, "key": key, "kind": info.kind if info else "f",
                           "total_points": info.count if info else 0}
    if env is None or env.size == 0:
        empty: list[Any] = []
        return {**out, "x": empty, "x_last": empty, "min": empty, "max": empty,
                "mean": empty, "last": empty, "count": empty, "step_first": empty,
                "step_last": empty}
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(env.count > 0, env.vsum / np.maximum(env.count, 1), np.nan)
    x_first, x_last = x if x is not None else (env.step_first, env.step_last)
    return {**out, "x": x_first, "x_last": x_last, "min": env.vmin, "max": env.vmax,
            "mean": mean, "last": env.last, "count": env.points,
            "step_first": env.step_first, "step_last": env.step_last}


def run_envelopes(store: MetadataStore, run_pk: int, run_id: str,
                  query: EnvelopeQuery) -> list[dict[str, Any]]:
    """The entries of one run, one per key, on an x axis other than steps: the run's x
    series maps the zoom to a step range of its own."""
    xs = x_axis(store, run_pk, query.x)
    bounds = xs.step_range(query.lo, query.hi)
    if bounds is None:
        infos = {i.key: i for i in store.numeric_series(run_pk, query.keys)}
        return [series_json(run_id, key, infos.get(key), None) for key in query.keys]
    found = store.read_envelopes([run_pk], query.keys, query.buckets, *bounds)
    out = []
    for key in query.keys:
        info, env = found.get((run_pk, key), (None, None))
        x = (xs.at(env.step_first), xs.at(env.step_last)) if env is not None else None
        out.append(series_json(run_id, key, info, env, x))
    return out


def step_envelopes(store: MetadataStore, runs: dict[str, RunVersion],
                   query: EnvelopeQuery) -> dict[str, list[dict[str, Any]]]:
    """The entries of many runs by step, read together (``read_envelopes``)."""
    bounds = _step_bounds(query.lo, query.hi)
    pks = [run.pk for run in runs.values()]
    found: dict[tuple[int, str], tuple[SeriesInfo, Envelope | None]]
    if bounds is None:  # a zoom between two steps: no points, but the series' infos
        found = {(pk, i.key): (i, None) for pk in pks
                 for i in store.numeric_series(pk, query.keys)}
    else:
        found = dict(store.read_envelopes(pks, query.keys, query.buckets, *bounds))
    return {run_id: [series_json(run_id, key, *found.get((run.pk, key), (None, None)))
                     for key in query.keys]
            for run_id, run in runs.items()}


def _entries(store: MetadataStore, runs: dict[str, RunVersion],
             query: EnvelopeQuery) -> dict[str, list[dict[str, Any]]]:
    if not runs:
        return {}
    if query.x == STEP:
        return step_envelopes(store, runs, query)
    return {run_id: run_envelopes(store, run.pk, run_id, query)
            for run_id, run in runs.items()}


# ---- the packed answer -----------------------------------------------------------------

PACKED = "application/vnd.cairn.envelopes"
"""The binary answer's media type, asked for with ``Accept`` (docs/api.md, Packed
envelopes); anything else gets JSON."""
PACKED_MAGIC = b"CENV"
PACKED_VERSION = 1
PACKED_FIELDS = ("x", "x_last", "min", "max", "mean", "last", "count", "step_last")
"""The arrays of each series in the packed answer, in this order (``step_first`` is
left out: it is ``x`` on a step axis, and the app never reads it)."""
_PREFIX = struct.Struct("<4sII")  # magic, version, header length
_META = ("run", "key", "kind", "total_points")
_GZIP_FROM = 64 << 10
"""Answers at least this big are gzipped for clients that accept it, off loopback."""


def _packed_part(entries: list[dict[str, Any]]) -> bytes:
    """One run's series as ``<I`` length, JSON list of their headers, float64 arrays."""
    heads = [{**{k: e[k] for k in _META}, "n": len(e["count"])} for e in entries]
    # One conversion a series (its eight arrays as one float64 table), not one an array.
    blocks = [np.array([e[f] for f in PACKED_FIELDS], dtype="<f8").tobytes()
              if len(e["count"]) else b"" for e in entries]
    head = dumps(heads)
    return struct.pack("<I", len(head)) + head + b"".join(blocks)


def _pack(x: str, parts: list[bytes]) -> bytes:
    """The packed answer from runs' parts (``_packed_part``), in order."""
    heads: list[bytes] = []
    data: list[bytes] = []
    for part in parts:
        (size,) = struct.unpack_from("<I", part)
        heads.append(part[4:4 + size])
        data.append(part[4 + size:])
    series = b",".join(h[1:-1] for h in heads if h != b"[]")
    header = (b'{"x":' + dumps(x) + b',"fields":' + dumps(list(PACKED_FIELDS))
              + b',"series":[' + series + b"]}")
    header += b" " * (-(_PREFIX.size + len(header)) % 8)  # the arrays start 8-aligned
    return _PREFIX.pack(PACKED_MAGIC, PACKED_VERSION, len(header)) + header + b"".join(data)


def wants_packed(request: Request) -> bool:
    return PACKED in request.headers.get("accept", "")


# ---- reading -----------------------------------------------------------------------

def read_envelopes(store: MetadataStore, entity: str, project: str, query: EnvelopeQuery,
                   cache: EncodedCache, packed: bool = False) -> bytes:
    """The answer, as JSON (or packed). Each run's entries come from the cache while the
    run is unchanged (any batch applied to it changes ``updated_at``, and so the cache
    key); the others are read together."""
    encode: Callable[[list[dict[str, Any]]], bytes] = (
        _packed_part if packed else lambda entries: b",".join(dumps(e) for e in entries))
    runs = store.run_versions(entity, project, query.runs)
    encoded: dict[str, bytes] = {}
    stale: dict[str, RunVersion] = {}
    keys: dict[str, tuple[Any, ...]] = {}
    for run_id, run in runs.items():
        keys[run_id] = (run.pk, run.updated_at, run_id, tuple(query.keys), query.x,
                        query.buckets, query.lo, query.hi, packed)
        found = cache.get(keys[run_id])
        if found is None:
            stale[run_id] = run
        else:
            encoded[run_id] = found
    for run_id, entries in _entries(store, stale, query).items():
        encoded[run_id] = encode(entries)
        cache.put(keys[run_id], encoded[run_id])
    parts: list[bytes] = []
    for run_id in query.runs:
        if run_id not in runs:
            parts.append(encode([series_json(run_id, key, None, None) for key in query.keys]))
        elif encoded[run_id]:
            parts.append(encoded[run_id])
    if packed:
        return _pack(query.x, parts)
    return b'{"x":' + dumps(query.x) + b',"series":[' + b",".join(parts) + b"]}"


def _gzipped(request: Request, body: bytes) -> bytes | None:
    """``body`` gzipped when it is big, the client accepts gzip and is not on this
    machine (over loopback, compressing costs more time than it saves)."""
    client = request.client.host if request.client is not None else ""
    if (len(body) < _GZIP_FROM or "gzip" not in request.headers.get("accept-encoding", "")
            or client in ("127.0.0.1", "::1", "localhost")):
        return None
    return gzip.compress(body, compresslevel=1)


async def envelopes(request: Request) -> Response:
    ctx = context(request)
    query = parse_query(await json_body(request))
    project = await find_project(request)
    packed = wants_packed(request)

    def work() -> tuple[bytes, bytes | None]:
        body = read_envelopes(ctx.store, project.entity, project.name, query, ctx.encoded,
                              packed)
        return body, _gzipped(request, body)

    body, zipped = await ctx.call_chart(work)
    headers = {"Vary": "Accept, Accept-Encoding"}
    if zipped is not None:
        body = zipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=PACKED if packed else "application/json",
                    headers=headers)


ROUTES = [Route("/projects/{entity}/{project}/envelopes", envelopes, methods=["POST"])]
