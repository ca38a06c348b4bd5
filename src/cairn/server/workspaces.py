"""Saved workspaces: the layout of a project's workspace in the web app (sections of
configured panels) and its named views, per user (``store/workspaces.py``).

The user is the team server's authenticated account (``auth.user_of``), or nobody for the
local UI. Writes are mutating requests, so ``guard.py`` lets them through only as JSON from
the app's own origin; the body is at most ``params.MAX_BODY`` and the layout at most
``LAYOUT_BYTES``. A stale copy of the layout is refused with 409 ``conflict``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.errors import NotFoundError
from cairn.server.auth import user_of
from cairn.server.context import context, find_project
from cairn.server.encoding import JsonResponse
from cairn.server.errors import ApiError, bad_request, not_found
from cairn.server.params import json_body, parse_int
from cairn.store.workspaces import (
    LayoutConflict,
    LayoutError,
    ViewNameTaken,
    WorkspaceLayout,
    WorkspaceView,
)


def _user_id(request: Request) -> int | None:
    user = user_of(request.scope)
    return None if user is None else user.id


def _anonymous(request: Request) -> bool:
    """A caller the team server let in without signing in (anonymous reading): the
    layout of nobody (None) is the local UI's, not theirs to read or change."""
    state = request.scope.get("state") or {}
    return "caller" in state and user_of(request.scope) is None


def _signed_in_to_write(request: Request) -> None:
    if _anonymous(request):
        raise ApiError(401, "unauthorized", "sign in to save a layout or a view")


def layout_json(found: WorkspaceLayout | None) -> dict[str, Any]:
    if found is None:
        return {"layout": None, "version": 0, "updated_at": None}
    return {"layout": found.layout, "version": found.version, "updated_at": found.updated_at}


def view_json(view: WorkspaceView) -> dict[str, Any]:
    return {"id": view.id, "name": view.name, "state": view.state, "default": view.default,
            "created_at": view.created_at, "updated_at": view.updated_at}


async def _stored(request: Request, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Store work, its refusals as the API's errors."""
    ctx = context(request)
    try:
        return await ctx.call(fn, *args, **kwargs)
    except LayoutError as exc:
        raise bad_request(str(exc)) from None
    except ViewNameTaken as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    except LayoutConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    except NotFoundError as exc:
        raise not_found(str(exc)) from None


def _optional_bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise bad_request(f"{name}: expected true or false, got {value!r:.40}")
    return value


def _known(body: dict[str, Any], fields: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise bad_request(f"unknown field {unknown[0]!r}; the body has {', '.join(fields)}")


async def workspace(request: Request) -> Response:
    """GET the saved layout (null: automatic panels), PUT a new version, DELETE it."""
    ctx = context(request)
    project = await find_project(request)
    where = (project.entity, project.name)
    user_id = _user_id(request)
    if request.method == "GET":
        found = None if _anonymous(request) else await _stored(
            request, ctx.store.workspace_layout, *where, user_id=user_id)
        return JsonResponse(layout_json(found))
    _signed_in_to_write(request)
    if request.method == "DELETE":
        gone = await _stored(request, ctx.store.delete_workspace_layout, *where,
                             user_id=user_id)
        return JsonResponse({"deleted": gone})
    body = await json_body(request)
    _known(body, ("layout", "version"))
    if "layout" not in body:
        raise bad_request("layout: missing; send {\"layout\": {...}, \"version\": N}")
    version = body.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)
                                or not 0 <= version < 2**62):
        raise bad_request(f"version: expected the whole number the layout was read at, got "
                          f"{version!r:.40}")
    saved = await _stored(request, ctx.store.save_workspace_layout, *where, body["layout"],
                          user_id=user_id, base_version=version)
    return JsonResponse(layout_json(saved))


async def views(request: Request) -> Response:
    """GET the named views, POST a new one."""
    ctx = context(request)
    project = await find_project(request)
    where = (project.entity, project.name)
    user_id = _user_id(request)
    if request.method == "GET":
        found = [] if _anonymous(request) else await _stored(
            request, ctx.store.workspace_views, *where, user_id=user_id)
        return JsonResponse({"views": [view_json(v) for v in found]})
    _signed_in_to_write(request)
    body = await json_body(request)
    _known(body, ("name", "state", "default"))
    if "state" not in body:
        raise bad_request("state: missing; a view is {\"name\": ..., \"state\": {\"layout\": "
                          "..., \"query\": ...}}")
    created = await _stored(request, ctx.store.create_workspace_view, *where,
                            body.get("name"), body["state"], user_id=user_id,
                            default=bool(_optional_bool(body, "default")))
    return JsonResponse(view_json(created), status_code=201)


async def view(request: Request) -> Response:
    """GET one view, PUT a change (name, state, default), DELETE it."""
    ctx = context(request)
    project = await find_project(request)
    view_id = parse_int(request.path_params["view_id"], "view_id", 1, 2**62)
    where = (project.entity, project.name, view_id)
    user_id = _user_id(request)
    if _anonymous(request):
        raise not_found(f"no view {view_id} in '{project.entity}/{project.name}'")
    if request.method == "GET":
        found = await _stored(request, ctx.store.workspace_view, *where, user_id=user_id)
        return JsonResponse(view_json(found))
    if request.method == "DELETE":
        if not await _stored(request, ctx.store.delete_workspace_view, *where,
                             user_id=user_id):
            raise not_found(f"no view {view_id} in '{project.entity}/{project.name}'")
        return JsonResponse({"deleted": True})
    body = await json_body(request)
    _known(body, ("name", "state", "default"))
    changed = await _stored(request, ctx.store.change_workspace_view, *where,
                            user_id=user_id, name=body.get("name"), state=body.get("state"),
                            default=_optional_bool(body, "default"))
    return JsonResponse(view_json(changed))


ROUTES = [
    Route("/projects/{entity}/{project}/workspace", workspace,
          methods=["GET", "PUT", "DELETE"]),
    Route("/projects/{entity}/{project}/views", views, methods=["GET", "POST"]),
    Route("/projects/{entity}/{project}/views/{view_id}", view,
          methods=["GET", "PUT", "DELETE"]),
]
