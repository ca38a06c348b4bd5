"""``apply_records`` for SQL stores: turns records into rows inside one transaction.

Written against the DB-API with ``?`` placeholders and SQL that SQLite and PostgreSQL
both read (``RETURNING``, ``ON CONFLICT``), so that every SQL backend shares it.
Idempotence comes from ``wal_progress`` (``store/progress.py``): a record whose ``(run,
session, seq)`` the store already holds is skipped, whatever order records arrive in.

Sessions may arrive out of order (a resumed run's later session synced before the earlier
one): history points are merged by step, summaries follow the steps, and the run's
attributes (name, state, config, …) stay those of the latest session by start time.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgpack
import numpy as np

from cairn.aggregates import ColumnStats, SummaryState
from cairn.records import (
    SERIES_BOOL,
    SERIES_FLOAT,
    SERIES_INT,
    Record,
    RunRef,
    decode_history,
)
from cairn.store import artifacts
from cairn.store.base import RUN_STATES, ApplyResult
from cairn.store.blobs import record_blobs
from cairn.store.codec import (
    CHUNK_POINTS,
    Float64s,
    Int64s,
    decode_chunk,
    encode_chunk,
    encode_envelope,
    envelope_of,
)
from cairn.store.levels import update_level
from cairn.store.progress import SessionProgress, load_progress, save_progress
from cairn.store.query import filter_json
from cairn.store.run_files import apply_file

_KIND_RANK = {SERIES_BOOL: 0, SERIES_INT: 1, SERIES_FLOAT: 2}
_META_COLUMNS = {"name": "name", "notes": "notes", "group": "group_name",
                 "job_type": "job_type"}
_RUN_META_KEYS = ("mode", "resumed", "starting_step", "framework", "sweep_id", "program",
                  "python", "os", "start_time")
_warned_kinds: set[str] = set()
_MAX_PINNED = 100
_PINNED_KEY_CHARS = 1000
_KEYS_A_QUERY = 500


def column_stats(steps: Int64s, values: Float64s, kind: str) -> ColumnStats:
    """A column's summary statistics, computed with numpy (min, max, total skip NaN)."""
    nan = np.isnan(values)
    finite_count = int(values.size - np.count_nonzero(nan))
    with np.errstate(invalid="ignore", over="ignore"):
        if finite_count == values.size:
            lo, hi, total = float(values.min()), float(values.max()), float(values.sum())
        elif finite_count:
            lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
            total = float(np.nansum(values))
        else:
            lo = hi = math.nan
            total = 0.0
    return ColumnStats(points=int(values.size), total=total, lo=lo, hi=hi,
                       first=float(values[0]), first_step=int(steps[0]),
                       last=float(values[-1]), last_step=int(steps[-1]),
                       finite=finite_count, kind=kind)


def _final_state(body: dict[str, Any]) -> str:
    """The state a ``finish`` record ends its run in; one this store does not know (a
    newer or a hostile writer) falls back to what the exit code says."""
    state = body.get("state")
    if state in RUN_STATES and state not in ("running", "preempting"):
        return str(state)
    return "failed" if body.get("exit_code") else "finished"


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...


def _pack(value: Any) -> bytes:
    return msgpack.packb(value, use_bin_type=True)


def _unpack(blob: bytes | None) -> Any:
    return msgpack.unpackb(blob, raw=False, strict_map_key=False) if blob else {}


