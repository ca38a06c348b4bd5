"""What every SQL store shares: the reads of the ``MetadataStore`` protocol and the apply
transaction, written once against a DB-API connection with ``?`` placeholders.

A dialect (``store/sqlite.py``, ``store/postgres/``) supplies the plumbing (connections,
transactions, migrations, errors) and the few pieces of SQL that differ: how filters and
order compile, how free text is searched, which flat keys a JSON column holds, and how a
stored ``running`` state is judged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from importlib import resources
from typing import Any, TypeVar

import msgpack
import numpy as np

from cairn.records import Record, RunRef
from cairn.store import artifacts, edits, envelope_reads, workspaces
from cairn.store import reports as report_sql
from cairn.store import sweeps as sweep_sql
from cairn.store.alerts import AlertRow, read_alerts
from cairn.store.apply import Cursor, RecordApplier
from cairn.store.artifacts import ArtifactCollectionRow, ArtifactVersionRow
from cairn.store.base import (
    ApplyResult,
    MetricInfo,
    ProjectRow,
    RunFile,
    RunRow,
    RunVersion,
    SeriesInfo,
)
from cairn.store.buckets import check_buckets, check_range
from cairn.store.chunk_index import ChunkIndexCache
from cairn.store.codec import (
    Envelope,
    Float64s,
    Int64s,
    empty_envelope,
)
from cairn.store.console import ConsoleLine, count_console, read_console
from cairn.store.edits import Edit, EditRow
from cairn.store.media import (
    ObjectKey,
    read_object_keys,
    read_object_steps,
    read_object_values,
)
from cairn.store.progress import SessionProgress, Span, load_progress, save_progress
from cairn.store.reports import Report
from cairn.store.run_files import read_run_file, read_run_files
from cairn.store.system import SystemSamples, read_system
from cairn.store.workspaces import WorkspaceLayout, WorkspaceView

T = TypeVar("T")

_KIND_RANK = {"b": 0, "i": 1, "f": 2}
RUN_COLUMNS = (
    "runs.id, projects.entity, projects.name, runs.run_id, runs.name, runs.notes, runs.tags, "
    "runs.group_name, runs.job_type, runs.state, runs.exit_code, runs.created_at, "
    "runs.updated_at, runs.heartbeat_at, runs.finished_at, runs.host, runs.pid, runs.config, "
    "runs.summary, runs.meta, runs.last_step"
)


def _unpack(blob: bytes | None) -> Any:
    if blob is None:
        return {}
    return msgpack.unpackb(blob, raw=False, strict_map_key=False)


def _project_row(row: Sequence[Any]) -> ProjectRow:
    """A project from ``entity, name, run count, created, updated, last run update``: its
    last activity is the later of the two updates (no SQL ``max(a, b)`` in every dialect)."""
    entity, name, count, created, updated, last_run = row
    return ProjectRow(entity, name, int(count), float(created),
                      max(float(updated), float(last_run)))



def read_migrations(package: str) -> list[tuple[int, str]]:
    """The numbered ``NNNN_*.sql`` migrations in ``package``'s ``migrations/`` folder (one
    folder per dialect), in order."""
    folder = resources.files(package) / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)

class SqlStore:
    """The shared body of the SQL ``MetadataStore`` implementations."""

    location: str
    """Where the store is, for messages (a path, or a URI without its password)."""
    heartbeat_timeout: float
    _chunk_indexes: ChunkIndexCache
    _chunk_points: ChunkIndexCache
    """Decoded chunks of the series charts read as points (``envelope_reads.chunk_points``)."""
    _run_columns = RUN_COLUMNS
    _no_limit: int | None = -1
    """The LIMIT that means none."""

    # ---- what a dialect provides ---------------------------------------------------------
    def _write(self) -> AbstractContextManager[Cursor]:
        """A short write transaction; commits on success."""
        raise NotImplementedError

    def _snapshot(self) -> AbstractContextManager[None]:
        """Reads inside it see one state of the store."""
        raise NotImplementedError

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(connection, *args)`` for the feature modules' readers."""
        raise NotImplementedError

    def _state(self, state: str, heartbeat_at: float, host: str | None,
               pid: int | None) -> str:
        raise NotImplementedError

    def _filters(self, filters: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
        raise NotImplementedError

    def _order(self, order: Sequence[str] | str | None) -> tuple[str, list[Any]]:
        raise NotImplementedError

    def _search(self, search: str | None) -> tuple[str, list[Any]]:
        raise NotImplementedError

    def _flat_keys(self, column: str, entity: str, project: str) -> list[str]:
        """Distinct ``a.b`` keys of a JSON column: objects are walked, everything else
        (lists included) is a leaf, and so is an empty object."""
        raise NotImplementedError

    def _lock_sweep(self, conn: Cursor, sweep_pk: int) -> None:
        """Called first in a sweep's write transaction: a store shared by concurrent
        writers serialises the agents of one sweep here."""

    def _lock_batch(self, conn: Cursor, records: Sequence[Record]) -> None:
        """Called first in the apply transaction: a store shared by concurrent writers
        serialises those that touch the same runs here."""

    def _lock_edit(self, conn: Cursor, edit: Edit) -> None:
        """Called first in an edit's transaction, as ``_lock_batch`` (``edits.lock_keys``)."""

    # ---- writing -----------------------------------------------------------------------
    def apply_records(self, records: Sequence[Record]) -> ApplyResult:
        if not records:
            return ApplyResult(0, 0)
        with self._write() as conn:
            self._lock_batch(conn, records)
            return RecordApplier(conn).apply(records)

    def applied_seq(self, run: RunRef, session: str) -> int:
        return self.applied_progress(run, session).mark

    def applied_progress(self, run: RunRef, session: str) -> SessionProgress:
        pk = self._run_pk(run)
        return SessionProgress() if pk is None else self._call(load_progress, pk, session)

    def repair_progress(self, run: RunRef, session: str, skipped: Sequence[Span]) -> bool:
        with self._write() as conn:
            pk = self._run_pk(run)
            progress = SessionProgress() if pk is None else load_progress(conn, pk, session)
            if pk is None or not progress.legacy:
                return False
            progress.reopen(skipped)
            save_progress(conn, pk, session, progress)
            return True

    def _run_pk(self, run: RunRef) -> int | None:
        rows = self._read(
            "SELECT runs.id FROM runs JOIN projects ON projects.id = runs.project_id "
            "WHERE projects.entity = ? AND projects.name = ? AND runs.run_id = ?",
            (run.entity, run.project, run.run_id))
        return int(rows[0][0]) if rows else None

    def apply_edit(self, edit: Edit) -> bool:
        with self._write() as conn:
            self._lock_edit(conn, edit)
            return edits.apply_edit(conn, edit, time.time())

    def edits(self, entity: str, project: str, *, limit: int = 100,
              before: int | None = None) -> list[EditRow]:
        return self._call(edits.read_edits, entity, project, limit, before)

    # ---- reading runs ------------------------------------------------------------------
    def list_projects(self) -> list[ProjectRow]:
        rows = self._read(
            "SELECT projects.entity, projects.name, count(runs.id), projects.created_at, "
            "projects.updated_at, coalesce(max(runs.updated_at), 0) FROM projects "
            "LEFT JOIN runs ON runs.project_id = projects.id GROUP BY projects.id")
        found = [_project_row(row) for row in rows]
        return sorted(found, key=lambda p: p.last_activity, reverse=True)

    def _run_row(self, row: Sequence[Any], with_state: bool = False) -> RunRow:
        (pk, entity, project, run_id, name, notes, tags, group, job_type, state, exit_code,
         created_at, updated_at, heartbeat_at, finished_at, host, pid, config, summary, meta,
         last_step) = row[:21]
        return RunRow(
            pk=pk, ref=RunRef(entity, project, run_id), name=name, notes=notes,
            tags=json.loads(tags), group=group, job_type=job_type,
            state=self._state(state, heartbeat_at, host, pid),
            exit_code=exit_code, created_at=created_at, updated_at=updated_at,
            heartbeat_at=heartbeat_at, finished_at=finished_at, host=host, pid=pid,
            config=_unpack(config), summary=_unpack(summary), meta=_unpack(meta),
            last_step=last_step,
            summary_state=_unpack(row[21]) if with_state and len(row) > 21 else {},
        )

    def _where_project(self, entity: str | None, project: str | None) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if entity is not None:
            clauses.append("projects.entity = ?")
            params.append(entity)
        if project is not None:
            clauses.append("projects.name = ?")
            params.append(project)
        return (" AND ".join(clauses) or "1=1"), params

    def _where_runs(self, entity: str | None, project: str | None,
                    filters: Mapping[str, Any] | None,
                    search: str | None) -> tuple[str, list[Any]]:
        """The WHERE clause (and its parameters) of a project, a filter and a search."""
        where, params = self._where_project(entity, project)
        fsql, fparams = self._filters(filters)
        ssql, sparams = self._search(search)
        return f"{where} AND ({fsql}) AND ({ssql})", [*params, *fparams, *sparams]

    def query_runs(self, entity: str | None, project: str | None,
                   filters: Mapping[str, Any] | None = None,
                   order: Sequence[str] | str | None = ("-created_at",), *,
                   limit: int | None = None, offset: int = 0,
                   search: str | None = None) -> list[RunRow]:
        where, params = self._where_runs(entity, project, filters, search)
        osql, oparams = self._order(order)
        sql = (f"SELECT {self._run_columns} FROM runs JOIN projects ON projects.id = "
               "runs.project_id "
               f"WHERE {where} ORDER BY {osql} LIMIT ? OFFSET ?")
        page = self._no_limit if limit is None else limit
        rows = self._read(sql, [*params, *oparams, page, offset])
        return [self._run_row(r) for r in rows]

    def query_runs_counted(self, entity: str | None, project: str | None,
                           filters: Mapping[str, Any] | None = None,
                           order: Sequence[str] | str | None = ("-created_at",), *,
                           limit: int, offset: int = 0,
                           search: str | None = None) -> tuple[list[RunRow], int]:
        """One page and the number of all matching runs. With filters (or a search), from
        one filter-and-sort pass; without, the count and the page each use the index."""
        if not filters and not search:
            rows_only = self.query_runs(entity, project, None, order, limit=limit,
                                        offset=offset)
            return rows_only, self.count_runs(entity, project, None)
        where, params = self._where_runs(entity, project, filters, search)
        osql, oparams = self._order(order)
        sql = (f"SELECT {self._run_columns}, count(*) OVER () FROM runs JOIN projects ON "
               f"projects.id = runs.project_id WHERE {where} ORDER BY {osql} "
               "LIMIT ? OFFSET ?")
        rows = self._read(sql, [*params, *oparams, limit, offset])
        if not rows:
            return [], (self.count_runs(entity, project, filters, search=search)
                        if offset else 0)
        return [self._run_row(r[:-1]) for r in rows], int(rows[0][-1])

    def query_run_pks(self, entity: str | None, project: str | None,
                      filters: Mapping[str, Any] | None = None,
                      order: Sequence[str] | str | None = ("-created_at",), *,
                      search: str | None = None) -> list[int]:
        """The keys of every matching run, in order: one filter-and-sort pass, after which
        any page is read by key (``runs_by_pk``) instead of by OFFSET."""
        where, params = self._where_runs(entity, project, filters, search)
        osql, oparams = self._order(order)
        rows = self._read(f"SELECT runs.id FROM runs JOIN projects ON projects.id = "
                          f"runs.project_id WHERE {where} ORDER BY {osql}",
                          [*params, *oparams])
        return [int(r[0]) for r in rows]

    def runs_by_pk(self, pks: Sequence[int]) -> list[RunRow]:
        """The runs with these keys, in the given order (missing ones left out)."""
        found: dict[int, RunRow] = {}
        for start in range(0, len(pks), 500):
            part = list(pks[start:start + 500])
            marks = ", ".join("?" for _ in part)
            for row in self._read(f"SELECT {self._run_columns} FROM runs JOIN projects ON "
                                  f"projects.id = runs.project_id WHERE runs.id IN ({marks})",
                                  part):
                run = self._run_row(row)
                found[run.pk] = run
        return [found[pk] for pk in pks if pk in found]

    def count_runs(self, entity: str | None, project: str | None,
                   filters: Mapping[str, Any] | None = None, *,
                   search: str | None = None) -> int:
        where, params = self._where_runs(entity, project, filters, search)
        rows = self._read(f"SELECT count(*) FROM runs JOIN projects ON projects.id = "
                          f"runs.project_id WHERE {where}", params)
        return int(rows[0][0])

    def get_run(self, ref: RunRef, with_state: bool = False) -> RunRow | None:
        rows = self._read(
            f"SELECT {self._run_columns}, runs.summary_state FROM runs JOIN projects ON "
            "projects.id "
            "= runs.project_id WHERE projects.entity = ? AND projects.name = ? AND "
            "runs.run_id = ?", (ref.entity, ref.project, ref.run_id))
        return self._run_row(rows[0], with_state) if rows else None

    def get_project(self, entity: str, project: str) -> ProjectRow | None:
        rows = self._read(
            "SELECT projects.entity, projects.name, count(runs.id), projects.created_at, "
            "projects.updated_at, coalesce(max(runs.updated_at), 0) FROM projects "
            "LEFT JOIN runs ON runs.project_id = projects.id WHERE projects.entity = ? AND "
            "projects.name = ? GROUP BY projects.id", (entity, project))
        return _project_row(rows[0]) if rows else None

    def run_versions(self, entity: str, project: str,
                     run_ids: Sequence[str]) -> dict[str, RunVersion]:
        found: dict[str, RunVersion] = {}
        wanted = list(dict.fromkeys(run_ids))
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            marks = ", ".join("?" for _ in part)
            for run_id, pk, updated_at in self._read(
                    "SELECT runs.run_id, runs.id, runs.updated_at FROM runs JOIN projects ON "
                    "projects.id = runs.project_id WHERE projects.entity = ? AND "
                    f"projects.name = ? AND runs.run_id IN ({marks})",
                    [entity, project, *part]):
                found[str(run_id)] = RunVersion(int(pk), float(updated_at))
        return found

    def runs_updated_since(self, entity: str, project: str, since: float) -> list[RunRow]:
        rows = self._read(
            f"SELECT {self._run_columns} FROM runs JOIN projects ON projects.id = "
            "runs.project_id WHERE projects.entity = ? AND projects.name = ? AND "
            "runs.updated_at > ? ORDER BY runs.updated_at, runs.id", (entity, project, since))
        return [self._run_row(r) for r in rows]

    def project_metrics(self, entity: str, project: str) -> list[MetricInfo]:
        in_project = ("SELECT runs.id FROM runs JOIN projects ON projects.id = runs.project_id "
                      "WHERE projects.entity = ? AND projects.name = ?")
        with self._snapshot():
            numeric = self._read("SELECT key, kind, count(*) FROM series WHERE run IN "
                                 f"({in_project}) GROUP BY key, kind", (entity, project))
            objects = self._read("SELECT key, count(DISTINCT run) FROM history_objects "
                                 f"WHERE run IN ({in_project}) GROUP BY key",
                                 (entity, project))
        merged: dict[str, tuple[str, int]] = {}
        for key, kind, runs in numeric:
            old_kind, old_runs = merged.get(key, (kind, 0))
            merged[key] = (max(old_kind, kind, key=lambda k: _KIND_RANK.get(k, 2)),
                           old_runs + int(runs))
        infos = [MetricInfo(k, kind, runs) for k, (kind, runs) in merged.items()]
        infos += [MetricInfo(k, "o", int(runs)) for k, runs in objects]
        return sorted(infos, key=lambda m: (m.key, m.kind == "o"))

    def project_columns(self, entity: str, project: str) -> tuple[list[str], list[str]]:
        with self._snapshot():
            return (self._flat_keys("config_json", entity, project),
                    self._flat_keys("summary_json", entity, project))

    def find_runs(self, run_id: str, project: str | None = None) -> list[RunRow]:
        sql = (f"SELECT {self._run_columns} FROM runs JOIN projects ON projects.id = "
               "runs.project_id "
               "WHERE runs.run_id = ?")
        params: list[Any] = [run_id]
        if project is not None:
            sql += " AND projects.name = ?"
            params.append(project)
        return [self._run_row(r) for r in self._read(sql, params)]

    # ---- reading history ---------------------------------------------------------------
    def list_series(self, run_pk: int) -> list[SeriesInfo]:
        with self._snapshot():
            return self._list_series(run_pk)

    def _list_series(self, run_pk: int) -> list[SeriesInfo]:
        numeric = self._read("SELECT key, kind, count, first_step, last_step FROM series "
                             "WHERE run = ? ORDER BY key", (run_pk,))
        objects = self._read("SELECT key, count(*), min(step), max(step) FROM history_objects "
                             "WHERE run = ? GROUP BY key ORDER BY key", (run_pk,))
        infos = [SeriesInfo(k, kind, c, f, last) for k, kind, c, f, last in numeric]
        infos += [SeriesInfo(k, "o", c, f, last) for k, c, f, last in objects]
        return sorted(infos, key=lambda s: (s.key, s.kind == "o"))

    def numeric_series(self, run_pk: int,
                       keys: Sequence[str] | None = None) -> list[SeriesInfo]:
        sql = "SELECT key, kind, count, first_step, last_step FROM series WHERE run = ?"
        if keys is None:
            rows = self._read(sql + " ORDER BY key", (run_pk,))
        else:
            wanted = list(dict.fromkeys(keys))
            rows = []
            for start in range(0, len(wanted), 500):
                part = wanted[start:start + 500]
                rows += self._read(sql + f" AND key IN ({', '.join('?' for _ in part)})",
                                   [run_pk, *part])
            rows.sort()
        return [SeriesInfo(k, kind, int(c), int(f), int(last)) for k, kind, c, f, last in rows]

    def _series(self, run_pk: int, key: str) -> tuple[int | None, str]:
        found = self._read("SELECT id, kind FROM series WHERE run = ? AND key = ?",
                           (run_pk, key))
        return (int(found[0][0]), str(found[0][1])) if found else (None, "f")

    def _points(self, series_id: int, lo: int, hi: int) -> tuple[Int64s, Float64s]:
        rows = self._read("SELECT data FROM chunks WHERE series = ? AND step_max >= ? "
                          "AND step_min <= ? ORDER BY seq", (series_id, lo, hi))
        return envelope_reads.decode_points(self.location, series_id,
                                            [blob for (blob,) in rows], lo, hi)

    def read_series(self, run_pk: int, key: str, min_step: int | None = None,
                    max_step: int | None = None) -> tuple[Int64s, Float64s, str]:
        lo, hi = check_range(min_step, max_step)
        with self._snapshot():
            series_id, kind = self._series(run_pk, key)
            if series_id is None:
                return np.zeros(0, np.int64), np.zeros(0, np.float64), kind
            steps, values = self._points(series_id, lo, hi)
        return steps, values, kind

    def read_series_many(self, run_pk: int, keys: Sequence[str], min_step: int | None = None,
                         max_step: int | None = None,
                         ) -> dict[str, tuple[Int64s, Float64s, str]]:
        lo, hi = check_range(min_step, max_step)
        wanted = list(dict.fromkeys(keys))
        out: dict[str, tuple[Int64s, Float64s, str]] = {}
        with self._snapshot():
            for start in range(0, len(wanted), 500):
                part = wanted[start:start + 500]
                found = {int(sid): (str(key), str(kind)) for sid, key, kind in self._read(
                    "SELECT id, key, kind FROM series WHERE run = ? AND key IN "
                    f"({', '.join('?' for _ in part)})", [run_pk, *part])}
                if not found:
                    continue
                blobs: dict[int, list[bytes]] = {sid: [] for sid in found}
                for sid, data in self._read(
                        "SELECT series, data FROM chunks WHERE series IN "
                        f"({', '.join('?' for _ in found)}) AND step_max >= ? AND "
                        "step_min <= ? ORDER BY series, seq", [*found, lo, hi]):
                    blobs[int(sid)].append(data)
                for sid, (key, kind) in found.items():
                    out[key] = (*envelope_reads.decode_points(self.location, sid, blobs[sid], lo,
                                                              hi), kind)
        return out

    def read_envelope(self, run_pk: int, key: str, buckets: int, min_step: int | None = None,
                      max_step: int | None = None) -> Envelope:
        found = self.read_envelopes([run_pk], [key], buckets, min_step, max_step)
        return found[(run_pk, key)][1] if (run_pk, key) in found else empty_envelope()

    def read_envelopes(self, run_pks: Sequence[int], keys: Sequence[str], buckets: int,
                       min_step: int | None = None, max_step: int | None = None,
                       ) -> dict[tuple[int, str], tuple[SeriesInfo, Envelope]]:
        buckets = check_buckets(buckets)
        lo, hi = check_range(min_step, max_step)
        if not run_pks or not keys:
            return {}
        with self._snapshot():
            rows = envelope_reads.series_rows(self._read, run_pks, keys)
            found = envelope_reads.level_envelopes(self._read, self._chunk_indexes,
                                                   self.location, rows, buckets, lo, hi)
            rest = {key: row for key, row in rows.items() if key not in found}
            series = envelope_reads.indexed_series(self._read, self._chunk_indexes,
                                                   self.location, run_pks, keys, rest)
            found.update(envelope_reads.envelopes(self._read, self.location, series, buckets,
                                                  lo, hi, self._chunk_points))
        return {key: (rows[key][0], found[key]) for key in rows}

    def stored_envelope(self, run_pk: int, key: str) -> Envelope:
        with self._snapshot():
            found = envelope_reads.indexed_series(self._read, self._chunk_indexes,
                                                  self.location, [run_pk], [key])
        return found[(run_pk, key)].index.groups if found else empty_envelope()

    # ---- the run's surroundings (store/system.py, store/console.py, store/alerts.py) ----
    def system_samples(self, run_pk: int, since: float | None = None,
                       keys: list[str] | None = None) -> SystemSamples:
        return self._call(read_system, run_pk, since, keys)

    def alerts(self, *, run_pk: int | None = None, entity: str | None = None,
               project: str | None = None, limit: int = 100,
               before: int | None = None) -> list[AlertRow]:
        return self._call(lambda conn: read_alerts(conn, run_pk=run_pk, entity=entity,
                                                   project=project, limit=limit,
                                                   before=before))

    def console_lines(self, run_pk: int, after: int = 0, limit: int = 1000,
                      search: str | None = None, before: int | None = None,
                      ) -> list[ConsoleLine]:
        return self._call(read_console, run_pk, after, limit, search, before)

    def console_count(self, run_pk: int, search: str | None = None) -> int:
        return self._call(count_console, run_pk, search)

    def read_objects(self, run_pk: int, keys: Sequence[str] | None = None,
                     min_step: int | None = None, max_step: int | None = None,
                     ) -> dict[str, list[tuple[int, Any]]]:
        lo, hi = check_range(min_step, max_step)
        sql = "SELECT key, step, value FROM history_objects WHERE run = ?"
        params: list[Any] = [run_pk]
        if keys is not None:
            if not keys:
                return {}
            sql += f" AND key IN ({', '.join('?' for _ in keys)})"
            params.extend(keys)
        if min_step is not None:
            sql += " AND step >= ?"
            params.append(lo)
        if max_step is not None:
            sql += " AND step <= ?"
            params.append(hi)
        out: dict[str, list[tuple[int, Any]]] = {}
        for key, step, value in self._read(sql + " ORDER BY key, step", params):
            out.setdefault(key, []).append((step, _unpack(value) if value is not None else None))
        return out

    # ---- artifacts (store/artifacts.py) --------------------------------------------------
    def artifact_version(self, entity: str, project: str, name: str, selector: str
                         ) -> ArtifactVersionRow | None:
        with self._snapshot():
            return self._call(artifacts.find_version, entity, project, name, selector)

    def artifact_version_by_pk(self, pk: int) -> ArtifactVersionRow | None:
        with self._snapshot():
            return self._call(artifacts.version_by_pk, pk)

    def artifact_receipt(self, client_id: str) -> ArtifactVersionRow | None:
        with self._snapshot():
            return self._call(artifacts.version_by_receipt, client_id)

    def artifact_versions(self, entity: str, project: str, name: str
                          ) -> list[ArtifactVersionRow]:
        with self._snapshot():
            return self._call(artifacts.list_versions, entity, project, name)

    def artifact_collections(self, entity: str, project: str, type_: str | None = None
                             ) -> list[ArtifactCollectionRow]:
        with self._snapshot():
            return self._call(artifacts.list_collections, entity, project, type_)

    def run_artifacts(self, run_pk: int, role: str) -> list[ArtifactVersionRow]:
        with self._snapshot():
            return self._call(artifacts.run_artifacts, run_pk, role)

    def artifact_runs(self, version_pk: int, role: str) -> list[int]:
        with self._snapshot():
            return self._call(artifacts.version_runs, version_pk, role)

    def referenced_blobs(self) -> set[str]:
        from cairn.store.gc import referenced_blobs

        with self._snapshot():
            return self._call(referenced_blobs)

    # ---- run files -----------------------------------------------------------------------
    def run_files(self, run_pk: int) -> list[RunFile]:
        return read_run_files(self._read, run_pk)

    # ---- media (store/media.py) -------------------------------------------------------
    def object_keys(self, run_pk: int) -> list[ObjectKey]:
        with self._snapshot():
            return read_object_keys(self._read, run_pk)

    def object_steps(self, run_pk: int, key: str, min_step: int, max_step: int) -> list[int]:
        return read_object_steps(self._read, run_pk, key, min_step, max_step)

    def object_values(self, run_pk: int, key: str,
                      steps: Sequence[int]) -> list[tuple[int, Any]]:
        return read_object_values(self._read, run_pk, key, steps)

    def run_file(self, run_pk: int, name: str) -> RunFile | None:
        return read_run_file(self._read, run_pk, name)

    # ---- sweeps (store/sweeps.py) -----------------------------------------------------
    @contextmanager
    def _sweep_write(self, sweep_pk: int) -> Iterator[Cursor]:
        with self._write() as conn:
            self._lock_sweep(conn, sweep_pk)
            yield conn

    def create_sweep(self, entity: str, project: str, sweep_id: str, *, name: str | None,
                     method: str, config: dict[str, Any], seed: int, grid_size: int | None,
                     prior_runs: Sequence[str] = ()) -> sweep_sql.SweepRow:
        with self._write() as conn:
            pk = sweep_sql.create_sweep(conn, entity, project, sweep_id, name, method, config,
                                        seed, grid_size, prior_runs)
            return sweep_sql.sweep_by_pk(conn, pk)

    def find_sweeps(self, entity: str | None = None, project: str | None = None,
                    sweep_id: str | None = None) -> list[sweep_sql.SweepRow]:
        return self._call(sweep_sql.find_sweeps, entity, project, sweep_id)

    def sweep_trials(self, sweep_pk: int) -> list[sweep_sql.TrialRow]:
        return self._call(sweep_sql.list_trials, sweep_pk)

    def set_sweep_state(self, sweep_pk: int, state: str) -> None:
        with self._sweep_write(sweep_pk) as conn:
            sweep_sql.set_state(conn, sweep_pk, state)

    def claim_trial(self, sweep_pk: int, run_id: str, *, host: str | None, pid: int | None,
                    run_cap: int | None, propose: sweep_sql.Propose) -> sweep_sql.Claim:
        with self._sweep_write(sweep_pk) as conn:
            return sweep_sql.claim_trial(conn, sweep_pk, run_id, host, pid, run_cap, propose,
                                         self._state)

    def trial_heartbeat(self, sweep_pk: int, number: int) -> tuple[str, str | None, str]:
        with self._sweep_write(sweep_pk) as conn:
            return sweep_sql.heartbeat(conn, sweep_pk, number)

    def end_trial(self, sweep_pk: int, number: int, state: str, value: float | None = None,
                  stop_reason: str | None = None,
                  target_reached: bool = False) -> sweep_sql.SweepRow:
        with self._sweep_write(sweep_pk) as conn:
            return sweep_sql.end_trial(conn, sweep_pk, number, state, value, stop_reason,
                                       target_reached)

    def stop_trial(self, sweep_pk: int, number: int, reason: str) -> None:
        with self._sweep_write(sweep_pk) as conn:
            sweep_sql.stop_trial(conn, sweep_pk, number, reason)

    # ---- saved workspaces (store/workspaces.py) -----------------------------------------
    def workspace_layout(self, entity: str, project: str, *,
                         user_id: int | None = None) -> WorkspaceLayout | None:
        return self._call(workspaces.read_layout, entity, project, user_id)

    def save_workspace_layout(self, entity: str, project: str, layout: dict[str, Any], *,
                              user_id: int | None = None,
                              base_version: int | None = None) -> WorkspaceLayout:
        with self._write() as conn:
            return workspaces.save_layout(conn, entity, project, layout, user_id, base_version)

    def delete_workspace_layout(self, entity: str, project: str, *,
                                user_id: int | None = None) -> bool:
        with self._write() as conn:
            return workspaces.delete_layout(conn, entity, project, user_id)

    def workspace_views(self, entity: str, project: str, *,
                        user_id: int | None = None) -> list[WorkspaceView]:
        return self._call(workspaces.read_views, entity, project, user_id)

    def workspace_view(self, entity: str, project: str, view_id: int, *,
                       user_id: int | None = None) -> WorkspaceView:
        return self._call(workspaces.read_view, entity, project, user_id, view_id)

    def create_workspace_view(self, entity: str, project: str, name: str,
                              state: dict[str, Any], *, user_id: int | None = None,
                              default: bool = False) -> WorkspaceView:
        with self._write() as conn:
            return workspaces.create_view(conn, entity, project, user_id, name, state, default)

    def change_workspace_view(self, entity: str, project: str, view_id: int, *,
                              user_id: int | None = None, name: str | None = None,
                              state: dict[str, Any] | None = None,
                              default: bool | None = None) -> WorkspaceView:
        with self._write() as conn:
            return workspaces.change_view(conn, entity, project, user_id, view_id, name,
                                          state, default)

    def delete_workspace_view(self, entity: str, project: str, view_id: int, *,
                              user_id: int | None = None) -> bool:
        with self._write() as conn:
            return workspaces.delete_view(conn, entity, project, user_id, view_id)

    # ---- reports (store/reports.py) -----------------------------------------------------
    def reports(self, entity: str, project: str) -> list[Report]:
        return self._call(report_sql.list_reports, entity, project)

    def report(self, entity: str, project: str, report_id: int) -> Report:
        return self._call(report_sql.read_report, entity, project, report_id)

    def create_report(self, entity: str, project: str, title: str, body: dict[str, Any], *,
                      author_id: int | None = None) -> Report:
        with self._write() as conn:
            return report_sql.create_report(conn, entity, project, title, body, author_id)

    def save_report(self, entity: str, project: str, report_id: int, *, base_version: int,
                    title: str | None = None, body: dict[str, Any] | None = None) -> Report:
        with self._write() as conn:
            return report_sql.save_report(conn, entity, project, report_id, base_version, title,
                                       body)

    def delete_report(self, entity: str, project: str, report_id: int) -> bool:
        with self._write() as conn:
            return report_sql.delete_report(conn, entity, project, report_id)
