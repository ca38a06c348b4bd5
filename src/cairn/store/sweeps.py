"""Sweeps and their trials in the store (migration 0008): the controller's state, shared
by every agent of a sweep, in SQL both dialects run.

Every change happens in one write transaction of the store (``SqlStore._sweep_write``),
which on PostgreSQL first takes an advisory lock on the sweep: handing out a trial (with
its grid point or suggestion), counting it against ``run_cap``, marking the trials of dead
agents ``crashed`` and ending a trial are each atomic, whichever process or host asks.

This is coordination state, not run data: runs still reach the store only through
``apply_records``; a trial names its run by id.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cairn.store.apply import Cursor

SWEEP_STATES = ("running", "paused", "finished", "canceled")
TRIAL_STATES = ("running", "finished", "failed", "crashed", "killed")
TRIAL_ENDS = TRIAL_STATES[1:]


@dataclass(frozen=True)
class SweepRow:
    pk: int
    entity: str
    project: str
    sweep_id: str
    name: str | None
    method: str
    config: dict[str, Any]
    state: str
    seed: int
    grid_size: int | None
    grid_next: int
    trial_count: int
    prior_runs: list[str]
    created_at: float
    updated_at: float

    @property
    def path(self) -> str:
        return f"{self.entity}/{self.project}/{self.sweep_id}"


@dataclass(frozen=True)
class TrialRow:
    number: int
    run_id: str
    params: dict[str, Any]
    grid_index: int | None
    state: str
    value: float | None
    stop_reason: str | None
    host: str | None
    pid: int | None
    created_at: float
    heartbeat_at: float
    finished_at: float | None


@dataclass(frozen=True)
class Claim:
    """What asking for a trial gave: a trial to run, or why there is none (``state``: the
    sweep's state, ``finished`` once it has nothing more to hand out)."""

    sweep: SweepRow
    trial: TrialRow | None


Propose = Callable[[SweepRow, "TrialsSince", int | None], dict[str, Any]]
"""``propose(sweep, trials, grid_index)``: the parameters of the next trial (grid: of the
grid point), called inside the claiming transaction so that ``trials`` (read only when
called) sees every pending trial."""
Judge = Callable[[str, float, str | None, int | None], str]
"""The store's verdict on a ``running`` row (``effective_state`` with its timeout)."""

_SWEEP_COLUMNS = ("sweeps.id, projects.entity, projects.name, sweeps.sweep_id, sweeps.name, "
                  "sweeps.method, sweeps.config, sweeps.state, sweeps.seed, sweeps.grid_size, "
                  "sweeps.grid_next, sweeps.trial_count, sweeps.prior_runs, "
                  "sweeps.created_at, sweeps.updated_at")
_TRIAL_COLUMNS = ("number, run_id, params, grid_index, state, value, stop_reason, host, pid, "
                  "created_at, heartbeat_at, finished_at")


def _sweep(row: Sequence[Any]) -> SweepRow:
    (pk, entity, project, sweep_id, name, method, config, state, seed, grid_size, grid_next,
     trial_count, prior_runs, created_at, updated_at) = row
    return SweepRow(int(pk), entity, project, sweep_id, name, method, json.loads(config), state,
                    int(seed), None if grid_size is None else int(grid_size), int(grid_next),
                    int(trial_count), json.loads(prior_runs), float(created_at),
                    float(updated_at))


def _trial(row: Sequence[Any]) -> TrialRow:
    (number, run_id, params, grid_index, state, value, stop_reason, host, pid, created_at,
     heartbeat_at, finished_at) = row
    return TrialRow(int(number), run_id, json.loads(params),
                    None if grid_index is None else int(grid_index), state,
                    None if value is None else float(value), stop_reason, host,
                    None if pid is None else int(pid), float(created_at), float(heartbeat_at),
                    None if finished_at is None else float(finished_at))


def create_sweep(conn: Cursor, entity: str, project: str, sweep_id: str, name: str | None,
                 method: str, config: dict[str, Any], seed: int, grid_size: int | None,
                 prior_runs: Sequence[str]) -> int:
    now = time.time()
    conn.execute("INSERT INTO projects (entity, name, created_at, updated_at) VALUES "
                 "(?, ?, ?, ?) ON CONFLICT (entity, name) DO NOTHING",
                 (entity, project, now, now))
    row = conn.execute("SELECT id FROM projects WHERE entity = ? AND name = ?",
                       (entity, project)).fetchone()
    conn.execute(
        "INSERT INTO sweeps (project_id, sweep_id, name, method, config, seed, grid_size, "
        "prior_runs, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (int(row[0]), sweep_id, name, method, json.dumps(config), seed, grid_size,
         json.dumps(list(prior_runs)), now, now))
    found = conn.execute("SELECT id FROM sweeps WHERE project_id = ? AND sweep_id = ?",
                         (int(row[0]), sweep_id)).fetchone()
    return int(found[0])


