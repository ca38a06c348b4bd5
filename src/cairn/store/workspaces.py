"""Saved workspaces in a SQL store (migration 0010): the layout of a project's workspace in
the web app (sections of panels, each with its type, settings and size), one per project
and user, and named views (a layout with the view's query string: filters, x axis, …).

The user is an account of the team server (``users.id``), or None for the local UI. A
layout carries a version that counts its saves, so that a client holding an older copy
(another tab) is told so (``LayoutConflict``) instead of overwriting newer work.

Layouts and views are JSON documents. They are checked here, before they are kept, so
that whatever wrote them (the API, a script) cannot store one the app cannot draw: every
limit below names what was too big.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from cairn.errors import Error, NotFoundError
from cairn.store.apply import Cursor

LAYOUT_BYTES = 256 << 10
"""Largest layout, as compact JSON."""
MAX_SECTIONS = 200
MAX_PANELS = 1000
"""Panels in a layout, all sections together."""
MAX_HIDDEN = 10_000
"""Automatic panels a layout hides."""
MAX_COLORS = 10_000
"""Runs given a colour of their own."""
MAX_GRID = 12
"""A panel's width and height, in grid cells."""
MAX_VIEWS = 200
"""Named views per project and user."""
VIEW_NAME_CHARS = 100
VIEW_QUERY_CHARS = 8000
PANEL_TYPES = ("line", "bar", "scatter", "parallel", "markdown", "comparer", "importance",
               "media", "histogram", "vega")
LAYOUT_KEYS = ("sections", "hidden", "colors")
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


class LayoutError(Error, ValueError):
    """A layout or view that is malformed or too big; the message names what and where."""


class LayoutConflict(Error):
    """The layout was saved by someone else since the version the caller holds."""

    def __init__(self, message: str, current: int) -> None:
        super().__init__(message)
        self.current = current


class ViewNameTaken(Error, ValueError):
    """A named view of that name exists already for the project and user."""


@dataclass(frozen=True)
class WorkspaceLayout:
    layout: dict[str, Any]
    version: int
    """How many times the layout was saved (1 for the first)."""
    updated_at: float


@dataclass(frozen=True)
class WorkspaceView:
    id: int
    name: str
    state: dict[str, Any]
    """``{"layout": a layout or None, "query": the view's query string}``."""
    default: bool
    created_at: float
    updated_at: float


# ---- checks ------------------------------------------------------------------------------

def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _check_id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise LayoutError(f"{where}.id: expected 1-64 letters, digits or _.:- , got "
                          f"{value!r:.80}")
    return value


def _check_text(value: Any, where: str, limit: int) -> str:
    if not isinstance(value, str):
        raise LayoutError(f"{where}: expected a string, got {_kind(value)}")
    if len(value) > limit:
        raise LayoutError(f"{where}: at most {limit} characters, got {len(value)}")
    return value