@dataclass
class _RunState:
    pk: int
    project_id: int
    summary: SummaryState
    last_step: int
    heartbeat_at: float
    meta: dict[str, Any]
    progress: dict[str, SessionProgress] = field(default_factory=dict)
    dirty_sessions: set[str] = field(default_factory=set)
    fresh: bool = False
    """Created by this batch: nothing of it is stored yet, so nothing need be read."""
    deleted: bool = False
    """Deleted through an edit (``store/edits.py``): its records are dropped."""

    def is_stale(self, session: str) -> bool:
        """Whether ``session`` started before the run's latest known session."""
        starts = self.meta.get("session_starts") or {}
        latest = self.meta.get("session")
        mine = starts.get(session)
        if mine is None or latest is None or latest == session:
            return False
        return float(starts.get(latest, mine)) > float(mine)

    def is_cowriter(self, session: str) -> bool:
        """Whether ``session`` attached to the run from another process (``wandb._attach``,
        ``sdk/attach.py``): it adds to the run but never takes it over, nor ends it."""
        return session in (self.meta.get("cowriters") or ())


Handler = Callable[[_RunState, Record], None]


def sorted_points(steps: Int64s, values: Float64s) -> tuple[Int64s, Float64s]:
    """Points in step order with one value a step (the last one given wins)."""
    if steps.size < 2 or bool(np.all(steps[1:] > steps[:-1])):
        return steps, values
    order = np.argsort(steps, kind="stable")
    steps, values = steps[order], values[order]
    keep = np.append(steps[1:] != steps[:-1], True)
    return steps[keep], values[keep]


