"""Artifacts over HTTP: types → names → versions, a version with its files, producer and
consumers, alias edits, deletion, file content, the lineage graph and the diff of two
versions; and the artifacts a run logged and used.

Edits go straight to the store, needing no run (``api/artifacts.apply_edit``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.server.access import reader_of
from cairn.server.context import ServerContext, context, find_project, find_run, ui_origin
from cairn.server.encoding import JsonResponse
from cairn.server.errors import bad_request, not_found
from cairn.server.files import blob_response, content_type
from cairn.server.params import json_body
from cairn.store.artifacts import LATEST, ArtifactVersionRow
from cairn.store.base import RunRow

LINEAGE_NODES = 200
"""At most this many nodes in a lineage graph (the nearest ones)."""


def run_brief(row: RunRow) -> dict[str, Any]:
    return {"entity": row.ref.entity, "project": row.ref.project, "id": row.ref.run_id,
            "name": row.name, "state": row.state}


def version_json(row: ArtifactVersionRow) -> dict[str, Any]:
    return {"name": row.name, "version": f"v{row.index}", "index": row.index,
            "entity": row.entity, "project": row.project, "type": row.type,
            "digest": row.digest, "aliases": row.aliases, "size": row.size,
            "file_count": row.file_count, "created_at": row.created_at,
            "description": row.description}


Readable = Callable[[str, str], bool] | None
"""The caller's test of a project (``access.reader_of``); None: every project."""


def _runs(ctx: ServerContext, pks: Iterable[int], readable: Readable) -> list[dict[str, Any]]:
    """The runs, less those of projects the caller may not read (a version's producer and
    consumers may be in other projects)."""
    return [run_brief(r) for r in ctx.store.runs_by_pk(list(pks))
            if readable is None or readable(r.ref.entity, r.ref.project)]


def _versions(rows: Iterable[ArtifactVersionRow], readable: Readable
              ) -> list[ArtifactVersionRow]:
    return [r for r in rows if readable is None or readable(r.entity, r.project)]


def _version(ctx: ServerContext, request: Request, key: str = "version"
             ) -> ArtifactVersionRow:
    p = request.path_params
    row = ctx.store.artifact_version(p["entity"], p["project"], p["name"], p[key])
    if row is None:
        raise not_found(f"no artifact '{p['entity']}/{p['project']}/{p['name']}:{p[key]}'")
    return row


# ---- browsing ------------------------------------------------------------------------
async def list_artifacts(request: Request) -> Response:
    """Types, each with its artifact names (and their version counts)."""
    ctx = context(request)
    project = await find_project(request)
    wanted = request.query_params.get("type") or None

    def answer() -> dict[str, Any]:
        types: dict[str, list[dict[str, Any]]] = {}
        for c in ctx.store.artifact_collections(project.entity, project.name, wanted):
            if not c.versions:
                continue  # every version deleted
            types.setdefault(c.type, []).append({
                "name": c.name, "versions": c.versions, "created_at": c.created_at,
                "updated_at": c.updated_at})
        return {"types": [{"type": t, "artifacts": items} for t, items in types.items()]}

    return await ctx.respond(answer)


async def list_versions(request: Request) -> Response:
    ctx = context(request)
    p = request.path_params
    rows = await ctx.call(ctx.store.artifact_versions, p["entity"], p["project"], p["name"])
    if not rows:
        raise not_found(f"no artifact '{p['entity']}/{p['project']}/{p['name']}'")
    return JsonResponse({"name": p["name"], "type": rows[-1].type,
                         "versions": [version_json(r) for r in reversed(rows)]})


def _detail(ctx: ServerContext, row: ArtifactVersionRow, readable: Readable
            ) -> dict[str, Any]:
    producer = _runs(ctx, [row.producer_run] if row.producer_run is not None else [],
                     readable)
    return {**version_json(row), "metadata": row.metadata,
            "producer": producer[0] if producer else None,
            "consumers": _runs(ctx, ctx.store.artifact_runs(row.pk, "input"), readable),
            "files": [{"name": e[0], "digest": e[1], "size": e[2], "ref": e[3]}
                      for e in row.manifest or []]}


async def version_resource(request: Request) -> Response:
    """GET a version; DELETE it (``?delete_aliases=true`` when it has aliases)."""
    ctx = context(request)
    row = await ctx.call(_version, ctx, request)
    if request.method == "DELETE":
        named = [a for a in row.aliases if a != LATEST]
        if named and request.query_params.get("delete_aliases") not in ("1", "true"):
            raise bad_request(f"artifact {row.path} has aliases {named}; pass "
                              "delete_aliases=true to delete it with them")
        from cairn.api.artifacts import apply_edit

        await ctx.call(apply_edit, ctx.store, row, "artifact_delete", {}, ui_origin(request))
        return Response(status_code=204)
    return await ctx.respond(_detail, ctx, row, await ctx.call(reader_of, request.scope))


async def put_aliases(request: Request) -> Response:
    """Set a version's aliases (``latest`` stays with the newest version)."""
    from cairn.api.artifacts import apply_edit
    from cairn.artifact_names import check_aliases

    ctx = context(request)
    body = await json_body(request)
    try:
        # the UI shows why a version-like alias is not taken, as wandb's app does
        aliases = check_aliases(body.get("aliases"), ignore_versions=False)
    except ValueError as exc:
        raise bad_request(f"aliases: {exc}") from None
    row = await ctx.call(_version, ctx, request)
    await ctx.call(apply_edit, ctx.store, row, "artifact_edit",
                   {"aliases": [a for a in aliases if a != LATEST]}, ui_origin(request))
    fresh = await ctx.call(ctx.store.artifact_version_by_pk, row.pk)
    if fresh is None:
        raise not_found(f"artifact {row.path} was deleted")
    return await ctx.respond(_detail, ctx, fresh, await ctx.call(reader_of, request.scope))