def _check_size(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_GRID:
        raise LayoutError(f"{where}: expected a whole number of grid cells in 1..{MAX_GRID}, "
                          f"got {value!r:.40}")


def _check_panel(panel: Any, where: str) -> None:
    if not isinstance(panel, dict):
        raise LayoutError(f"{where}: expected an object, got {_kind(panel)}")
    unknown = sorted(set(panel) - {"id", "type", "w", "h", "settings"})
    if unknown:
        raise LayoutError(f"{where}: unknown field {unknown[0]!r}; a panel has id, type, w, h "
                          "and settings")
    _check_id(panel.get("id"), where)
    if panel.get("type") not in PANEL_TYPES:
        raise LayoutError(f"{where}.type: expected one of {', '.join(PANEL_TYPES)}, got "
                          f"{panel.get('type')!r:.40}")
    for size in ("w", "h"):
        if size in panel:
            _check_size(panel[size], f"{where}.{size}")
    if not isinstance(panel.get("settings", {}), dict):
        raise LayoutError(f"{where}.settings: expected an object, got "
                          f"{_kind(panel.get('settings'))}")


def _check_section(section: Any, where: str, ids: set[str]) -> int:
    if not isinstance(section, dict):
        raise LayoutError(f"{where}: expected an object, got {_kind(section)}")
    unknown = sorted(set(section) - {"id", "name", "collapsed", "panels", "auto"})
    if unknown:
        raise LayoutError(f"{where}: unknown field {unknown[0]!r}; a section has id, name, "
                          "collapsed, panels and auto")
    _check_id(section.get("id"), where)
    _check_text(section.get("name"), f"{where}.name", 200)
    if section.get("auto") is not None:
        # The key prefix whose automatic panels the section shows after its own.
        _check_text(section["auto"], f"{where}.auto", 200)
    if not isinstance(section.get("collapsed", False), bool):
        raise LayoutError(f"{where}.collapsed: expected true or false")
    panels = section.get("panels", [])
    if not isinstance(panels, list):
        raise LayoutError(f"{where}.panels: expected a list, got {_kind(panels)}")
    for i, panel in enumerate(panels):
        _check_panel(panel, f"{where}.panels[{i}]")
        if panel["id"] in ids:
            raise LayoutError(f"{where}.panels[{i}].id: {panel['id']!r} is used twice")
        ids.add(panel["id"])
    return len(panels)


def check_layout(layout: Any) -> dict[str, Any]:
    """The layout if it is well formed and within the limits, else ``LayoutError``."""
    if not isinstance(layout, dict):
        raise LayoutError(f"layout: expected an object, got {_kind(layout)}")
    unknown = sorted(set(layout) - set(LAYOUT_KEYS))
    if unknown:
        raise LayoutError(f"layout: unknown field {unknown[0]!r}; a layout has "
                          f"{', '.join(LAYOUT_KEYS)}")
    size = len(encode(layout))
    if size > LAYOUT_BYTES:
        raise LayoutError(f"layout: {size} bytes of JSON, at most {LAYOUT_BYTES}; remove "
                          "panels or shorten their settings")
    sections = layout.get("sections", [])
    if not isinstance(sections, list):
        raise LayoutError(f"layout.sections: expected a list, got {_kind(sections)}")
    if len(sections) > MAX_SECTIONS:
        raise LayoutError(f"layout.sections: at most {MAX_SECTIONS}, got {len(sections)}")
    panel_ids: set[str] = set()
    section_ids: set[str] = set()
    panels = 0
    for i, section in enumerate(sections):
        panels += _check_section(section, f"layout.sections[{i}]", panel_ids)
        if section["id"] in section_ids:
            raise LayoutError(f"layout.sections[{i}].id: {section['id']!r} is used twice")
        section_ids.add(section["id"])
    if panels > MAX_PANELS:
        raise LayoutError(f"layout: at most {MAX_PANELS} panels, got {panels}")
    hidden = layout.get("hidden", [])
    if not isinstance(hidden, list) or not all(isinstance(k, str) for k in hidden):
        raise LayoutError("layout.hidden: expected a list of metric keys")
    if len(hidden) > MAX_HIDDEN:
        raise LayoutError(f"layout.hidden: at most {MAX_HIDDEN} keys, got {len(hidden)}")
    colors = layout.get("colors", {})
    if not isinstance(colors, dict):
        raise LayoutError(f"layout.colors: expected an object, got {_kind(colors)}")
    if len(colors) > MAX_COLORS:
        raise LayoutError(f"layout.colors: at most {MAX_COLORS} runs, got {len(colors)}")
    for run_id, color in colors.items():
        if not isinstance(color, str) or not _COLOR.fullmatch(color):
            raise LayoutError(f"layout.colors[{run_id!r:.80}]: expected #rrggbb, got "
                              f"{color!r:.40}")
    return layout


def check_view_name(name: Any) -> str:
    text = _check_text(name, "name", VIEW_NAME_CHARS).strip()
    if not text:
        raise LayoutError("name: a view needs a name")
    return text


def check_view_state(state: Any) -> dict[str, Any]:
    """``{"layout": a layout or null, "query": a query string}``."""
    if not isinstance(state, dict):
        raise LayoutError(f"state: expected an object, got {_kind(state)}")
    unknown = sorted(set(state) - {"layout", "query"})
    if unknown:
        raise LayoutError(f"state: unknown field {unknown[0]!r}; a view has layout and query")
    if state.get("layout") is not None:
        check_layout(state["layout"])
    _check_text(state.get("query", ""), "state.query", VIEW_QUERY_CHARS)
    return {"layout": state.get("layout"), "query": state.get("query", "")}


def encode(value: Any) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise LayoutError("layout: NaN and infinities are not JSON; use null") from None


# ---- SQL ---------------------------------------------------------------------------------

def project_pk(conn: Cursor, entity: str, project: str) -> int:
    row = conn.execute("SELECT id FROM projects WHERE entity = ? AND name = ?",
                       (entity, project)).fetchone()
    if row is None:
        raise NotFoundError(f"no project '{entity}/{project}'")
    return int(row[0])


_OWNER = "project_id = ? AND coalesce(user_id, 0) = ?"


def _owner(pk: int, user_id: int | None) -> tuple[int, int]:
    return pk, user_id or 0


def read_layout(conn: Cursor, entity: str, project: str,
                user_id: int | None) -> WorkspaceLayout | None:
    pk = project_pk(conn, entity, project)
    row = conn.execute(f"SELECT layout, version, updated_at FROM workspace_layouts WHERE "
                       f"{_OWNER}", _owner(pk, user_id)).fetchone()
    if row is None:
        return None
    return WorkspaceLayout(json.loads(row[0]), int(row[1]), float(row[2]))


def save_layout(conn: Cursor, entity: str, project: str, layout: dict[str, Any],
                user_id: int | None, base_version: int | None) -> WorkspaceLayout:
    """Keep ``layout`` as the next version. ``base_version``: the version the caller's
    copy came from (0: none saved yet); if another is stored, ``LayoutConflict``. None
    saves over whatever is stored. Each step is a compare-and-set, so two writers at once
    (PostgreSQL reads committed rows) cannot both succeed from the same version."""
    text = encode(check_layout(layout))
    pk = project_pk(conn, entity, project)
    now = time.time()
    if base_version is None or base_version == 0:
        inserted = conn.execute(
            "INSERT INTO workspace_layouts (project_id, user_id, layout, version, updated_at) "
            "VALUES (?, ?, ?, 1, ?) ON CONFLICT DO NOTHING RETURNING version",
            (pk, user_id, text, now)).fetchone()
        if inserted is not None:
            return WorkspaceLayout(layout, 1, now)
    sql = ("UPDATE workspace_layouts SET layout = ?, version = version + 1, updated_at = ? "
           f"WHERE {_OWNER}")
    params: list[Any] = [text, now, *_owner(pk, user_id)]
    if base_version is not None:
        sql += " AND version = ?"
        params.append(base_version)
    updated = conn.execute(sql + " RETURNING version", params).fetchone()
    if updated is None:
        row = conn.execute(f"SELECT version FROM workspace_layouts WHERE {_OWNER}",
                           _owner(pk, user_id)).fetchone()
        current = int(row[0]) if row else 0
        raise LayoutConflict(f"the layout of '{entity}/{project}' was saved since version "
                             f"{base_version} (now {current}); reload it and apply the "
                             "change again", current)
    return WorkspaceLayout(layout, int(updated[0]), now)


def delete_layout(conn: Cursor, entity: str, project: str, user_id: int | None) -> bool:
    pk = project_pk(conn, entity, project)
    gone = conn.execute(f"DELETE FROM workspace_layouts WHERE {_OWNER} RETURNING id",
                        _owner(pk, user_id)).fetchall()
    return bool(gone)


_VIEW_COLUMNS = "id, name, state, is_default, created_at, updated_at"


def _view(row: Any) -> WorkspaceView:
    pk, name, state, default, created, updated = row
    return WorkspaceView(int(pk), str(name), json.loads(state), bool(default), float(created),
                         float(updated))


def read_views(conn: Cursor, entity: str, project: str,
               user_id: int | None) -> list[WorkspaceView]:
    pk = project_pk(conn, entity, project)
    rows = conn.execute(f"SELECT {_VIEW_COLUMNS} FROM workspace_views WHERE {_OWNER} "
                        "ORDER BY name, id", _owner(pk, user_id)).fetchall()
    return [_view(r) for r in rows]


def read_view(conn: Cursor, entity: str, project: str, user_id: int | None,
              view_id: int) -> WorkspaceView:
    pk = project_pk(conn, entity, project)
    row = conn.execute(f"SELECT {_VIEW_COLUMNS} FROM workspace_views WHERE {_OWNER} AND "
                       "id = ?", (*_owner(pk, user_id), view_id)).fetchone()
    if row is None:
        raise NotFoundError(f"no view {view_id} in '{entity}/{project}'")
    return _view(row)


def _name_free(conn: Cursor, pk: int, user_id: int | None, name: str,
               view_id: int | None) -> None:
    row = conn.execute(f"SELECT id FROM workspace_views WHERE {_OWNER} AND name = ?",
                       (*_owner(pk, user_id), name)).fetchone()
    if row is not None and int(row[0]) != view_id:
        raise ViewNameTaken(f"a view named {name!r} exists already; pick another name")


def _clear_default(conn: Cursor, pk: int, user_id: int | None) -> None:
    conn.execute(f"UPDATE workspace_views SET is_default = ? WHERE {_OWNER} AND is_default = ?",
                 (False, *_owner(pk, user_id), True))


def create_view(conn: Cursor, entity: str, project: str, user_id: int | None, name: Any,
                state: Any, default: bool) -> WorkspaceView:
    name = check_view_name(name)
    text = encode(check_view_state(state))
    pk = project_pk(conn, entity, project)
    count = conn.execute(f"SELECT count(*) FROM workspace_views WHERE {_OWNER}",
                         _owner(pk, user_id)).fetchone()
    if int(count[0]) >= MAX_VIEWS:
        raise LayoutError(f"at most {MAX_VIEWS} views a project; delete one first")
    _name_free(conn, pk, user_id, name, None)
    if default:
        _clear_default(conn, pk, user_id)
    now = time.time()
    row = conn.execute(
        "INSERT INTO workspace_views (project_id, user_id, name, state, is_default, "
        f"created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {_VIEW_COLUMNS}",
        (pk, user_id, name, text, default, now, now)).fetchone()
    return _view(row)


def change_view(conn: Cursor, entity: str, project: str, user_id: int | None, view_id: int,
                name: Any = None, state: Any = None,
                default: bool | None = None) -> WorkspaceView:
    """Rename a view, replace its state, or make it (or stop it being) the default;
    what is None stays."""
    view = read_view(conn, entity, project, user_id, view_id)
    pk = project_pk(conn, entity, project)
    new_name = view.name if name is None else check_view_name(name)
    text = encode(view.state if state is None else check_view_state(state))
    _name_free(conn, pk, user_id, new_name, view_id)
    if default:
        _clear_default(conn, pk, user_id)
    is_default = view.default if default is None else default
    row = conn.execute(
        "UPDATE workspace_views SET name = ?, state = ?, is_default = ?, updated_at = ? "
        f"WHERE id = ? RETURNING {_VIEW_COLUMNS}",
        (new_name, text, is_default, time.time(), view_id)).fetchone()
    return _view(row)


def delete_view(conn: Cursor, entity: str, project: str, user_id: int | None,
                view_id: int) -> bool:
    pk = project_pk(conn, entity, project)
    gone = conn.execute(f"DELETE FROM workspace_views WHERE {_OWNER} AND id = ? RETURNING id",
                        (*_owner(pk, user_id), view_id)).fetchall()
    return bool(gone)
