"""The ``MetadataStore`` interface: one write primitive, ``apply_records``, and the reads
that the public ``Api``, the CLI and the UI server are built on.

Backends (SQLite now; PostgreSQL with the team server) implement this protocol and pass
the same conformance tests.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from cairn.records import Record, RunRef
from cairn.store.artifacts import ArtifactCollectionRow, ArtifactVersionRow
from cairn.store.codec import Envelope, Float64s, Int64s

if TYPE_CHECKING:
    from cairn.store.alerts import AlertRow
    from cairn.store.console import ConsoleLine
    from cairn.store.edits import Edit, EditRow
    from cairn.store.media import ObjectKey
    from cairn.store.progress import SessionProgress, Span
    from cairn.store.reports import Report
    from cairn.store.sweeps import Claim, Propose, SweepRow, TrialRow
    from cairn.store.system import SystemSamples
    from cairn.store.workspaces import WorkspaceLayout, WorkspaceView

RUN_STATES = ("running", "finished", "failed", "crashed", "killed", "preempting", "preempted")
"""``preempting``: the run said it is about to be preempted (``Run.mark_preempting``); it
reads as ``preempted`` once its writer is gone, or ends so. Either is resumed by a new
session of it, as any run is."""
_HOSTNAME = socket.gethostname()


@dataclass(frozen=True)
class ApplyResult:
    applied: int
    skipped: int
    """Records already in the store (same run, session and sequence number)."""
    unknown_kinds: tuple[str, ...] = ()
    deleted: int = 0
    """Records of runs deleted through an edit, dropped (``store/edits.py``)."""


@dataclass(frozen=True)
class ProjectRow:
    entity: str
    name: str
    run_count: int
    created_at: float
    last_activity: float


@dataclass
class RunRow:
    pk: int
    ref: RunRef
    name: str
    notes: str
    tags: list[str]
    group: str | None
    job_type: str | None
    state: str
    exit_code: int | None
    created_at: float
    updated_at: float
    heartbeat_at: float
    finished_at: float | None
    host: str | None
    pid: int | None
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    last_step: int = -1
    summary_state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunVersion:
    pk: int
    updated_at: float
    """When a batch last touched the run: any change to it changes this."""


@dataclass(frozen=True)
class MetricInfo:
    """A history key across the runs of a project."""

    key: str
    kind: str
    """The widest numeric kind (``b`` < ``i`` < ``f``) of the key in any run, or ``o``."""
    runs: int
    """How many runs logged it (with this kind: numeric, or ``o``)."""


@dataclass(frozen=True)
class SeriesInfo:
    key: str
    kind: str
    """``f`` float, ``i`` int, ``b`` bool for numeric series; ``o`` for other values."""
    count: int
    first_step: int
    last_step: int


@dataclass(frozen=True)
class RunFile:
    """The latest version of one of a run's files."""

    name: str
    """Relative posix path below the run's files."""
    sha256: str
    size: int
    mtime: float | None
    policy: str
    """How it was saved: ``now``, ``live`` or ``end``."""
    updated_at: float


def effective_state(state: str, heartbeat_at: float, host: str | None, pid: int | None,
                    heartbeat_timeout: float, *, now: float | None = None,
                    local_pids: bool = True) -> str:
    """A stored ``running`` state is reported as ``crashed`` when its writer is gone: its
    process no longer exists on this host, or its heartbeat is older than the timeout
    (``preempting`` then reads as ``preempted``).
    A run of this very process is running. A store shared by many hosts (``local_pids``
    false) goes by heartbeat age alone: a process id there may name anyone's process."""
    if state not in ("running", "preempting"):
        return state
    gone = "crashed" if state == "running" else "preempted"
    if local_pids and host == _HOSTNAME and isinstance(pid, int) and 0 < pid < 2**31:
        if pid == os.getpid():
            return state
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return gone
        except PermissionError:
            pass  # alive, under another user
    if (now if now is not None else time.time()) - heartbeat_at > heartbeat_timeout:
        return gone
    return state


