"""``cairn.Api``: read (and lightly edit) runs in a store, like wandb's public API.

    api = cairn.Api()                       # the cairn folder of CAIRN_DIR or ./cairn
    for run in api.runs("me/mnist", filters={"config.lr": {"$lt": 0.01}}, order="-summary.acc"):
        print(run.name, run.summary["acc"])
    df = api.run("me/mnist/3n974dn0").history(keys=["loss"])

Edits (``Run.update()``, ``Run.delete()``) are edits (``store/edits.py``): applied in one
transaction each and kept in the store's audit trail.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from cairn.aggregates import flatten
from cairn.api.files import File
from cairn.errors import NotFoundError
from cairn.records import RunRef
from cairn.settings import Settings, load_settings
from cairn.sinks import handoffs
from cairn.store import edits
from cairn.store.alerts import AlertRow
from cairn.store.base import MetadataStore, ProjectRow, RunRow, SeriesInfo
from cairn.store.blobs import BlobStore
from cairn.store.buckets import STEP_MAX, STEP_MIN, check_range
from cairn.store.codec import Envelope, Float64s, Int64s

if TYPE_CHECKING:
    from cairn.api.sweeps import Sweep
    from cairn.backend import Backend
    from cairn.sdk.artifacts.artifact import Artifact
    from cairn.store.artifacts import ArtifactVersionRow
    from cairn.store.blobs import BlobStore
    from cairn.store.reports import Report

_SUMMARY_LEAF_KEYS = frozenset({"min", "max", "mean", "first", "last", "best"})


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.UTC).replace(tzinfo=None).isoformat(
        timespec="seconds")




def _is_summary_leaf(value: Mapping[str, Any]) -> bool:
    """A define_metric summary ({"min": .., "max": ..}) is one value, not a subtree."""
    return bool(value) and set(value) <= _SUMMARY_LEAF_KEYS


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same type, NaN equal to NaN (so an unchanged NaN is no edit)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _unique(keys: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(keys))


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> Any:
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError("history(pandas=True) needs pandas: pip install "
                          "'cairn[pandas]', or pass pandas=False") from exc
    return pd.DataFrame.from_records(rows, columns=_unique(list(columns)))


class Project:
    def __init__(self, row: ProjectRow) -> None:
        self.entity = row.entity
        self.name = row.name
        self.run_count = row.run_count
        self.created_at = _iso(row.created_at)
        self.last_activity = _iso(row.last_activity)

    @property
    def path(self) -> list[str]:
        return [self.entity, self.name]

    def __repr__(self) -> str:
        return f"<Project {self.entity}/{self.name} ({self.run_count} runs)>"


class Run:
    """A stored run. Attributes mirror wandb's ``wandb.apis.public.Run``; change ``name``,
    ``notes``, ``tags``, ``group``, ``job_type``, ``config`` or ``summary`` and call
    :meth:`update` to save."""

    def __init__(self, api: Api, row: RunRow) -> None:
        self._api = api
        self._load(row)

    def _load(self, row: RunRow) -> None:
        self._row = row
        self.id = row.ref.run_id
        self.entity = row.ref.entity
        self.project = row.ref.project
        self.name = row.name
        self.notes = row.notes
        self.tags = list(row.tags)
        self.group = row.group
        self.job_type = row.job_type
        # Copies, so that edits (even deep ones) can be told apart from the stored row.
        self.config: dict[str, Any] = copy.deepcopy(row.config)
        self.summary: dict[str, Any] = copy.deepcopy(row.summary)

    # ---- attributes --------------------------------------------------------------------
    @property
    def path(self) -> list[str]:
        return [self.entity, self.project, self.id]

    @property
    def display_name(self) -> str:
        return self.name

    @display_name.setter
    def display_name(self, value: str) -> None:
        self.name = value

    @property
    def state(self) -> str:
        return self._row.state

    @property
    def exit_code(self) -> int | None:
        return self._row.exit_code

    @property
    def created_at(self) -> str | None:
        return _iso(self._row.created_at)

    @property
    def heartbeat_at(self) -> str | None:
        return _iso(self._row.heartbeat_at)

    @property
    def finished_at(self) -> str | None:
        return _iso(self._row.finished_at)

    @property
    def last_step(self) -> int:
        return self._row.last_step

    @property
    def lastHistoryStep(self) -> int:  # wandb's name
        return self._row.last_step

    @property
    def metadata(self) -> dict[str, Any]:
        """What the run recorded about itself: its environment snapshot (host, OS, Python,
        program, args, git, CPUs, GPUs; ``sdk/snapshot.py``), session details and, for a
        failed run, ``error``."""
        meta = dict(self._row.meta)
        environment = meta.pop("environment", None)
        if isinstance(environment, dict):
            meta.update(environment)  # the snapshot's details win over the session's
        return {**meta, "host": self._row.host, "pid": self._row.pid}

    def alerts(self, limit: int = 100) -> list[AlertRow]:
        """The run's alerts, newest first, each with its suppressed count and the outcome
        of its delivery through each notifier."""
        return self._api.store.alerts(run_pk=self._row.pk, limit=limit)

    @property
    def url(self) -> str:
        base = self._api.settings.ui_url.rstrip("/")
        return f"{base}/{self.entity}/{self.project}/runs/{self.id}"

    def __repr__(self) -> str:
        return f"<Run {'/'.join(self.path)} ({self.state})>"

    # ---- history -----------------------------------------------------------------------
    def series_info(self) -> list[SeriesInfo]:
        """Every history key with its kind, point count and step range (a key holding
        numbers and other values appears twice: its numeric kind, and ``o``)."""
        return self._api.store.list_series(self._row.pk)

    def _keys(self, keys: Sequence[str] | None) -> list[str]:
        if keys is None:
            return _unique([s.key for s in self.series_info()])
        if isinstance(keys, str):
            raise ValueError("keys must be a list of metric names, not one string")
        if not all(isinstance(k, str) for k in keys):
            raise ValueError(f"keys must be metric names (strings); got {list(keys)!r}")
        return _unique(keys)

    def series(self, key: str, min_step: int | None = None,
               max_step: int | None = None) -> tuple[Int64s, Float64s]:
        """One numeric metric as numpy arrays ``(steps, values)``: the fastest read."""
        steps, values, _ = self._api.store.read_series(self._row.pk, key, min_step, max_step)
        return steps, values

    def envelope(self, key: str, buckets: int = 1000, min_step: int | None = None,
                 max_step: int | None = None) -> Envelope:
        """At most ``buckets`` min/max/mean/last groups of a metric over a step range."""
        return self._api.store.read_envelope(self._row.pk, key, buckets, min_step, max_step)

    def scan_history(self, keys: Sequence[str] | None = None, page_size: int = 1000,
                     min_step: int | None = None, max_step: int | None = None,
                     ) -> Iterator[dict[str, Any]]:
        """Every history row (with ``_step``) in step order; with ``keys``, only those
        keys, in the rows that have them all."""
        from cairn.api.history import scan_rows

        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ValueError(f"page_size must be a positive whole number, got {page_size!r}")
        lo, hi = check_range(min_step, max_step)
        wanted = self._keys(keys)
        infos = self.series_info()
        rows = scan_rows(self._api.store, self._row.pk, wanted, infos,
                         min_step=lo, max_step=hi, page_size=page_size,
                         require_all=keys is not None)
        return self._api._with_media(rows, infos, wanted)

    def history(self, samples: int = 500, keys: Sequence[str] | None = None,
                x_axis: str = "_step", pandas: bool = True, stream: str = "default") -> Any:
        """About ``samples`` rows that keep each metric's min and max in every interval (a
        spike is always in the sample), as a pandas DataFrame (``pandas=False``: a list of
        dicts). With ``keys``, only rows that have them all."""
        from cairn.api.history import read_columns, row_steps, rows_at, sample_steps
        from cairn.api.system import SYSTEM_STREAMS, system_rows

        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
            raise ValueError(f"samples must be a positive whole number, got {samples!r}")
        if stream in SYSTEM_STREAMS:
            rows = system_rows(self._api.store, self._row, samples, keys)
            keys_out = keys if keys is not None else sorted({k for r in rows for k in r})
            return rows if not pandas else _frame(rows, ["_timestamp", "_runtime", *keys_out])
        if stream != "default":
            raise ValueError(f"stream must be 'default' or 'system'; got {stream!r}")
        wanted = self._keys(keys)
        if x_axis != "_step" and x_axis not in wanted:
            wanted.append(x_axis)
        infos = self.series_info()
        numeric = {s.key for s in infos if s.kind != "o"}
        columns = read_columns(self._api.store, self._row.pk, wanted, lo=STEP_MIN,
                               hi=STEP_MAX, numeric=numeric)
        steps = row_steps(columns, require_all=keys is not None)
        rows = rows_at(columns, sample_steps(columns, steps, samples))
        rows = list(self._api._with_media(rows, infos, wanted))
        if not pandas:
            return rows
        return _frame(rows, _unique(["_step", *wanted]))

    # ---- edits -------------------------------------------------------------------------
    def update(self) -> None:
        """Save changes to name, notes, tags, group, job_type, config and summary."""
        tags: Any = self.tags
        if isinstance(tags, str) or not all(isinstance(t, str) for t in tags):
            raise ValueError(f"tags must be a list of strings; got {tags!r}")
        bodies: list[tuple[str, dict[str, Any]]] = [("meta", {
            "name": str(self.name), "notes": str(self.notes or ""), "tags": list(self.tags),
            "group": self.group, "job_type": self.job_type})]
        if not _same(dict(self.config), self._row.config):
            bodies.append(("config", {"config": dict(self.config)}))
        summary = flatten(self.summary, is_leaf=_is_summary_leaf)
        saved = flatten(self._row.summary, is_leaf=_is_summary_leaf)
        changed = {k: v for k, v in summary.items() if k not in saved or not _same(v, saved[k])}
        deleted = [k for k in saved if k not in summary]
        if changed or deleted:
            bodies.append(("summary", {"set": changed, "del": deleted}))
        store = self._api.store
        # NotFoundError if the run was deleted: an edit must not bring it back
        store.apply_edit(edits.run_update(self._row.ref, bodies, edits.api_origin()))
        fresh = store.get_run(self._row.ref)
        if fresh is None:
            raise NotFoundError(f"run {self._row.ref.path} was deleted; nothing to update")
        self._load(fresh)

    def delete(self) -> None:
        """Delete the run and its history from the store. Its WAL files stay on disk, but
        the run stays deleted: the store drops its records from then on."""
        self._api.store.apply_edit(edits.run_delete(self._row.ref, edits.api_origin()))

    # ---- artifacts (api/artifacts.py) --------------------------------------------------
    def logged_artifacts(self) -> list[Artifact]:
        from cairn.api.artifacts import run_artifacts

        return run_artifacts(self._api, self._row.pk, "output")

    def used_artifacts(self) -> list[Artifact]:
        from cairn.api.artifacts import run_artifacts

        return run_artifacts(self._api, self._row.pk, "input")

    # ---- files -------------------------------------------------------------------------
    def files(self, names: Sequence[str] | None = None) -> list[File]:
        """The run's files (``run.save``, ``output.log`` …), all or those named."""
        rows = self._api.store.run_files(self._row.pk)
        if names is not None:
            wanted = set(names)
            rows = [r for r in rows if r.name in wanted]
        return [File(r, self._api.blobs) for r in rows]

    def file(self, name: str) -> File:
        row = self._api.store.run_file(self._row.pk, name)
        if row is None:  # a logged medium's path (row["img"]["path"])
            from cairn.sdk.media.stored import media_file_row

            row = media_file_row(name, self._api.blobs, self._row.updated_at)
        if row is None:
            raise NotFoundError(f"run {self._row.ref.path} has no file {name!r}")
        return File(row, self._api.blobs)