async def get_version_file(request: Request) -> Response:
    ctx = context(request)
    row = await ctx.call(_version, ctx, request)
    name = request.path_params["path"]
    entry = next((e for e in row.manifest or [] if e[0] == name), None)
    if entry is None:
        raise not_found(f"artifact {row.path} has no file {name!r}")
    if entry[3] is not None:
        raise bad_request(f"{name!r} is a reference to {entry[3]}; its content is not stored")
    download = request.query_params.get("download") in ("1", "true")
    return blob_response(ctx.blobs, entry[1], content_type(name), filename=name,
                         download=download, range_header=request.headers.get("range"))


# ---- diff and lineage ------------------------------------------------------------------
def diff_manifests(a: list[list[Any]], b: list[list[Any]]) -> dict[str, list[Any]]:
    """Files added, removed and changed from ``a`` to ``b``."""
    old = {e[0]: e for e in a}
    new = {e[0]: e for e in b}
    return {
        "added": [{"name": n, "size": new[n][2]} for n in sorted(new.keys() - old.keys())],
        "removed": [{"name": n, "size": old[n][2]} for n in sorted(old.keys() - new.keys())],
        "changed": [{"name": n, "size_before": old[n][2], "size_after": new[n][2]}
                    for n in sorted(old.keys() & new.keys())
                    if (old[n][1], old[n][3]) != (new[n][1], new[n][3])],
    }


async def diff_versions(request: Request) -> Response:
    ctx = context(request)
    a = await ctx.call(_version, ctx, request)
    b = await ctx.call(_version, ctx, request, "other")
    return JsonResponse({"from": version_json(a), "to": version_json(b),
                         **diff_manifests(a.manifest or [], b.manifest or [])})


def lineage(ctx: ServerContext, start: str, readable: Readable = None) -> dict[str, Any]:
    """Runs and versions connected to ``start`` (``artifact:<pk>`` or ``run:<pk>``) by
    producing and using, nearest first; edges point the way data flows. Nodes in projects
    the caller may not read are left out, and the graph is not followed through them."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: set[tuple[str, str]] = set()
    queue = [start]
    while queue and len(nodes) < LINEAGE_NODES:
        key = queue.pop(0)
        if key in nodes:
            continue
        kind, pk = key.split(":")
        if kind == "artifact":
            row = ctx.store.artifact_version_by_pk(int(pk))
            if row is None or not _versions([row], readable):
                continue
            nodes[key] = {**version_json(row), "id": key, "kind": "artifact"}
            for run in ctx.store.artifact_runs(row.pk, "output"):
                edges.add((f"run:{run}", key))
                queue.append(f"run:{run}")
            for run in ctx.store.artifact_runs(row.pk, "input"):
                edges.add((key, f"run:{run}"))
                queue.append(f"run:{run}")
        else:
            runs = ctx.store.runs_by_pk([int(pk)])
            if not runs or (readable is not None
                            and not readable(runs[0].ref.entity, runs[0].ref.project)):
                continue
            nodes[key] = {**run_brief(runs[0]), "run_id": runs[0].ref.run_id, "id": key,
                          "kind": "run"}
            for version in ctx.store.run_artifacts(int(pk), "input"):
                edges.add((f"artifact:{version.pk}", key))
                queue.append(f"artifact:{version.pk}")
            for version in ctx.store.run_artifacts(int(pk), "output"):
                edges.add((key, f"artifact:{version.pk}"))
                queue.append(f"artifact:{version.pk}")
    return {"root": start, "nodes": list(nodes.values()),
            "edges": [{"from": a, "to": b} for a, b in sorted(edges)
                      if a in nodes and b in nodes]}


async def version_lineage(request: Request) -> Response:
    ctx = context(request)
    row = await ctx.call(_version, ctx, request)
    return await ctx.respond(lineage, ctx, f"artifact:{row.pk}",
                             await ctx.call(reader_of, request.scope))


async def run_artifacts(request: Request) -> Response:
    ctx = context(request)
    run = await find_run(request)
    readable = await ctx.call(reader_of, request.scope)

    def answer() -> dict[str, Any]:
        return {"logged": [version_json(r) for r in ctx.store.run_artifacts(run.pk, "output")],
                "used": [version_json(r) for r in _versions(
                    ctx.store.run_artifacts(run.pk, "input"), readable)]}

    return await ctx.respond(answer)


_VERSION = "/projects/{entity}/{project}/artifacts/{name}/{version}"
ROUTES = [
    Route("/projects/{entity}/{project}/artifacts", list_artifacts, methods=["GET"]),
    Route("/projects/{entity}/{project}/artifacts/{name}", list_versions, methods=["GET"]),
    Route(_VERSION, version_resource, methods=["GET", "DELETE"]),
    Route(_VERSION + "/aliases", put_aliases, methods=["PUT"]),
    Route(_VERSION + "/files/{path:path}", get_version_file, methods=["GET"]),
    Route(_VERSION + "/lineage", version_lineage, methods=["GET"]),
    Route(_VERSION + "/diff/{other}", diff_versions, methods=["GET"]),
    Route("/runs/{entity}/{project}/{run_id}/artifacts", run_artifacts, methods=["GET"]),
]
