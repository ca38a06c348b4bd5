"""Reports in a SQL store (migration 0013): documents of a project made of blocks, each
either Markdown text (with LaTeX, rendered by the web app through its sanitiser) or a live
panel (any panel type the workspace draws, with its own run set: a query of the runs table
and a cap on the runs drawn).

A report carries a version that counts its saves. A save names the version the editor's
copy came from, and a copy that is no longer current is refused (``ReportConflict``), so
two editors never overwrite each other silently.

The body is a JSON document, checked here before it is kept so that whatever wrote it (the
API, a script) cannot store one the app cannot show; every error names the field.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from cairn.errors import Error, NotFoundError
from cairn.store.apply import Cursor
from cairn.store.workspaces import LayoutError, _check_id, _check_panel, _kind, project_pk

BODY_BYTES = 512 << 10
"""Largest report body, as compact JSON."""
MAX_BLOCKS = 500
TEXT_CHARS = 100_000
"""Characters of one Markdown block."""
TITLE_CHARS = 200
QUERY_CHARS = 8000
"""Characters of a panel block's run query (the runs table's query string)."""
MAX_RUNS = 1000
"""The largest cap on the runs a panel block draws."""
MAX_REPORTS = 1000
"""Reports per project."""
BLOCK_TYPES = ("markdown", "panel")


class ReportError(Error, ValueError):
    """A report title or body that is malformed or too big; the message names the field."""


class ReportConflict(Error):
    """The report was saved by someone else since the version the caller holds."""

    def __init__(self, message: str, current: int) -> None:
        super().__init__(message)
        self.current = current


@dataclass(frozen=True)
class Report:
    id: int
    title: str
    body: dict[str, Any]
    """``{"blocks": [...]}``: see :func:`check_body`."""
    author: str | None
    """The user name of whoever made it on the team server; None for the local UI."""
    version: int
    created_at: float
    updated_at: float


# ---- checks ------------------------------------------------------------------------------

def check_title(title: Any) -> str:
    if not isinstance(title, str):
        raise ReportError(f"title: expected a string, got {_kind(title)}")
    text = title.strip()
    if not text:
        raise ReportError("title: a report needs a title")
    if len(text) > TITLE_CHARS:
        raise ReportError(f"title: at most {TITLE_CHARS} characters, got {len(text)}")
    return text


def _check_runs(runs: Any, where: str) -> None:
    if not isinstance(runs, dict):
        raise ReportError(f"{where}: expected an object, got {_kind(runs)}")
    unknown = sorted(set(runs) - {"query", "max"})
    if unknown:
        raise ReportError(f"{where}: unknown field {unknown[0]!r}; a run set has query and max")
    query = runs.get("query", "")
    if not isinstance(query, str):
        raise ReportError(f"{where}.query: expected a string, got {_kind(query)}")
    if len(query) > QUERY_CHARS:
        raise ReportError(f"{where}.query: at most {QUERY_CHARS} characters, got {len(query)}")
    cap = runs.get("max", 10)
    if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= MAX_RUNS:
        raise ReportError(f"{where}.max: expected a whole number of runs in 1..{MAX_RUNS}, "
                          f"got {cap!r:.40}")


def _check_block(block: Any, where: str) -> None:
    if not isinstance(block, dict):
        raise ReportError(f"{where}: expected an object, got {_kind(block)}")
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        raise ReportError(f"{where}.type: expected one of {', '.join(BLOCK_TYPES)}, got "
                          f"{kind!r:.40}")
    fields = {"id", "type", "text"} if kind == "markdown" else {"id", "type", "panel", "runs"}
    unknown = sorted(set(block) - fields)
    if unknown:
        raise ReportError(f"{where}: unknown field {unknown[0]!r}; a {kind} block has "
                          f"{', '.join(sorted(fields))}")
    try:
        _check_id(block.get("id"), where)
        if kind == "panel":
            _check_panel(block.get("panel"), f"{where}.panel")
    except LayoutError as exc:
        raise ReportError(str(exc)) from None
    if kind == "markdown":
        text = block.get("text", "")
        if not isinstance(text, str):
            raise ReportError(f"{where}.text: expected a string, got {_kind(text)}")
        if len(text) > TEXT_CHARS:
            raise ReportError(f"{where}.text: at most {TEXT_CHARS} characters, got {len(text)}")
    else:
        _check_runs(block.get("runs", {}), f"{where}.runs")


def check_body(body: Any) -> dict[str, Any]:
    """The body if it is ``{"blocks": [block, ...]}`` within the limits, else
    ``ReportError``. A block is ``{"id", "type": "markdown", "text"}`` or ``{"id", "type":
    "panel", "panel": a workspace panel, "runs": {"query", "max"}}``."""
    if not isinstance(body, dict):
        raise ReportError(f"body: expected an object, got {_kind(body)}")
    unknown = sorted(set(body) - {"blocks"})
    if unknown:
        raise ReportError(f"body: unknown field {unknown[0]!r}; a report body has blocks")
    size = len(encode(body))
    if size > BODY_BYTES:
        raise ReportError(f"body: {size} bytes of JSON, at most {BODY_BYTES}; shorten the "
                          "text or split the report")
    blocks = body.get("blocks", [])
    if not isinstance(blocks, list):
        raise ReportError(f"body.blocks: expected a list, got {_kind(blocks)}")
    if len(blocks) > MAX_BLOCKS:
        raise ReportError(f"body.blocks: at most {MAX_BLOCKS}, got {len(blocks)}")
    ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"body.blocks[{i}]"
        _check_block(block, where)
        if block["id"] in ids:
            raise ReportError(f"{where}.id: {block['id']!r} is used twice")
        ids.add(block["id"])
    return {"blocks": blocks}


def encode(value: Any) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise ReportError("body: NaN and infinities are not JSON; use null") from None


# ---- SQL ---------------------------------------------------------------------------------

def _report(row: Any, body: bool = True) -> Report:
    pk, title, text, author, version, created, updated = row
    return Report(int(pk), str(title), json.loads(text) if body else {}, author,
                  int(version), float(created), float(updated))


def list_reports(conn: Cursor, entity: str, project: str) -> list[Report]:
    """The project's reports, the last changed first, without their bodies; none for a
    project that is not there (as for one with no reports: the answer says nothing of
    which projects exist, for a server that substitutes a name the caller may not read)."""
    rows = conn.execute(
        "SELECT r.id, r.title, '{}', u.name, r.version, r.created_at, r.updated_at "
        "FROM reports r JOIN projects p ON p.id = r.project_id "
        "LEFT JOIN users u ON u.id = r.author_id WHERE p.entity = ? AND p.name = ? "
        "ORDER BY r.updated_at DESC, r.id DESC", (entity, project)).fetchall()
    return [_report(r) for r in rows]


def read_report(conn: Cursor, entity: str, project: str, report_id: int) -> Report:
    """The report, or NotFoundError naming only the id (the same whether the project is
    there or not)."""
    row = conn.execute(
        "SELECT r.id, r.title, r.body, u.name, r.version, r.created_at, r.updated_at "
        "FROM reports r JOIN projects p ON p.id = r.project_id "
        "LEFT JOIN users u ON u.id = r.author_id "
        "WHERE p.entity = ? AND p.name = ? AND r.id = ?", (entity, project, report_id)).fetchone()
    if row is None:
        raise NotFoundError(f"no report {report_id} in this project")
    return _report(row)


def create_report(conn: Cursor, entity: str, project: str, title: Any, body: Any,
                  author_id: int | None) -> Report:
    title = check_title(title)
    text = encode(check_body(body))
    pk = project_pk(conn, entity, project)
    count = conn.execute("SELECT count(*) FROM reports WHERE project_id = ?", (pk,)).fetchone()
    if int(count[0]) >= MAX_REPORTS:
        raise ReportError(f"at most {MAX_REPORTS} reports a project; delete one first")
    now = time.time()
    row = conn.execute(
        "INSERT INTO reports (project_id, title, body, author_id, version, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, 1, ?, ?) RETURNING id",
        (pk, title, text, author_id, now, now)).fetchone()
    return read_report(conn, entity, project, int(row[0]))


def save_report(conn: Cursor, entity: str, project: str, report_id: int, base_version: int,
                title: Any = None, body: Any = None) -> Report:
    """Keep a new version of the report's title and/or body (None keeps it), if
    ``base_version`` is the version stored; else ``ReportConflict``. The update is a
    compare-and-set, so of two editors saving from one version only one succeeds."""
    new_title = None if title is None else check_title(title)
    new_body = None if body is None else encode(check_body(body))
    pk = project_pk(conn, entity, project)
    sets = ["version = version + 1", "updated_at = ?"]
    params: list[Any] = [time.time()]
    if new_title is not None:
        sets.append("title = ?")
        params.append(new_title)
    if new_body is not None:
        sets.append("body = ?")
        params.append(new_body)
    updated = conn.execute(
        f"UPDATE reports SET {', '.join(sets)} WHERE project_id = ? AND id = ? AND "
        "version = ? RETURNING id", (*params, pk, report_id, base_version)).fetchone()
    if updated is None:
        current = read_report(conn, entity, project, report_id).version  # or NotFoundError
        raise ReportConflict(f"report {report_id} was saved since version {base_version} "
                             f"(now {current}); reload it and make the change again",
                             current)
    return read_report(conn, entity, project, report_id)


def delete_report(conn: Cursor, entity: str, project: str, report_id: int) -> bool:
    pk = project_pk(conn, entity, project)
    gone = conn.execute("DELETE FROM reports WHERE project_id = ? AND id = ? RETURNING id",
                        (pk, report_id)).fetchall()
    return bool(gone)