class RecordApplier:
    """Applies one batch of records on an open write transaction."""

    def __init__(self, conn: Cursor) -> None:
        from cairn.store.alerts import apply_alert, apply_delivery
        from cairn.store.console import apply_console
        from cairn.store.environment import apply_environment
        from cairn.store.system import apply_system

        self.conn = conn
        self.runs: dict[RunRef, _RunState] = {}
        self.now = time.time()
        # What this batch has read or written of each series, so that its later records
        # for the same key need no query (a round trip each on a server store).
        self._projects: dict[tuple[str, str], int] = {}
        self._series: dict[tuple[int, str], tuple[int, str, int, int, int]] = {}
        # Series whose row (kind, count, first and last step) changed: written once at the
        # end of the batch, not at every record (a round trip each).
        self._dirty_series: set[tuple[int, str]] = set()
        # Series asked for by ``_load_series``: one not in ``_series`` does not exist yet.
        self._looked_up: set[tuple[int, str]] = set()
        # Each series' stored level ``(width, through)`` where a query above read it.
        self._levels: dict[int, tuple[int, int] | None] = {}
        self._tails: dict[int, tuple[int, Int64s, Float64s]] = {}
        # Last chunks not full yet, written once at the end of the batch instead of at
        # every record that adds to them (a WAL's history records hold a few hundred
        # rows each: a 4096-point chunk would be compressed again for each of them).
        self._unwritten: set[int] = set()
        # (digest, project) of the blobs the batch's records name: a blob is served only
        # through a project that refers to it (``project_blobs``, server/access.py).
        self._blob_refs: set[tuple[str, int]] = set()
        # The first step each series' points changed from in this batch, to bring the
        # series' coarse level up to date once, at the end (``levels.py``).
        self._changed_from: dict[int, int] = {}
        # The points this batch wrote to each series, from the first chunk it (re)wrote to
        # the end, in pieces: the level update reads them here instead of from the chunks.
        self._written: dict[int, list[tuple[Int64s, Float64s]]] = {}
        self._handlers: dict[str, Handler] = {
            "run": self._on_run,
            "config": self._on_config,
            "history": self._on_history,
            "summary": self._on_summary,
            "metric": self._on_metric,
            "meta": self._on_meta,
            "heartbeat": self._on_heartbeat,
            "finish": self._on_finish,
            "preempting": self._on_preempting,
            "system": lambda run, record: apply_system(self.conn, run.pk, record),
            "console": lambda run, record: apply_console(self.conn, run.pk, record),
            "environment": lambda run, record: apply_environment(run.meta, record),
            "alert": lambda run, record: apply_alert(self.conn, run.pk, record, self.now),
            "alert_delivery": lambda run, rec: apply_delivery(self.conn, run.pk, rec, self.now),
            "artifact": self._in_module(artifacts.apply_artifact),
            "artifact_use": self._in_module(artifacts.apply_use),
            "artifact_edit": self._in_module(artifacts.apply_edit),
            "artifact_delete": self._in_module(artifacts.apply_delete),
            "file": lambda run, record: apply_file(self.conn, run.pk, record, self.now),
        }

    def _in_module(self, apply: Callable[[Cursor, int, int, dict[str, Any], float], None]
                   ) -> Handler:
        """A handler whose logic lives in a feature's module (``store/artifacts.py``)."""
        return lambda run, record: apply(self.conn, run.pk, run.project_id, record.body,
                                         self.now)

    def apply(self, records: Sequence[Record]) -> ApplyResult:
        """Apply each record not applied yet (by its session's progress), in order."""
        applied = skipped = deleted = 0
        unknown: set[str] = set()
        for record in records:
            run = self._run(record.run, record)
            if run.deleted:
                deleted += 1
                continue
            progress = run.progress.get(record.session)
            if progress is None:
                progress = (SessionProgress() if run.fresh
                            else load_progress(self.conn, run.pk, record.session))
                run.progress[record.session] = progress
            if progress.holds(record.seq):
                skipped += 1
                continue
            handler = self._handlers.get(record.kind)
            if handler is None:
                unknown.add(record.kind)
            else:
                handler(run, record)
            if "blobs" in record.body:
                self._blob_refs.update((d, run.project_id) for d in record_blobs([record.body]))
            progress.add(record.seq)
            run.dirty_sessions.add(record.session)
            applied += 1
        self._flush()
        for kind in unknown - _warned_kinds:
            _warned_kinds.add(kind)
            warnings.warn(f"cairn: this store does not know records of kind {kind!r}; "
                          "they were skipped (upgrade cairn to apply them)", RuntimeWarning,
                          stacklevel=3)
        return ApplyResult(applied, skipped, tuple(sorted(unknown)), deleted)

    # ---- runs ------------------------------------------------------------------------
    def _project_id(self, entity: str, project: str) -> int:
        known = self._projects.get((entity, project))
        if known is not None:
            return known
        self.conn.execute(
            "INSERT INTO projects (entity, name, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (entity, name) DO NOTHING",  # _flush dates what was applied
            (entity, project, self.now, self.now))
        row = self.conn.execute("SELECT id FROM projects WHERE entity = ? AND name = ?",
                                (entity, project)).fetchone()
        self._projects[(entity, project)] = int(row[0])
        return int(row[0])

    def _run(self, ref: RunRef, record: Record) -> _RunState:
        state = self.runs.get(ref)
        if state is not None:
            return state
        project_id = self._project_id(ref.entity, ref.project)
        row = self.conn.execute(
            "SELECT id, summary_state, last_step, heartbeat_at, meta FROM runs "
            "WHERE project_id = ? AND run_id = ?", (project_id, ref.run_id)).fetchone()
        if row is None and self._deleted(ref):
            state = _RunState(0, project_id, SummaryState(), -1, 0.0, {}, deleted=True)
        elif row is None:
            created = float(record.body.get("start_time") or record.body.get("at") or self.now)
            cur = self.conn.execute(
                "INSERT INTO runs (project_id, run_id, name, created_at, updated_at, "
                "heartbeat_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (project_id, ref.run_id, ref.run_id, created, self.now, created))
            state = _RunState(int(cur.fetchone()[0]), project_id, SummaryState(), -1, created, {},
                              fresh=True)
        else:
            state = _RunState(int(row[0]), project_id, SummaryState(_unpack(row[1])),
                              int(row[2]), float(row[3]), dict(_unpack(row[4])))
        self.runs[ref] = state
        return state

    def _deleted(self, ref: RunRef) -> bool:
        return self.conn.execute(
            "SELECT 1 FROM tombstones WHERE entity = ? AND project = ? AND run_id = ?",
            (ref.entity, ref.project, ref.run_id)).fetchone() is not None

    def _beat(self, run: _RunState, at: Any) -> None:
        if isinstance(at, int | float) and not isinstance(at, bool) and at > run.heartbeat_at:
            run.heartbeat_at = float(at)

    def _on_run(self, run: _RunState, record: Record) -> None:
        body = record.body
        start = body.get("start_time") or body.get("at")
        start = float(start) if isinstance(start, int | float) else self.now
        meta = run.meta
        starts = meta.setdefault("session_starts", {})
        starts[record.session] = start
        meta["sessions"] = int(meta.get("sessions", 0)) + 1
        self.conn.execute("UPDATE runs SET created_at = ? WHERE id = ? AND created_at > ?",
                          (start, run.pk, start))
        self._beat(run, body.get("at"))
        run.heartbeat_at = max(run.heartbeat_at, start)
        if body.get("attached"):
            cowriters = meta.setdefault("cowriters", [])
            if record.session not in cowriters:
                cowriters.append(record.session)
            return
        if run.is_stale(record.session):
            return  # an earlier session applied late: the run is what the later one says
        meta["session"] = record.session
        for key in _RUN_META_KEYS:
            if key in body:
                meta[key] = body[key]
        self.conn.execute(
            "UPDATE runs SET name = ?, notes = ?, tags = ?, group_name = ?, job_type = ?, "
            "state = 'running', exit_code = NULL, finished_at = NULL, host = ?, pid = ? "
            "WHERE id = ?",
            (str(body.get("name") or ""), str(body.get("notes") or ""),
             json.dumps([str(t) for t in body.get("tags") or []]), body.get("group"),
             body.get("job_type"), body.get("host"), body.get("pid"), run.pk))

    def _on_config(self, run: _RunState, record: Record) -> None:
        config = dict(record.body.get("config") or {})
        stale = run.is_stale(record.session)
        if stale or run.meta.get("cowriters"):
            # An earlier session keeps the later one's values; with co-writers, a snapshot
            # updates the stored config (the keys another process added stay).
            row = self.conn.execute("SELECT config FROM runs WHERE id = ?", (run.pk,)).fetchone()
            stored = dict(_unpack(row[0])) if row else {}
            config = {**config, **stored} if stale else {**stored, **config}
        self.conn.execute("UPDATE runs SET config = ?, config_json = ? WHERE id = ?",
                          (_pack(config), filter_json(config), run.pk))

    def _on_meta(self, run: _RunState, record: Record) -> None:
        if run.is_stale(record.session):
            return
        body = record.body
        for key, column in _META_COLUMNS.items():
            if key in body:
                value = body[key]
                if key in ("name", "notes"):
                    value = str(value or "")
                elif value is not None:
                    value = str(value)
                self.conn.execute(f"UPDATE runs SET {column} = ? WHERE id = ?", (value, run.pk))
        if "tags" in body:
            self.conn.execute("UPDATE runs SET tags = ? WHERE id = ?",
                              (json.dumps([str(t) for t in body["tags"] or []]), run.pk))
        pinned = body.get("pinned_keys")
        if isinstance(pinned, list):  # Run.pin_config_keys; a bad shape is ignored
            keys = [k for k in pinned if isinstance(k, str) and len(k) <= _PINNED_KEY_CHARS]
            if keys:
                run.meta["pinned_keys"] = keys[:_MAX_PINNED]
            else:
                run.meta.pop("pinned_keys", None)

    def _on_summary(self, run: _RunState, record: Record) -> None:
        # A record from a hostile or damaged WAL keeps only what has the right shape: one
        # bad record must not stop a whole sync.
        values, deleted = record.body.get("set"), record.body.get("del")
        values = {k: v for k, v in values.items() if isinstance(k, str)} \
            if isinstance(values, dict) else {}
        deleted = [k for k in deleted if isinstance(k, str)] \
            if isinstance(deleted, list) else []
        run.summary.set_overrides(values, deleted)
        paths = record.body.get("paths")
        if isinstance(paths, dict):
            run.summary.set_paths(paths)

    def _on_metric(self, run: _RunState, record: Record) -> None:
        if "name" in record.body:
            run.summary.define(record.body)

    def _on_heartbeat(self, run: _RunState, record: Record) -> None:
        self._beat(run, record.body.get("at"))

    def _on_finish(self, run: _RunState, record: Record) -> None:
        body = record.body
        at = body.get("at")
        at = float(at) if isinstance(at, int | float) else self.now
        self._beat(run, at)
        if run.is_stale(record.session) or run.is_cowriter(record.session):
            return  # a co-writer's end is its session's, not the run's
        if "error" in body:  # why a run failed: the traceback's last lines (sdk/exits.py)
            run.meta["error"] = body["error"]
        else:
            run.meta.pop("error", None)
        self.conn.execute(
            "UPDATE runs SET state = ?, exit_code = ?, finished_at = ? WHERE id = ?",
            (_final_state(body), body.get("exit_code"), at, run.pk))

    def _on_preempting(self, run: _RunState, record: Record) -> None:
        self._beat(run, record.body.get("at"))
        if run.is_stale(record.session) or run.is_cowriter(record.session):
            return
        self.conn.execute("UPDATE runs SET state = 'preempting' WHERE id = ? AND "
                          "state = 'running'", (run.pk,))

    # ---- history ---------------------------------------------------------------------
    def _on_history(self, run: _RunState, record: Record) -> None:
        body = record.body
        numeric, objects = decode_history(body)
        if not run.fresh:
            self._load_series(run.pk, [k for k in numeric if (run.pk, k) not in self._series
                                       and (run.pk, k) not in self._looked_up])
        for key, column in numeric.items():
            if len(column.steps) and len(column.steps) == len(column.values):
                steps, values = sorted_points(np.frombuffer(column.steps, np.int64),
                                              np.frombuffer(column.values, np.float64))
                self._append_series(run, key, steps, values, column.kind)
                run.summary.fold(key, column_stats(steps, values, column.kind))
        for key, pairs in objects.items():
            for step, value in pairs:
                self.conn.execute(
                    "INSERT INTO history_objects (run, key, step, value) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (run, key, step) DO UPDATE SET value = excluded.value",
                    (run.pk, key, step, None if value is None else _pack(value)))
            run.summary.update_objects(key, pairs)
        last_step = int(body.get("last_step", -1))
        run.summary.observe_step(last_step)
        run.last_step = max(run.last_step, last_step)
        self._beat(run, body.get("at"))

    def _load_series(self, run_pk: int, keys: Sequence[str]) -> None:
        """The rows, last chunks and stored levels of a run's series named ``keys``, in
        one query a few hundred keys instead of three a key (each a round trip on a server
        store)."""
        for at in range(0, len(keys), _KEYS_A_QUERY):
            part = keys[at:at + _KEYS_A_QUERY]
            self._looked_up.update((run_pk, key) for key in part)
            rows = self.conn.execute(
                "SELECT s.key, s.id, s.kind, s.count, s.first_step, s.last_step, c.seq, "
                "c.data, l.width, l.through FROM series s LEFT JOIN chunks c ON "
                "c.series = s.id AND c.seq = (SELECT max(seq) FROM chunks WHERE series = "
                "s.id) LEFT JOIN series_levels l ON l.series = s.id WHERE s.run = ? AND "
                f"s.key IN ({', '.join('?' * len(part))})", (run_pk, *part)).fetchall()
            for key, series_id, kind, count, first, last, seq, data, width, through in rows:
                self._series[(run_pk, key)] = (int(series_id), kind, int(count), int(first),
                                               int(last))
                self._levels[int(series_id)] = \
                    None if width is None else (int(width), int(through))
                if data is not None and int(series_id) not in self._tails:
                    self._tails[int(series_id)] = (int(seq), *decode_chunk(bytes(data)))

    def _append_series(self, run: _RunState, key: str, steps: Int64s, values: Float64s,
                       kind: str) -> None:
        run_pk = run.pk
        row = self._series.get((run_pk, key))
        if row is None and not run.fresh and (run_pk, key) not in self._looked_up:
            row = self.conn.execute(
                "SELECT id, kind, count, first_step, last_step FROM series WHERE run = ? "
                "AND key = ?", (run_pk, key)).fetchone()
        if row is None:
            cur = self.conn.execute(
                "INSERT INTO series (run, key, kind, count, first_step, last_step) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (run_pk, key, kind, int(steps.size), int(steps[0]), int(steps[-1])))
            series_id = int(cur.fetchone()[0])
            self._levels[series_id] = None
            self._changed_from[series_id] = int(steps[0])
            self._write_chunks(series_id, 0, steps, values)
            self._series[(run_pk, key)] = (series_id, kind, int(steps.size), int(steps[0]),
                                           int(steps[-1]))
            return
        series_id, old_kind, count, first, last = row
        self._changed_from[series_id] = min(self._changed_from.get(series_id, int(steps[0])),
                                            int(steps[0]))
        if int(steps[0]) <= last:
            count += self._merge_points(series_id, steps, values)
        else:
            count += int(steps.size)
            self._append_chunks(series_id, steps, values)
        merged_kind = max(old_kind, kind, key=lambda k: _KIND_RANK.get(k, 2))
        first, last = min(first, int(steps[0])), max(last, int(steps[-1]))
        self._series[(run_pk, key)] = (series_id, merged_kind, count, first, last)
        self._dirty_series.add((run_pk, key))

    def _append_chunks(self, series_id: int, steps: Int64s, values: Float64s) -> None:
        """Fill the last chunk up to CHUNK_POINTS (rewriting it), then start new ones."""
        tail = self._tails.get(series_id)
        if tail is None:
            row = self.conn.execute(
                "SELECT seq, n, data FROM chunks WHERE series = ? ORDER BY seq DESC LIMIT 1",
                (series_id,)).fetchone()
            if row is not None:
                tail = (int(row[0]), *decode_chunk(row[2]))
        start_seq = 0
        if tail is not None and tail[1].size < CHUNK_POINTS:
            steps = np.concatenate([tail[1], steps])
            values = np.concatenate([tail[2], values])
            start_seq = tail[0]
        elif tail is not None:
            start_seq = tail[0] + 1
        self._write_chunks(series_id, start_seq, steps, values)

    def _merge_points(self, series_id: int, steps: Int64s, values: Float64s) -> int:
        """Merge points that do not all come after the series (a session applied late):
        only the chunks from the first one they reach on are rewritten. Returns how many
        points the series gained."""
        self._write_tail(series_id)  # the rows read below must be current
        rows = self.conn.execute(
            "SELECT seq, n, data FROM chunks WHERE series = ? AND step_max >= ? ORDER BY seq",
            (series_id, int(steps[0]))).fetchall()
        old = [decode_chunk(r[2]) for r in rows]
        all_steps = np.concatenate([*(s for s, _ in old), steps])
        all_values = np.concatenate([*(v for _, v in old), values])
        # New points go last, so that the newest value of a step wins.
        all_steps, all_values = sorted_points(all_steps, all_values)
        first_seq = int(rows[0][0])
        self.conn.execute("DELETE FROM chunks WHERE series = ? AND seq >= ?",
                          (series_id, first_seq))
        self._write_chunks(series_id, first_seq, all_steps, all_values)
        return int(all_steps.size) - sum(int(r[1]) for r in rows)

    def _write_chunks(self, series_id: int, start_seq: int, steps: Int64s,
                      values: Float64s) -> None:
        """Write the points as chunks from ``start_seq`` on; a last chunk that is not
        full is kept as the series' tail and written by ``_write_tail``."""
        self._note_written(series_id, steps, values)
        for i, at in enumerate(range(0, int(steps.size), CHUNK_POINTS)):
            s = steps[at:at + CHUNK_POINTS]
            v = values[at:at + CHUNK_POINTS]
            # The last chunk is the series' tail: every write runs to its end.
            self._tails[series_id] = (start_seq + i, s, v)
            if s.size < CHUNK_POINTS:
                self._unwritten.add(series_id)
            else:
                self._unwritten.discard(series_id)
                self._write_chunk(series_id, start_seq + i, s, v)

    def _note_written(self, series_id: int, steps: Int64s, values: Float64s) -> None:
        """Points from ``steps[0]`` to the series' end now are ``steps``: earlier pieces
        keep only what lies before them."""
        if steps.size == 0:
            return
        pieces = []
        for s, v in self._written.get(series_id, []):
            keep = int(np.searchsorted(s, steps[0], "left"))  # pieces are in step order
            if keep:
                pieces.append((s[:keep], v[:keep]))
        pieces.append((steps, values))
        self._written[series_id] = pieces

    def _written_points(self, series_id: int) -> tuple[Int64s, Float64s]:
        pieces = self._written.get(series_id, [])
        if len(pieces) == 1:
            return pieces[0]
        return (np.concatenate([s for s, _ in pieces]), np.concatenate([v for _, v in pieces]))

    def _write_tail(self, series_id: int) -> None:
        if series_id in self._unwritten:
            self._unwritten.discard(series_id)
            self._write_chunk(series_id, *self._tails[series_id])

    def _write_chunk(self, series_id: int, seq: int, s: Int64s, v: Float64s) -> None:
        self.conn.execute(
            "INSERT INTO chunks (series, seq, step_min, step_max, n, data, envelope) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (series, seq) DO UPDATE SET "
            "step_min = excluded.step_min, step_max = excluded.step_max, n = excluded.n, "
            "data = excluded.data, envelope = excluded.envelope",
            (series_id, seq, int(s[0]), int(s[-1]), int(s.size), encode_chunk(s, v),
             encode_envelope(envelope_of(s, v))))

    # ---- end of batch ----------------------------------------------------------------
    def _flush(self) -> None:
        for series_id in sorted(self._unwritten):
            self._write_tail(series_id)
        for ref in sorted(self._dirty_series):
            series_id, kind, count, first, last = self._series[ref]
            self.conn.execute(
                "UPDATE series SET kind = ?, count = ?, first_step = ?, last_step = ? "
                "WHERE id = ?", (kind, count, first, last, series_id))
        for series_id, _, count, first, last in self._series.values():
            if series_id in self._changed_from:
                update_level(self.conn, series_id, count, first, last,
                             self._changed_from[series_id], int(self._tails[series_id][1][0]),
                             self._written_points(series_id),
                             self._levels.get(series_id, ...))
        touched_projects = set()
        for run in self.runs.values():
            if not run.dirty_sessions:
                continue  # every record of the run was applied before: nothing changed
            nested = run.summary.nested()
            self.conn.execute(
                "UPDATE runs SET summary_state = ?, summary = ?, summary_json = ?, meta = ?, "
                "last_step = ?, heartbeat_at = ?, updated_at = ? WHERE id = ?",
                (_pack(run.summary.to_state()), _pack(nested), filter_json(nested),
                 _pack(run.meta), run.last_step, run.heartbeat_at, self.now, run.pk))
            for session in run.dirty_sessions:
                save_progress(self.conn, run.pk, session, run.progress[session])
            touched_projects.add(run.project_id)
        for project_id in touched_projects:
            self.conn.execute("UPDATE projects SET updated_at = ? WHERE id = ?",
                              (self.now, project_id))
        for digest, project_id in sorted(self._blob_refs):
            self.conn.execute("INSERT INTO project_blobs (digest, project_id) VALUES (?, ?) "
                              "ON CONFLICT DO NOTHING", (digest, project_id))