class MetadataStore(Protocol):
    """Runs, their config, summary and metric history. ``apply_records`` is the only write
    path for run data; reads never touch WAL files."""

    def apply_records(self, records: Sequence[Record]) -> ApplyResult:
        """Apply a batch atomically. Records already applied are skipped, so any batch may
        be applied any number of times with the same result."""
        ...

    def applied_seq(self, run: RunRef, session: str) -> int:
        """The highest sequence number applied for this run and session (0 if none)."""
        ...

    def applied_progress(self, run: RunRef, session: str) -> SessionProgress:
        """Which records of this run and session the store holds (``holds(seq)``)."""
        ...

    def repair_progress(self, run: RunRef, session: str, skipped: Sequence[Span]) -> bool:
        """For a session whose gaps are unknown (kept by a cairn before gaps were): make
        ``skipped`` (cut to its high-water mark) its gaps, so that applying those records
        again applies them once. False, changing nothing, for any other session."""
        ...

    def list_projects(self) -> list[ProjectRow]: ...

    def query_runs(
        self,
        entity: str | None,
        project: str | None,
        filters: Mapping[str, Any] | None = None,
        order: Sequence[str] | str | None = ("-created_at",),
        *,
        limit: int | None = None,
        offset: int = 0,
        search: str | None = None,
    ) -> list[RunRow]:
        """Runs of a project (None: any), filtered and ordered as in ``store/filters.py``;
        FilterError for a malformed filter or order. ``search``: free text that must occur
        (case-insensitively, ASCII) in the name, tags, group, job type, config or summary."""
        ...

    def query_runs_counted(self, entity: str | None, project: str | None,
                           filters: Mapping[str, Any] | None = None,
                           order: Sequence[str] | str | None = ("-created_at",), *,
                           limit: int, offset: int = 0,
                           search: str | None = None) -> tuple[list[RunRow], int]:
        """A page of runs and how many match in all."""
        ...

    def query_run_pks(self, entity: str | None, project: str | None,
                      filters: Mapping[str, Any] | None = None,
                      order: Sequence[str] | str | None = ("-created_at",), *,
                      search: str | None = None) -> list[int]:
        """Keys of every matching run, in order."""
        ...

    def runs_by_pk(self, pks: Sequence[int]) -> list[RunRow]:
        """The runs with these keys, in the given order."""
        ...

    def count_runs(self, entity: str | None, project: str | None,
                   filters: Mapping[str, Any] | None = None, *,
                   search: str | None = None) -> int: ...

    def get_project(self, entity: str, project: str) -> ProjectRow | None: ...

    def run_versions(self, entity: str, project: str,
                     run_ids: Sequence[str]) -> dict[str, RunVersion]:
        """The key and last change of those of these runs of a project that exist, by
        run id."""
        ...

    def runs_updated_since(self, entity: str, project: str, since: float) -> list[RunRow]:
        """Runs of a project whose ``updated_at`` is after ``since`` (a change feed: every
        applied batch stamps the runs it touched), oldest change first."""
        ...

    def project_metrics(self, entity: str, project: str) -> list[MetricInfo]:
        """Every history key of the project's runs, sorted by key (numeric before ``o``)."""
        ...

    def project_columns(self, entity: str, project: str) -> tuple[list[str], list[str]]:
        """The distinct flat keys (``a.b``; lists are leaves) of the config and of the
        summary of the project's runs, each sorted."""
        ...

    def get_run(self, ref: RunRef, with_state: bool = False) -> RunRow | None:
        """The run, or None; ``with_state`` fills ``RunRow.summary_state`` (for resuming)."""
        ...

    def find_runs(self, run_id: str, project: str | None = None) -> list[RunRow]:
        """Runs with this id, in any entity (and project, when given)."""
        ...

    def apply_edit(self, edit: Edit) -> bool:
        """Apply a change made through the Api or the UI (``store/edits.py``): a run's
        update or deletion, an artifact version's edit or deletion; kept in the audit trail.
        False, changing nothing, if this edit was applied before, or if there was nothing
        to delete. A deleted run leaves a tombstone: its records are dropped from then on.
        NotFoundError for an update of a run the store does not hold."""
        ...

    def edits(self, entity: str, project: str, *, limit: int = 100,
              before: int | None = None) -> list[EditRow]:
        """The audit trail: a project's applied edits, newest first; ``before`` an edit's
        ``seq`` pages back."""
        ...

    def list_series(self, run_pk: int) -> list[SeriesInfo]: ...

    def numeric_series(self, run_pk: int,
                       keys: Sequence[str] | None = None) -> list[SeriesInfo]:
        """The numeric series of a run (only ``keys``, when given), sorted by key: cheaper
        than ``list_series``, which also counts the other values."""
        ...

    def read_series(self, run_pk: int, key: str, min_step: int | None = None,
                    max_step: int | None = None) -> tuple[Int64s, Float64s, str]:
        """Every point of a numeric series in ``[min_step, max_step]`` (None: unbounded),
        in step order; kind as in SeriesInfo (``f`` for a missing series). ValueError if
        ``min_step > max_step``."""
        ...

    def read_series_many(self, run_pk: int, keys: Sequence[str], min_step: int | None = None,
                         max_step: int | None = None,
                         ) -> dict[str, tuple[Int64s, Float64s, str]]:
        """``read_series`` of each of ``keys`` that is a numeric series of the run, by key,
        in two queries whatever the number of keys."""
        ...

    def read_envelope(self, run_pk: int, key: str, buckets: int, min_step: int | None = None,
                      max_step: int | None = None) -> Envelope:
        """The points of ``[min_step, max_step]`` in at most ``buckets`` groups of about
        equal step width (see ``store/buckets.py``): every point in exactly one group, each
        group with exact min, max, sum, count and last. One group a point when there are no
        more points than buckets; empty outside the data. ValueError if ``buckets < 1`` or
        ``min_step > max_step``."""
        ...

    def read_envelopes(self, run_pks: Sequence[int], keys: Sequence[str], buckets: int,
                       min_step: int | None = None, max_step: int | None = None,
                       ) -> dict[tuple[int, str], tuple[SeriesInfo, Envelope]]:
        """``read_envelope`` of every run and key at once, with each series' info, by
        ``(run_pk, key)``; runs without a numeric series ``key`` are left out. A few
        queries whatever the number of runs and keys (a chart over a network store)."""
        ...

    def stored_envelope(self, run_pk: int, key: str) -> Envelope:
        """The stored groups of a whole numeric series (``ENVELOPE_POINTS`` consecutive
        points each, see ``codec.py``), in step order, unbucketed: exact values at many
        steps (each group's last point) without reading the points."""
        ...

    def read_objects(self, run_pk: int, keys: Sequence[str] | None = None,
                     min_step: int | None = None, max_step: int | None = None,
                     ) -> dict[str, list[tuple[int, Any]]]: ...

    def system_samples(self, run_pk: int, since: float | None = None,
                       keys: list[str] | None = None) -> SystemSamples:
        """The run's system-metric samples after ``since`` (unix time), in time order."""
        ...

    def alerts(self, *, run_pk: int | None = None, entity: str | None = None,
               project: str | None = None, limit: int = 100,
               before: int | None = None) -> list[AlertRow]:
        """Alerts newest first, with their deliveries: of one run (``run_pk``) or of a
        project (``entity`` and ``project``); ``before`` an alert id pages back."""
        ...

    def console_lines(self, run_pk: int, after: int = 0, limit: int = 1000,
                      search: str | None = None, before: int | None = None,
                      ) -> list[ConsoleLine]:
        """Up to ``limit`` console lines numbered above ``after``, in order (with
        ``before``: the last ones below it, 0 for the end); with ``search``, only the lines
        that contain it."""
        ...

    def console_count(self, run_pk: int, search: str | None = None) -> int:
        """How many console lines the run has (that contain ``search``)."""
        ...

    # artifacts (store/artifacts.py)
    def artifact_version(self, entity: str, project: str, name: str, selector: str
                         ) -> ArtifactVersionRow | None:
        """The version ``selector`` (``v3``, an alias or a digest) names, with manifest."""
        ...

    def artifact_version_by_pk(self, pk: int) -> ArtifactVersionRow | None: ...

    def artifact_receipt(self, client_id: str) -> ArtifactVersionRow | None:
        """The version a logged artifact (by client id) became, once applied."""
        ...

    def artifact_versions(self, entity: str, project: str, name: str
                          ) -> list[ArtifactVersionRow]: ...

    def artifact_collections(self, entity: str, project: str, type_: str | None = None
                             ) -> list[ArtifactCollectionRow]: ...

    def run_artifacts(self, run_pk: int, role: str) -> list[ArtifactVersionRow]:
        """Versions the run logged (``output``) or used (``input``)."""
        ...

    def artifact_runs(self, version_pk: int, role: str) -> list[int]:
        """Keys of runs that logged (``output``) or used (``input``) a version."""
        ...

    def referenced_blobs(self) -> set[str]:
        """Digests of every blob the store refers to (``store/gc.py``)."""
        ...
    def run_files(self, run_pk: int) -> list[RunFile]:
        """The run's files, by name."""
        ...

    def run_file(self, run_pk: int, name: str) -> RunFile | None: ...

    def object_keys(self, run_pk: int) -> list[ObjectKey]:
        """History keys with object values, without reading them all
        (``store/media.py``)."""
        ...

    def object_steps(self, run_pk: int, key: str, min_step: int, max_step: int) -> list[int]:
        """The steps in the range at which ``key`` holds an object value."""
        ...

    def object_values(self, run_pk: int, key: str,
                      steps: Sequence[int]) -> list[tuple[int, Any]]:
        """``(step, value)`` of ``key`` at the given steps, in step order."""
        ...

    # sweeps (store/sweeps.py): the controller's state, changed atomically per sweep
    def create_sweep(self, entity: str, project: str, sweep_id: str, *, name: str | None,
                     method: str, config: dict[str, Any], seed: int, grid_size: int | None,
                     prior_runs: Sequence[str] = ()) -> SweepRow: ...

    def find_sweeps(self, entity: str | None = None, project: str | None = None,
                    sweep_id: str | None = None) -> list[SweepRow]:
        """Sweeps by entity, project and id (None: any), newest first."""
        ...

    def sweep_trials(self, sweep_pk: int) -> list[TrialRow]: ...

    def set_sweep_state(self, sweep_pk: int, state: str) -> None: ...

    def claim_trial(self, sweep_pk: int, run_id: str, *, host: str | None, pid: int | None,
                    run_cap: int | None, propose: Propose) -> Claim:
        """The sweep's next trial, handed out to one caller only: trials of dead agents are
        marked ``crashed`` first (a grid's crashed point is handed out again), ``run_cap``
        counts every trial handed out, and ``propose`` picks the parameters inside the
        same transaction."""
        ...

    def trial_heartbeat(self, sweep_pk: int, number: int) -> tuple[str, str | None, str]:
        """Stamp a trial alive: (its state, why it should stop or None, the sweep's state)."""
        ...

    def end_trial(self, sweep_pk: int, number: int, state: str, value: float | None = None,
                  stop_reason: str | None = None,
                  target_reached: bool = False) -> SweepRow: ...

    def stop_trial(self, sweep_pk: int, number: int, reason: str) -> None: ...

    # saved workspaces (store/workspaces.py): the web app's layout per project and user
    # (``user_id`` None: the local UI), and named views. LayoutError for a malformed or
    # oversized layout or view, NotFoundError for a project (or view) that is not there.
    def workspace_layout(self, entity: str, project: str, *,
                         user_id: int | None = None) -> WorkspaceLayout | None:
        """The saved layout of the project's workspace, or None (automatic panels)."""
        ...

    def save_workspace_layout(self, entity: str, project: str, layout: dict[str, Any], *,
                              user_id: int | None = None,
                              base_version: int | None = None) -> WorkspaceLayout:
        """Keep a new version of the layout. With ``base_version`` (0: none saved yet),
        LayoutConflict unless that is the version stored: a stale copy never overwrites."""
        ...

    def delete_workspace_layout(self, entity: str, project: str, *,
                                user_id: int | None = None) -> bool:
        """Back to automatic panels; False if no layout was saved."""
        ...

    def workspace_views(self, entity: str, project: str, *,
                        user_id: int | None = None) -> list[WorkspaceView]:
        """The named views, by name."""
        ...

    def workspace_view(self, entity: str, project: str, view_id: int, *,
                       user_id: int | None = None) -> WorkspaceView: ...

    def create_workspace_view(self, entity: str, project: str, name: str,
                              state: dict[str, Any], *, user_id: int | None = None,
                              default: bool = False) -> WorkspaceView:
        """A new named view (ViewNameTaken if the name is); ``default`` makes it the one
        the workspace opens with, in place of any other."""
        ...

    def change_workspace_view(self, entity: str, project: str, view_id: int, *,
                              user_id: int | None = None, name: str | None = None,
                              state: dict[str, Any] | None = None,
                              default: bool | None = None) -> WorkspaceView:
        """Rename, replace the state, or set or clear the default; None keeps it."""
        ...

    def delete_workspace_view(self, entity: str, project: str, view_id: int, *,
                              user_id: int | None = None) -> bool: ...

    # reports (store/reports.py): documents of Markdown and live panel blocks. ReportError
    # for a malformed or oversized title or body, NotFoundError for a project or report
    # that is not there, ReportConflict for a save from a version no longer current.
    def reports(self, entity: str, project: str) -> list[Report]:
        """The project's reports, the last changed first, with empty bodies."""
        ...

    def report(self, entity: str, project: str, report_id: int) -> Report: ...

    def create_report(self, entity: str, project: str, title: str, body: dict[str, Any], *,
                      author_id: int | None = None) -> Report: ...

    def save_report(self, entity: str, project: str, report_id: int, *, base_version: int,
                    title: str | None = None, body: dict[str, Any] | None = None) -> Report:
        """A new version of the title and/or body (None keeps it); ReportConflict unless
        ``base_version`` is the version stored: a stale copy never overwrites."""
        ...

    def delete_report(self, entity: str, project: str, report_id: int) -> bool: ...

    def close(self) -> None: ...
