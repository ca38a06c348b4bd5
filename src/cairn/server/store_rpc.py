"""The read half of ``MetadataStore`` over HTTP, for ``cairn.Api(base_url=…)`` and the
``http(s)://`` backend: ``POST /api/v1/store/{method}`` with msgpack ``{"args": [...],
"kwargs": {...}}`` (``store/wire.py``), answered with the method's result in the same
encoding. Proxying the store itself, rather than the UI's JSON, is what makes a reader
over HTTP build the very objects a local one does (the store conformance suite's read
half runs against it).

Only the reading methods in ``wire.READS`` are served; writes go through ``/ingest``. A
method's own refusals keep their meaning: a bad filter is a 400 ``bad_filter``, a missing
run a 404, a bad argument a 400.

Each method is authorised by what its arguments name (:data:`SCOPES`): a project, a run by
reference or by primary key, runs by keys, a sweep or an artifact version by key; methods
that search the whole store (``list_projects``, ``find_runs``, ...) have their results
filtered. What the caller may not read is asked of the store as something that does not
exist (a project named ``""/""``, primary key 0, left out of a list), so the answer is
exactly the one a missing run or project gets: no existence leaks. Queries over every
project (``query_runs`` with no entity or project) are for server admins only.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.errors import FilterError, NotFoundError
from cairn.records import RunRef
from cairn.server.access import Access, Caller, access_of, caller_of, unauthorized
from cairn.server.context import context
from cairn.server.errors import bad_request, not_found
from cairn.server.ingest import read_body
from cairn.store.base import MetadataStore
from cairn.store.wire import READS

MEDIA_TYPE = "application/msgpack"
MAX_CALL_BYTES = 1 << 20
_NOWHERE = ""
"""The entity and project asked for in place of one the caller may not read."""
_NO_PK = 0
"""The primary key asked for in place of one the caller may not read (keys start at 1)."""

_PROJECT = ("project", ("entity", "project"))
SCOPES: dict[str, tuple[str, Any]] = {
    "get_project": _PROJECT, "run_versions": _PROJECT, "runs_updated_since": _PROJECT,
    "project_metrics": _PROJECT, "project_columns": _PROJECT, "edits": _PROJECT,
    "artifact_version": _PROJECT, "artifact_versions": _PROJECT,
    "artifact_collections": _PROJECT, "reports": _PROJECT, "report": _PROJECT,
    **{m: ("any_project", ("entity", "project")) for m in (
        "query_runs", "query_runs_counted", "query_run_pks", "count_runs")},
    "get_run": ("ref", "ref"), "applied_seq": ("ref", "run"),
    "applied_progress": ("ref", "run"),
    **{m: ("run_pk", "run_pk") for m in (
        "list_series", "numeric_series", "read_series", "read_series_many", "read_envelope",
        "stored_envelope", "read_objects", "system_samples", "console_lines",
        "console_count", "run_files", "run_file", "object_keys", "object_steps",
        "object_values")},
    "run_artifacts": ("run_pk", "run_pk"),  # and its versions, filtered
    "runs_by_pk": ("run_pks", "pks"), "read_envelopes": ("run_pks", "run_pks"),
    "artifact_runs": ("version_pk", "version_pk"), "sweep_trials": ("sweep_pk", "sweep_pk"),
    **{m: ("results", None) for m in (
        "list_projects", "find_runs", "find_sweeps", "alerts", "artifact_receipt",
        "artifact_version_by_pk")},
}
"""How each reading method is authorised: by what its arguments name, or by its results."""
assert set(SCOPES) == READS, sorted(set(SCOPES) ^ READS)


def _row_project(row: Any) -> tuple[str, str]:
    """The project a result row belongs to."""
    ref = getattr(row, "ref", None) or getattr(row, "run", None)
    if isinstance(ref, RunRef):
        return ref.entity, ref.project
    if hasattr(row, "entity") and hasattr(row, "project"):
        return str(row.entity), str(row.project)
    return str(row.entity), str(row.name)  # ProjectRow


def authorised_call(store: MetadataStore, access: Access, caller: Caller, method: str,
                    args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``store.method(*args, **kwargs)`` as the caller may see it (store work)."""
    fn: Callable[..., Any] = getattr(store, method)
    try:
        bound = inspect.signature(getattr(MetadataStore, method)).bind(None, *args, **kwargs)
    except TypeError as exc:
        raise bad_request(f"{method}: {exc}") from None
    values = bound.arguments
    kind, names = SCOPES[method]
    admin = caller.user is not None and caller.user.admin
    readable = access.reader(caller)
    if kind in ("project", "any_project"):
        entity, project = values.get(names[0]), values.get(names[1])
        if entity is None or project is None:
            if kind == "project" or not admin:
                raise bad_request(f"{method}: name the entity and the project")
        elif not (isinstance(entity, str) and isinstance(project, str)):
            raise bad_request(f"{method}: the entity and the project are strings")
        elif not readable(entity, project):
            values[names[0]] = values[names[1]] = _NOWHERE
    elif kind == "ref":
        ref = values.get(names)
        if not isinstance(ref, RunRef):
            raise bad_request(f"{method}: '{names}' must be a run reference")
        if not readable(ref.entity, ref.project):
            values[names] = RunRef(_NOWHERE, _NOWHERE, ref.run_id)
    elif kind in ("run_pk", "version_pk", "sweep_pk"):
        pk = values.get(names)
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise bad_request(f"{method}: '{names}' must be an integer")
        owner = access.accounts.projects_of(kind.removesuffix("_pk"), [pk]).get(pk)
        if owner is None or not readable(*owner):
            values[names] = _NO_PK
    elif kind == "run_pks":
        pks = values.get(names)
        if not isinstance(pks, list | tuple) or not all(
                isinstance(p, int) and not isinstance(p, bool) for p in pks):
            raise bad_request(f"{method}: '{names}' must be a list of integers")
        owners = access.accounts.projects_of("run", list(pks))
        values[names] = [p for p in pks if p in owners and readable(*owners[p])]
    try:
        result = fn(*bound.args[1:], **bound.kwargs)
    except (FilterError, NotFoundError):
        raise  # 400 bad_filter, 404 (errors.py)
    except (TypeError, ValueError) as exc:
        raise bad_request(f"{method}: {exc}") from None
    if method == "run_artifacts" or kind == "results":
        if isinstance(result, list):
            return [r for r in result if readable(*_row_project(r))]
        if result is not None and not readable(*_row_project(result)):
            return None
    return result



