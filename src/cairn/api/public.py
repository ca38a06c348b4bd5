"""``cairn.Api``: read (and lightly edit) runs in a store, like wandb's public API.

    api = cairn.Api()                       # the cairn folder of CAIRN_DIR or ./cairn
    for run in api.runs("me/mnist", filters={"config.lr": {"$lt": 0.01}}, order="-summary.acc"):
        print(run.name, run.summary["acc"])
    df = api.run("me/mnist/3n974dn0").history(keys=["loss"])
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any


from cairn.errors import NotFoundError
from cairn.records import Record, RunRef
from cairn.settings import Settings, load_settings
from cairn.store.base import MetadataStore, ProjectRow, RunRow, SeriesInfo
from cairn.store.codec import Envelope, Float64s, Int64s


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.UTC).replace(tzinfo=None).isoformat(
        timespec="seconds")


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping) and value and not _is_summary_leaf(value):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _is_summary_leaf(value: Mapping[str, Any]) -> bool:
    """A define_metric summary ({"min": .., "max": ..}) is one value, not a subtree."""
    return bool(value) and set(value) <= {"min", "max", "mean", "first", "last", "best"}


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
    """A stored run. Attributes mirror wandb's ``wandb.apis.public.Run``."""

    def __init__(self, api: Api, row: RunRow) -> None:
        self._api = api
        self._row = row
        self.id = row.ref.run_id
        self.entity = row.ref.entity
        self.project = row.ref.project
        self.name = row.name
        self.notes = row.notes
        self.tags = list(row.tags)
        self.group = row.group
        self.job_type = row.job_type
        self.config: dict[str, Any] = row.config
        self.summary: dict[str, Any] = dict(row.summary)
        self._summary_flat = _flatten(row.summary)

    # ---- attributes --------------------------------------------------------------------
    @property
    def path(self) -> list[str]:
        return [self.entity, self.project, self.id]

    @property
    def display_name(self) -> str:
        return self.name

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
    def lastHistoryStep(self) -> int:  # noqa: N802  (wandb's name)
        return self._row.last_step

    @property
    def metadata(self) -> dict[str, Any]:
        return {**self._row.meta, "host": self._row.host, "pid": self._row.pid}

    @property
    def url(self) -> str:
        base = self._api.settings.ui_url.rstrip("/")
        return f"{base}/{self.entity}/{self.project}/runs/{self.id}"

    def __repr__(self) -> str:
        return f"<Run {'/'.join(self.path)} ({self.state})>"

    # ---- history -----------------------------------------------------------------------
    def series_info(self) -> list[SeriesInfo]:
        """Every history key with its kind, point count and step range."""
        return self._api.store.list_series(self._row.pk)

    def _keys(self, keys: Sequence[str] | None) -> list[str]:
        if keys is None:
            return [s.key for s in self.series_info()]
        if isinstance(keys, str):
            raise ValueError("keys must be a list of metric names, not one string")
        return list(keys)

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
        """Every history row (with ``_step``); with ``keys``, the rows that have them all."""
        from cairn.api.history import scan_rows

        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        wanted = self._keys(keys)
        return scan_rows(self._api.store, self._row.pk, wanted, 0, self._row.last_step,
                         min_step, max_step, require_all=keys is not None)

    def history(self, samples: int = 500, keys: Sequence[str] | None = None,
                x_axis: str = "_step", pandas: bool = True, stream: str = "default") -> Any:
        """A sample of at most about ``samples`` rows that keeps every metric's min and
        max per interval, as a pandas DataFrame (``pandas=False``: a list of dicts)."""
        from cairn.api.history import extreme_steps, rows_in

        if samples < 1:
            raise ValueError("samples must be at least 1")
        wanted = self._keys(keys)
        if x_axis != "_step" and x_axis not in wanted:
            wanted.append(x_axis)
        store = self._api.store
        chosen: set[int] = set()
        per_key = max(1, samples // (2 * max(1, len(wanted))))
        for key in wanted:
            steps, values, _ = store.read_series(self._row.pk, key)
            if steps.size:
                chosen.update(extreme_steps(steps, values, per_key).tolist())
            objects = store.read_objects(self._row.pk, [key])
            for step, _ in objects.get(key, [])[:: max(1, len(objects.get(key, [])) // samples)]:
                chosen.add(step)
        rows = [] if not chosen else rows_in(store, self._row.pk, wanted, min(chosen),
                                             max(chosen), require_all=keys is not None)
        rows = [r for r in rows if r["_step"] in chosen]
        if not pandas:
            return rows
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("history(pandas=True) needs pandas: pip install "
                              "'cairn[pandas]', or pass pandas=False") from exc
        return pd.DataFrame.from_records(rows, columns=["_step", *wanted] if rows else None)

    # ---- edits -------------------------------------------------------------------------
    def update(self) -> None:
        """Save changes to name, notes, tags, group, job_type and summary."""
        meta = {"name": self.name, "notes": self.notes, "tags": [str(t) for t in self.tags],
                "group": self.group, "job_type": self.job_type}
        flat = _flatten(self.summary)
        changed = {k: v for k, v in flat.items() if self._summary_flat.get(k, _MISSING) != v}
        deleted = [k for k in self._summary_flat if k not in flat]
        session = f"api-{uuid.uuid4().hex[:12]}"
        records = [Record(self._row.ref, session, 1, "meta", meta)]
        if changed or deleted:
            records.append(Record(self._row.ref, session, 2, "summary",
                                  {"set": changed, "del": deleted}))
        self._api.store.apply_records(records)
        self._summary_flat = flat
        fresh = self._api.store.get_run(self._row.ref)
        if fresh is not None:
            self._row = fresh
            self.summary = dict(fresh.summary)

    def delete(self) -> None:
        """Delete the run and its history from the store (its WAL files stay on disk)."""
        self._api.store.delete_run(self._row.ref)


_MISSING = object()


class Runs(Sequence[Run]):
    """A lazily paged, filtered and ordered list of runs."""

    def __init__(self, api: Api, entity: str | None, project: str | None,
                 filters: Mapping[str, Any] | None, order: Any, per_page: int) -> None:
        if per_page < 1:
            raise ValueError("per_page must be at least 1")
        self._api = api
        self._args = (entity, project, filters, order)
        self._per_page = per_page
        self._pages: dict[int, list[Run]] = {}
        self._length: int | None = None
        # Compile now, so a bad filter fails here and not on first iteration.
        from cairn.store.query import compile_filters, compile_order

        compile_filters(filters)
        compile_order(order)

    def __len__(self) -> int:
        if self._length is None:
            entity, project, filters, _ = self._args
            self._length = self._api.store.count_runs(entity, project, filters)
        return self._length

    def _page(self, number: int) -> list[Run]:
        page = self._pages.get(number)
        if page is None:
            entity, project, filters, order = self._args
            rows = self._api.store.query_runs(entity, project, filters, order,
                                              limit=self._per_page,
                                              offset=number * self._per_page)
            page = self._pages[number] = [Run(self._api, r) for r in rows]
        return page

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("run index out of range")
        return self._page(index // self._per_page)[index % self._per_page]

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
        return f"<Runs {entity}/{project} ({len(self)})>"


class Api:
    """Reads a cairn store: ``Api(root=...)`` or the folder from settings (``CAIRN_DIR``)."""

    def __init__(self, root: str | Path | None = None,
                 overrides: Mapping[str, Any] | None = None, timeout: int | None = None,
                 api_key: str | None = None) -> None:
        values = dict(overrides or {})
        if root is not None:
            values["root"] = root
        self.settings: Settings = load_settings(values)
        self._store: MetadataStore | None = None

    @property
    def store(self) -> MetadataStore:
        if self._store is None:
            from cairn.store.registry import open_store

            if not self.settings.db_path.exists():
                raise NotFoundError(f"no cairn store at {self.settings.root} (nothing has been "
                                    "logged there yet; set root= or CAIRN_DIR)")
            self._store = open_store(self.settings.root,
                                     heartbeat_timeout=self.settings.heartbeat_timeout)
        return self._store

    @property
    def default_entity(self) -> str:
        return self.settings.default_entity()

    def _split(self, path: str | None, parts_wanted: int) -> list[str | None]:
        if path is None:
            parts: list[str | None] = []
        else:
            if not isinstance(path, str):
                raise ValueError(f"path must be a string; got {path!r}")
            parts = [p for p in path.replace(":", "/").strip("/").split("/") if p] or []
            if "runs" in parts and len(parts) == 4 and parts[2] == "runs":
                parts = [parts[0], parts[1], parts[3]]
        if len(parts) > parts_wanted:
            raise ValueError(f"bad path {path!r}: expected at most {parts_wanted} parts "
                             "separated by '/'")
        return [None] * (parts_wanted - len(parts)) + list(parts)

    def projects(self, entity: str | None = None) -> list[Project]:
        return [Project(p) for p in self.store.list_projects()
                if entity is None or p.entity == entity]

    def runs(self, path: str | None = None, filters: Mapping[str, Any] | None = None,
             order: str | Sequence[str] | None = "-created_at", per_page: int = 50) -> Runs:
        """Runs of ``entity/project`` (or ``project``; ``None``: every project)."""
        entity, project = self._split(path, 2)
        return Runs(self, entity, project, filters, order, per_page)

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
            options = ", ".join(r.ref.path for r in rows)
            raise NotFoundError(f"run id {run_id!r} is ambiguous ({options}); give "
                                "entity/project/run_id")
        return Run(self, rows[0])

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


__all__ = ["Api", "Project", "Run", "Runs"]
