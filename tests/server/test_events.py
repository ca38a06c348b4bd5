"""The event stream: run changes, only the new points of followed series, reset past the
limit, runs that die; over a real uvicorn, a live run's point arrives, and the stream ends
when the client leaves or the server stops."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from tests.server.conftest import LiveServer, LogRun

import cairn
from cairn.records import Record, RunRef
from cairn.server import events
from cairn.server.events import Event, ProjectWatch, values_at
from cairn.store.sqlite import SqliteStore


def _watch(store: SqliteStore, entity: str, follow: tuple[str, ...] = (),
           keys: tuple[str, ...] = ("loss",), since: float | None = None) -> ProjectWatch:
    watch = ProjectWatch(store, entity, "proj", list(follow), list(keys))
    project = store.get_project(entity, "proj")
    watch.start(since, project.last_activity if project else 0.0)
    return watch


def _poll_until(watch: ProjectWatch, want: Callable[[list[Event]], bool],
                timeout: float = 10.0) -> list[Event]:
    seen: list[Event] = []
    deadline = time.monotonic() + timeout
    while not want(seen):
        assert time.monotonic() < deadline, f"no such events in {seen}"
        seen += watch.poll()
        time.sleep(0.05)
    return seen


def test_new_and_changed_runs(store: SqliteStore, log_run: LogRun) -> None:
    first = log_run()
    watch = _watch(store, first.entity)
    assert watch.poll() == []
    second = log_run(name="second")
    got = _poll_until(watch, lambda e: any(x.data["id"] == second.id for x in e))
    data = next(e.data for e in got if e.name == "run")
    assert {"id", "state", "last_step", "updated_at", "summary"} <= set(data)
    assert (data["state"], data["last_step"], data["name"]) == ("finished", 9, "second")
    assert watch.poll() == []
    cairn.Api().run(f"{first.entity}/proj/{first.id}").update()
    got = _poll_until(watch, lambda e: any(x.data["id"] == first.id for x in e))
    assert [e.name for e in got] == ["run"]


def test_since_sends_earlier_changes(store: SqliteStore, log_run: LogRun) -> None:
    before = time.time()
    run = log_run()
    watch = _watch(store, run.entity, since=before - 1)
    assert [e.data["id"] for e in watch.poll()] == [run.id]
    assert watch.poll() == []


def test_only_new_points_of_followed_runs(store: SqliteStore) -> None:
    run = cairn.init(project="proj")
    for step in range(3):
        run.log({"loss": float(step), "other": 1})
    _wait_applied(store, run, 2)
    watch = _watch(store, run.entity, follow=(run.id,), keys=("loss", "missing"))
    run.log({"loss": 10.0})
    run.log({"loss": 11.0})
    got = _poll_until(watch, lambda e: any(x.name == "points" and 4 in x.data["steps"]
                                           for x in e))
    points = [e.data for e in got if e.name == "points"]
    steps = [s for p in points for s in p["steps"].tolist()]
    assert steps == [3, 4]
    values = [v for p in points for v in p["values"].tolist()]
    assert values == [10.0, 11.0]
    last = points[-1]
    assert set(last["x"]) == {"_runtime", "_timestamp"}
    assert last["x"]["_timestamp"].size == last["steps"].size
    run.finish()


def test_reset_past_the_limit(store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "MAX_POINTS", 5)
    run = cairn.init(project="proj")
    run.log({"loss": 0.0})
    _wait_applied(store, run, 0)
    watch = _watch(store, run.entity, follow=(run.id,))
    for step in range(1, 21):
        run.log({"loss": float(step)})
    run.finish()
    got = _poll_until(watch, lambda e: any(x.name == "reset" for x in e))
    assert [e.data for e in got if e.name == "reset"] == [{"run": run.id, "key": "loss"}]
    assert not any(e.name == "points" for e in got)
    assert [e for e in watch.poll() if e.name in ("points", "reset")] == []


def test_a_run_that_dies_is_sent_as_crashed(cairn_root: Path) -> None:
    store = SqliteStore(cairn_root / "cairn.db", heartbeat_timeout=1.5)
    try:
        ref = RunRef("me", "proj", "ghost")
        store.apply_records([Record(ref, "s1", 1, "run", {
            "name": "ghost", "start_time": time.time(), "host": "elsewhere", "pid": 1})])
        watch = _watch(store, "me")
        assert store.get_run(ref) is not None
        assert watch.running  # seen as running when the stream started
        got = _poll_until(watch, bool, timeout=10)
        assert [(e.name, e.data["id"], e.data["state"]) for e in got] == [
            ("run", "ghost", "crashed")]
        assert not watch.running
        assert watch.poll() == []
    finally:
        store.close()


def test_values_at_steps() -> None:
    steps = np.array([1, 3, 5], dtype=np.int64)
    values = np.array([10.0, 30.0, 50.0])
    got = values_at(steps, np.array([0, 1, 2, 5, 9], dtype=np.int64), values)
    assert got[1] == 10.0
    assert got[3] == 50.0
    assert np.isnan(got[[0, 2, 4]]).all()
    assert np.isnan(values_at(steps[:0], np.array([1]), values[:0])).all()


def _wait_applied(store: SqliteStore, run: cairn.Run, step: int) -> None:
    deadline = time.monotonic() + 10
    while True:
        row = store.get_run(RunRef(run.entity, run.project, run.id))
        if row is not None and row.last_step >= step:
            return
        assert time.monotonic() < deadline, "the run's points never reached the store"
        time.sleep(0.05)


# ---- over a real server ------------------------------------------------------------------

def _events(response: httpx.Response) -> Iterator[tuple[str, Any]]:
    """``(event, data)`` pairs, and ``("", comment)`` for comment lines."""
    name = ""
    for line in response.iter_lines():
        if line.startswith(":"):
            yield "", line[1:].strip()
        elif line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: "):
            yield name, json.loads(line[len("data: "):])


@pytest.mark.slow
def test_a_live_point_arrives(store: SqliteStore,
                              live_server: Callable[..., LiveServer]) -> None:
    run = cairn.init(project="proj")
    run.log({"loss": 1.0})
    _wait_applied(store, run, 0)
    server = live_server(poll_interval=0.1)
    url = f"{server.url}/api/v1/projects/{run.entity}/proj/events"
    params = {"runs": run.id, "keys": "loss"}
    with httpx.Client(timeout=15) as client, client.stream("GET", url, params=params) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        received = _events(stream)
        assert next(received) == ("", "cairn events")
        run.log({"loss": 0.25})
        for name, data in received:
            if name == "points":
                assert data["steps"] == [1]
                assert data["values"] == [0.25]
                assert data["run"] == run.id
                break
    run.finish()


@pytest.mark.slow
def test_streams_end_when_the_client_leaves_or_the_server_stops(
        log_run: LogRun, live_server: Callable[..., LiveServer]) -> None:
    run = log_run()
    server = live_server(poll_interval=0.1, keepalive_interval=0.2)
    url = f"{server.url}/api/v1/projects/{run.entity}/proj/events"
    with httpx.Client(timeout=15) as client:
        with client.stream("GET", url) as stream:
            received = _events(stream)
            assert next(received) == ("", "cairn events")
            assert next(received) == ("", "keep-alive")
        connections = server.server.server_state.connections
        deadline = time.monotonic() + 5
        while connections:
            assert time.monotonic() < deadline, "the stream outlived its client"
            time.sleep(0.05)
        with client.stream("GET", url) as stream:
            received = _events(stream)
            assert next(received) == ("", "cairn events")
            took = server.stop()
            assert [name for name, _ in received] in ([], [""], ["", ""])
    assert took < 3
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), timeout=1)