async def call(request: Request) -> Response:
    from cairn.store import wire

    ctx = context(request)
    method = request.path_params["method"]
    if method not in READS:
        raise not_found(f"the store has no reading method {method!r} over HTTP")
    body = await read_body(request, MAX_CALL_BYTES)
    try:
        message = wire.loads(body) if body else {}
        args = list(message.get("args") or [])
        kwargs = dict(message.get("kwargs") or {})
    except (ValueError, TypeError, AttributeError) as exc:
        raise bad_request(f"the call is not msgpack {{args, kwargs}}: {exc}") from None
    if not all(isinstance(k, str) for k in kwargs):
        raise bad_request("keyword names must be strings")

    access = access_of(request.scope)
    caller = caller_of(request.scope)
    if access is not None and caller.user is None and not access.anonymous_read:
        raise unauthorized()

    def work() -> bytes:
        if access is not None and not (caller.user is not None and caller.user.admin):
            return wire.dumps(authorised_call(ctx.store, access, caller, method, args, kwargs))
        try:
            result: Any = getattr(ctx.store, method)(*args, **kwargs)
        except (FilterError, NotFoundError):
            raise  # 400 bad_filter, 404 (errors.py)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"{method}: {exc}") from None
        return wire.dumps(result)

    return Response(await ctx.call(work), media_type=MEDIA_TYPE)


ROUTES = [Route("/store/{method}", call, methods=["POST"])]