class Runs(Sequence[Run]):
    """A lazily paged, filtered and ordered list of runs: nothing is read until it is
    used, then one page of ``per_page`` runs at a time."""

    def __init__(self, api: Api, entity: str | None, project: str | None, *,
                 filters: Mapping[str, Any] | None, order: Any, per_page: int) -> None:
        if isinstance(per_page, bool) or not isinstance(per_page, int) or per_page < 1:
            raise ValueError(f"per_page must be a positive whole number, got {per_page!r}")
        # Compile now, so a bad filter fails here and not on first iteration.
        from cairn.store.filters import parse_filters, parse_order

        parse_filters(filters)
        parse_order(order)
        self._api = api
        self._args = (entity, project, filters, order)
        self._per_page = per_page
        self._pages: dict[int, list[Run]] = {}
        self._length: int | None = None
        self._pks: list[int] | None = None

    def __len__(self) -> int:
        if self._length is None:
            if self._pks is not None:
                self._length = len(self._pks)
            else:
                self._page(0)  # counts the runs in the same pass
        assert self._length is not None
        return self._length

    def _page(self, number: int) -> list[Run]:
        """The first page is one LIMIT query; past it, the matching keys are read once
        and pages are fetched by key, so reading every run costs one filter and sort."""
        page = self._pages.get(number)
        if page is None:
            entity, project, filters, order = self._args
            store = self._api.store
            if number == 0 and self._pks is None:
                rows, self._length = store.query_runs_counted(
                    entity, project, filters, order, limit=self._per_page)
            else:
                if self._pks is None:
                    self._pks = store.query_run_pks(entity, project, filters, order)
                    self._length = len(self._pks)
                start = number * self._per_page
                rows = store.runs_by_pk(self._pks[start:start + self._per_page])
            page = self._pages[number] = [Run(self._api, r) for r in rows]
        return page

    @overload
    def __getitem__(self, index: int) -> Run: ...

    @overload
    def __getitem__(self, index: slice) -> list[Run]: ...

    def __getitem__(self, index: int | slice) -> Run | list[Run]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"runs are indexed by int or slice, not {type(index).__name__}")
        if index < 0:
            index += len(self)
        if index < 0:
            raise IndexError("run index out of range")
        page = self._page(index // self._per_page)
        if index % self._per_page >= len(page):
            raise IndexError("run index out of range")
        return page[index % self._per_page]

    def __iter__(self) -> Iterator[Run]:
        number = 0
        while True:
            page = self._page(number)
            yield from page
            if len(page) < self._per_page:
                return
            number += 1

    def __repr__(self) -> str:
        entity, project, _, _ = self._args
        return f"<Runs {entity or '*'}/{project or '*'}>"


class Api:
    """Reads a cairn backend: ``Api(root=...)`` for a cairn folder, ``Api(store=URI,
    blobs=URI)`` for any store, ``Api(base_url=URL, api_key=KEY)`` (or wandb's
    ``overrides={"base_url": URL}``) for a cairn server, ``Api(backend=...)`` for one
    already open (which the Api then does not close); default: the settings' store
    (``CAIRN_STORE`` or ``CAIRN_DIR``)."""

    def __init__(self, root: str | Path | None = None,
                 overrides: Mapping[str, Any] | None = None, timeout: int | None = None,
                 api_key: str | None = None, *, store: str | Path | None = None,
                 blobs: str | Path | None = None, backend: Backend | None = None,
                 base_url: str | None = None) -> None:
        values = dict(overrides or {})
        for key, value in (("root", root), ("store", store), ("blobs", blobs),
                           ("base_url", base_url), ("api_key", api_key)):
            if value is not None:
                values[key] = value
        if values.get("base_url") and store is None:
            values["store"] = values["base_url"]  # a cairn server (wandb's overrides too)
        self.settings: Settings = load_settings(values)
        self._backend = backend
        self._owns_backend = backend is None

    @property
    def backend(self) -> Backend:
        """The backend read (opened on first use; ``NotFoundError`` while the store does
        not exist, and tried again on the next use). Every read first waits (bounded) for
        the runs this process finished to reach their store: ``finish()`` leaves them to
        the applier process."""
        if handoffs.pending():
            handoffs.wait_for_handoffs()
        if self._backend is None:
            from cairn.backend import open_backend

            self._backend = open_backend(settings=self.settings, create=False)
        return self._backend

    @property
    def blobs(self) -> BlobStore:
        return self.backend.blobs

    @property
    def store(self) -> MetadataStore:
        return self.backend.store

    @property
    def default_entity(self) -> str:
        return self.settings.default_entity()

    def _split(self, path: str | None, parts_wanted: int) -> list[str | None]:
        if path is None:
            parts: list[str] = []
        else:
            if not isinstance(path, str):
                raise ValueError(f"path must be a string; got {path!r}")
            parts = [p for p in path.replace(":", "/").strip("/").split("/") if p]
            if len(parts) == 4 and parts[2] == "runs":
                parts = [parts[0], parts[1], parts[3]]
        if len(parts) > parts_wanted:
            raise ValueError(f"bad path {path!r}: expected at most {parts_wanted} parts "
                             "separated by '/'")
        return [None] * (parts_wanted - len(parts)) + list(parts)

    def projects(self, entity: str | None = None) -> list[Project]:
        """Every project (of ``entity``), most recently active first."""
        return [Project(p) for p in self.store.list_projects()
                if entity is None or p.entity == entity]

    def project(self, name: str, entity: str | None = None) -> Project:
        found = [p for p in self.projects(entity) if p.name == name]
        if not found:
            raise NotFoundError(f"no project {name!r} in {self.settings.root}")
        if len(found) > 1:
            options = ", ".join(f"{p.entity}/{p.name}" for p in found)
            raise NotFoundError(f"project {name!r} is in several entities ({options}); give "
                                "entity=")
        return found[0]

    def runs(self, path: str | None = None, filters: Mapping[str, Any] | None = None,
             order: str | Sequence[str] | None = "-created_at", per_page: int = 50) -> Runs:
        """Runs of ``entity/project`` (or ``project``, in any entity; ``None``: every
        project), filtered and ordered as described in ``cairn/store/filters.py``."""
        entity, project = self._split(path, 2)
        return Runs(self, entity, project, filters=filters, order=order, per_page=per_page)

    def run(self, path: str) -> Run:
        """``entity/project/run_id``, ``project/run_id`` or a bare ``run_id``."""
        entity, project, run_id = self._split(path, 3)
        if run_id is None:
            raise ValueError("run() needs a path: entity/project/run_id")
        if entity is not None and project is not None:
            row = self.store.get_run(RunRef(entity, project, run_id))
            rows = [row] if row is not None else []
        else:
            rows = self.store.find_runs(run_id, project)
        if not rows:
            raise NotFoundError(f"no run {path!r} in {self.settings.root}")
        if len(rows) > 1:
            options = ", ".join(sorted(r.ref.path for r in rows))
            raise NotFoundError(f"run id {run_id!r} is ambiguous ({options}); give "
                                "entity/project/run_id")
        return Run(self, rows[0])

    def reports(self, path: str) -> list[Report]:
        """The reports of ``entity/project`` (the last changed first), without their
        bodies: ``report()`` reads one whole."""
        entity, project = self._split(path, 2)
        if entity is None or project is None:
            raise ValueError("reports() needs a path: entity/project")
        return self.store.reports(entity, project)

    def report(self, path: str) -> Report:
        """``entity/project/report_id``: the report with its body (``{"blocks": [...]}``,
        Markdown and panel blocks, as docs/api.md describes)."""
        entity, project, report_id = self._split(path, 3)
        if entity is None or project is None or report_id is None or not (
                report_id.isascii() and report_id.isdigit()):
            raise ValueError(f"report() needs a path entity/project/report_id; got {path!r}")
        return self.store.report(entity, project, int(report_id))

    def sweep(self, path: str) -> Sweep:
        """``entity/project/sweep_id``, ``project/sweep_id`` or a bare sweep id."""
        from cairn.api.sweeps import Sweep
        from cairn.sweeps.controller import find_sweep

        entity, project, sweep_id = self._split(path, 3)
        if sweep_id is None:
            raise ValueError("sweep() needs a path: entity/project/sweep_id")
        return Sweep(self, find_sweep(self.store, sweep_id, entity, project))

    def _with_media(self, rows: Iterator[dict[str, Any]] | list[dict[str, Any]],
                    infos: Sequence[SeriesInfo], wanted: Sequence[str],
                    ) -> Iterator[dict[str, Any]]:
        """Rows whose media references (under keys that hold objects) are MediaFiles."""
        object_keys = {i.key for i in infos if i.kind == "o"} & set(wanted)
        if not object_keys:
            return iter(rows)
        from cairn.sdk.media.stored import with_media

        return with_media(rows, object_keys, lambda: self.blobs)

    # ---- artifacts (api/artifacts.py) --------------------------------------------------
    # ---- what a run reads back (sdk/reader.py) ----------------------------------------
    def stored_artifact(self, entity: str, project: str, name: str,
                        selector: str) -> Artifact:
        from cairn.api.artifacts import artifact_from_path

        return artifact_from_path(self, entity, project, name, selector)

    def mark_stored(self, artifact: Artifact, row: ArtifactVersionRow) -> None:
        from cairn.api.artifacts import mark_stored

        mark_stored(self, artifact, row)

    def artifact(self, name: str, type: str | None = None) -> Artifact:
        """A stored version: ``entity/project/name:alias`` (or ``:v3``, or a digest)."""
        from cairn.api.artifacts import api_artifact

        return api_artifact(self, name, type)

    def artifact_versions(self, type_name: str | None, name: str,
                          per_page: int = 50) -> list[Artifact]:
        """Every version of ``entity/project/name``, oldest first."""
        from cairn.api.artifacts import api_artifact_versions

        return api_artifact_versions(self, type_name, name)

    def artifacts(self, type_name: str | None, name: str, per_page: int = 50
                  ) -> list[Artifact]:
        return self.artifact_versions(type_name, name)

    def close(self) -> None:
        if self._backend is not None and self._owns_backend:
            self._backend.close()
            self._backend = None


__all__ = ["Api", "Project", "Run", "Runs"]
