"""Store fixtures: one store per backend, and records as one session of a run writes them.

PostgreSQL runs as one throwaway server for the whole test session (started by the first
test that needs it); each store gets its own schema on it.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cairn.records import Record, RunRef
from cairn.sdk.batch import build_batch
from cairn.store.base import MetadataStore
from cairn.store.sqlite import SqliteStore
from cairn.testing_postgres import TemporaryPostgres, postgres_bin

BACKENDS = ["sqlite", "postgresql"]
START = 1_700_000_000.0
_servers: list[TemporaryPostgres] = []


def postgres_server() -> TemporaryPostgres:
    """The session's PostgreSQL server, started on first use."""
    if not _servers:
        if postgres_bin() is None:
            pytest.skip("PostgreSQL server binaries are not installed")
        _servers.append(TemporaryPostgres().start())
    return _servers[0]


@pytest.fixture(scope="session")
def postgres() -> TemporaryPostgres:
    """The session's PostgreSQL server (skips the test where PostgreSQL is missing)."""
    return postgres_server()


@pytest.fixture(scope="session", autouse=True)
def _stop_postgres() -> Iterator[None]:
    yield
    while _servers:
        _servers.pop().stop()


@contextlib.contextmanager
def open_backend(name: str, folder: Path) -> Iterator[MetadataStore]:
    """A new empty store of a backend, closed (and on PostgreSQL dropped) on exit."""
    if name == "sqlite":
        opened: MetadataStore = SqliteStore(folder / "cairn.db")
        try:
            yield opened
        finally:
            opened.close()
        return
    if name != "postgresql":
        raise AssertionError(name)
    from cairn.store.postgres import PostgresStore

    server = postgres_server()
    schema = server.new_schema()
    try:
        opened = PostgresStore(server.uri(schema=schema), pool_size=4)
        try:
            yield opened
        finally:
            opened.close()
    finally:
        server.drop_schema(schema)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The name of each store backend in turn."""
    return str(request.param)


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[MetadataStore]:
    with open_backend(backend, tmp_path) as opened:
        yield opened


@contextlib.contextmanager
def _fresh_store(backend: str = "sqlite") -> Iterator[MetadataStore]:
    with tempfile.TemporaryDirectory() as folder, open_backend(backend, Path(folder)) as opened:
        yield opened


@pytest.fixture(scope="session")
def fresh_store() -> Callable[..., contextlib.AbstractContextManager[MetadataStore]]:
    """A context manager giving a new empty store (for Hypothesis tests)."""
    return _fresh_store


class Writer:
    """Makes the records one session of a run writes, numbered in order."""

    def __init__(self, ref: RunRef, session: str = "s1", start: float = START) -> None:
        self.ref = ref
        self.session = session
        self.start = start
        self.seq = 0
        self.clock = start

    def _record(self, kind: str, body: dict[str, Any]) -> Record:
        self.seq += 1
        self.clock += 1.0
        return Record(self.ref, self.session, self.seq, kind, body)

    def run(self, **fields: Any) -> Record:
        body = {"name": self.ref.run_id, "notes": "", "tags": [], "group": None,
                "job_type": None, "start_time": self.start, "host": "elsewhere", "pid": 1,
                "mode": "local", "resumed": False, "starting_step": 0, "at": self.start}
        body.update(fields)
        return self._record("run", body)

    def config(self, config: dict[str, Any]) -> Record:
        return self._record("config", {"config": config})

    def history(self, rows: list[tuple[int, dict[str, Any]]]) -> Record:
        """Rows ``(step, data)`` as the SDK batches them (``_timestamp``/``_runtime`` too)."""
        batch = build_batch([(step, self.start + step, data) for step, data in rows],
                            self.start, 0.0)
        body = batch.to_body()
        body["at"] = self.clock
        return self._record("history", body)

    def points(self, key: str, steps: Any, values: Any, kind: str = "f") -> Record:
        """One numeric column, straight from arrays (for long series)."""
        s = np.asarray(steps, dtype="<i8")
        v = np.asarray(values, dtype="<f8")
        body = {"num": {key: [s.tobytes(), v.tobytes(), kind]}, "obj": {},
                "last_step": int(s[-1]) if s.size else -1, "rows": int(s.size),
                "at": self.clock}
        return self._record("history", body)

    def summary(self, values: dict[str, Any] | None = None, delete: list[str] | None = None,
                ) -> Record:
        return self._record("summary", {"set": values or {}, "del": delete or []})

    def metric(self, name: str, **spec: Any) -> Record:
        body = {"name": name, "step_metric": None, "step_sync": False, "hidden": False,
                "summary": [], "goal": None}
        body.update(spec)
        return self._record("metric", body)

    def meta(self, **fields: Any) -> Record:
        return self._record("meta", fields)

    def heartbeat(self, at: float | None = None) -> Record:
        return self._record("heartbeat", {"at": self.clock if at is None else at})

    def preempting(self) -> Record:
        return self._record("preempting", {"at": self.clock})

    def finish(self, exit_code: int = 0, at: float | None = None) -> Record:
        return self._record("finish", {"exit_code": exit_code,
                                       "state": "failed" if exit_code else "finished",
                                       "at": self.clock if at is None else at})


@pytest.fixture(scope="session")
def writer() -> type[Writer]:
    """The :class:`Writer` class: ``writer(RunRef(...), session="s1")``."""
    return Writer


def _bits(values: np.ndarray) -> list[int]:
    return values.astype("<f8").view("<u8").tolist()


def take_snapshot(store: MetadataStore) -> str:
    """Everything a reader can see in a store, as comparable text (apply times left out)."""
    runs = []
    for row in store.query_runs(None, None, order=["id"]):
        full = store.get_run(row.ref, with_state=True)
        assert full is not None
        fields = {k: v for k, v in vars(full).items() if k not in ("pk", "updated_at")}
        series = {}
        for info in store.list_series(full.pk):
            if info.kind == "o":
                continue
            steps, values, kind = store.read_series(full.pk, info.key)
            series[info.key] = [steps.tolist(), _bits(values), kind]
        runs.append({"run": fields, "series_info": store.list_series(full.pk),
                     "series": series, "objects": store.read_objects(full.pk)})
    projects = [(p.entity, p.name, p.run_count) for p in store.list_projects()]
    return json.dumps({"projects": sorted(projects), "runs": runs}, sort_keys=True,
                      default=repr)


@pytest.fixture(scope="session")
def snapshot() -> Callable[[MetadataStore], str]:
    return take_snapshot