def find_sweeps(conn: Cursor, entity: str | None, project: str | None,
                sweep_id: str | None) -> list[SweepRow]:
    """Sweeps by any of entity, project and id (None: any), newest first."""
    clauses, params = [], []
    for column, value in (("projects.entity", entity), ("projects.name", project),
                          ("sweeps.sweep_id", sweep_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    where = " AND ".join(clauses) or "1=1"
    rows = conn.execute(f"SELECT {_SWEEP_COLUMNS} FROM sweeps JOIN projects ON projects.id = "
                        f"sweeps.project_id WHERE {where} ORDER BY sweeps.created_at DESC, "
                        "sweeps.id DESC", params).fetchall()
    return [_sweep(r) for r in rows]


def sweep_by_pk(conn: Cursor, pk: int) -> SweepRow:
    row = conn.execute(f"SELECT {_SWEEP_COLUMNS} FROM sweeps JOIN projects ON projects.id = "
                       "sweeps.project_id WHERE sweeps.id = ?", (pk,)).fetchone()
    return _sweep(row)


def list_trials(conn: Cursor, sweep_pk: int, from_number: int = 0,
                changed_after: float | None = None) -> list[TrialRow]:
    """The sweep's trials by number; with ``from_number``/``changed_after``, only those
    numbered from there, still running, or ended after that time (what changed since a
    reader last looked)."""
    sql = f"SELECT {_TRIAL_COLUMNS} FROM sweep_trials WHERE sweep = ?"
    params: list[Any] = [sweep_pk]
    if from_number or changed_after is not None:
        sql += " AND (number >= ? OR state = 'running' OR finished_at >= ?)"
        params += [from_number, changed_after if changed_after is not None else 0.0]
    rows = conn.execute(sql + " ORDER BY number", params).fetchall()
    return [_trial(r) for r in rows]


TrialsSince = Callable[[int, float | None], list[TrialRow]]
"""``trials(from_number, changed_after)``: ``list_trials`` inside the claim."""


def set_state(conn: Cursor, sweep_pk: int, state: str) -> None:
    if state not in SWEEP_STATES:
        raise ValueError(f"a sweep's state is one of {', '.join(SWEEP_STATES)}; got {state!r}")
    conn.execute("UPDATE sweeps SET state = ?, updated_at = ? WHERE id = ?",
                 (state, time.time(), sweep_pk))


def mark_crashed(conn: Cursor, sweep_pk: int, judge: Judge) -> int:
    """Mark ``crashed`` the running trials whose agent is gone; how many."""
    rows = conn.execute("SELECT number, heartbeat_at, host, pid FROM sweep_trials WHERE "
                        "sweep = ? AND state = 'running'", (sweep_pk,)).fetchall()
    dead = [int(n) for n, beat, host, pid in rows if judge("running", beat, host, pid)
            == "crashed"]
    now = time.time()
    for number in dead:
        conn.execute("UPDATE sweep_trials SET state = 'crashed', finished_at = ?, "
                     "stop_reason = 'its agent stopped without ending it' WHERE sweep = ? "
                     "AND number = ?", (now, sweep_pk, number))
    return len(dead)


def _next_grid_index(conn: Cursor, sweep: SweepRow) -> int | None:
    """A grid point for a new trial: that of a crashed trial, handed out again, else the
    next one never handed out; None when every point is taken."""
    again = conn.execute("SELECT number, grid_index FROM sweep_trials WHERE sweep = ? AND "
                         "state = 'crashed' AND requeued = 0 AND grid_index IS NOT NULL "
                         "ORDER BY number LIMIT 1", (sweep.pk,)).fetchone()
    if again is not None:
        conn.execute("UPDATE sweep_trials SET requeued = 1 WHERE sweep = ? AND number = ?",
                     (sweep.pk, int(again[0])))
        return int(again[1])
    assert sweep.grid_size is not None
    if sweep.grid_next >= sweep.grid_size:
        return None
    conn.execute("UPDATE sweeps SET grid_next = grid_next + 1 WHERE id = ?", (sweep.pk,))
    return sweep.grid_next


def _running(conn: Cursor, sweep_pk: int) -> int:
    row = conn.execute("SELECT count(*) FROM sweep_trials WHERE sweep = ? AND state = "
                       "'running'", (sweep_pk,)).fetchone()
    return int(row[0])


def claim_trial(conn: Cursor, sweep_pk: int, run_id: str, host: str | None, pid: int | None,
                run_cap: int | None, propose: Propose, judge: Judge) -> Claim:
    """Hand out the sweep's next trial (inside the caller's write transaction)."""
    mark_crashed(conn, sweep_pk, judge)
    sweep = sweep_by_pk(conn, sweep_pk)
    if sweep.state != "running":
        return Claim(sweep, None)
    if run_cap is not None and sweep.trial_count >= run_cap:
        return Claim(_finish_if_idle(conn, sweep), None)
    grid_index = None
    if sweep.grid_size is not None:
        grid_index = _next_grid_index(conn, sweep)
        if grid_index is None:
            return Claim(_finish_if_idle(conn, sweep), None)
    params = propose(sweep, lambda since, after: list_trials(conn, sweep_pk, since, after),
                     grid_index)
    now = time.time()
    number = sweep.trial_count
    conn.execute(
        "INSERT INTO sweep_trials (sweep, number, run_id, params, grid_index, host, pid, "
        "created_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (sweep_pk, number, run_id, json.dumps(params), grid_index, host, pid, now, now))
    conn.execute("UPDATE sweeps SET trial_count = trial_count + 1, updated_at = ? WHERE id = ?",
                 (now, sweep_pk))
    trial = TrialRow(number, run_id, params, grid_index, "running", None, None, host, pid, now,
                     now, None)
    return Claim(sweep_by_pk(conn, sweep_pk), trial)


def _finish_if_idle(conn: Cursor, sweep: SweepRow) -> SweepRow:
    """A sweep with nothing left to hand out is finished once no trial runs."""
    if _running(conn, sweep.pk) == 0:
        set_state(conn, sweep.pk, "finished")
        return sweep_by_pk(conn, sweep.pk)
    return sweep


def heartbeat(conn: Cursor, sweep_pk: int, number: int) -> tuple[str, str | None, str]:
    """Stamp a running trial as alive: its state (``running``, or what ended it), the
    reason it was asked to stop (None: carry on) and the sweep's state."""
    conn.execute("UPDATE sweep_trials SET heartbeat_at = ? WHERE sweep = ? AND number = ? "
                 "AND state = 'running'", (time.time(), sweep_pk, number))
    row = conn.execute("SELECT sweep_trials.state, sweep_trials.stop_reason, sweeps.state "
                       "FROM sweep_trials JOIN sweeps ON sweeps.id = sweep_trials.sweep "
                       "WHERE sweep_trials.sweep = ? AND sweep_trials.number = ?",
                       (sweep_pk, number)).fetchone()
    if row is None:
        return "crashed", None, "canceled"
    return str(row[0]), row[1], str(row[2])


def end_trial(conn: Cursor, sweep_pk: int, number: int, state: str, value: float | None,
              stop_reason: str | None, target_reached: bool) -> SweepRow:
    """Record a trial's end; the sweep finishes when its metric reached the target, or
    when nothing is left to hand out and nothing runs."""
    if state not in TRIAL_ENDS:
        raise ValueError(f"a trial ends as one of {', '.join(TRIAL_ENDS)}; got {state!r}")
    conn.execute("UPDATE sweep_trials SET state = ?, value = ?, finished_at = ?, "
                 "stop_reason = coalesce(?, stop_reason) WHERE sweep = ? AND number = ?",
                 (state, value, time.time(), stop_reason, sweep_pk, number))
    sweep = sweep_by_pk(conn, sweep_pk)
    if target_reached and sweep.state == "running":
        set_state(conn, sweep_pk, "finished")
    elif sweep.state == "running" and sweep.grid_size is not None and \
            sweep.grid_next >= sweep.grid_size:
        open_points = conn.execute(
            "SELECT count(*) FROM sweep_trials WHERE sweep = ? AND state = 'crashed' AND "
            "requeued = 0 AND grid_index IS NOT NULL", (sweep_pk,)).fetchone()
        if int(open_points[0]) == 0:
            _finish_if_idle(conn, sweep)
    return sweep_by_pk(conn, sweep_pk)


def stop_trial(conn: Cursor, sweep_pk: int, number: int, reason: str) -> None:
    """Ask a running trial to stop (its agent ends it ``killed``)."""
    conn.execute("UPDATE sweep_trials SET stop_reason = ? WHERE sweep = ? AND number = ? AND "
                 "state = 'running'", (reason, sweep_pk, number))
