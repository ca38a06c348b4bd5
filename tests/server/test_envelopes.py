"""Chart envelopes for many runs and keys, on any x axis, with zoom and limits."""

from __future__ import annotations

import json
import math
import struct
import threading
from typing import Any

import httpx
import numpy as np
import pytest
from tests.server.conftest import JSON, ApiClient, Logged, LogRun, assert_error

import cairn
from cairn.server.context import EncodedCache
from cairn.server.envelopes import PACKED
from cairn.server.xaxis import FullX

ARRAYS = ("x", "x_last", "min", "max", "mean", "last", "count", "step_first", "step_last")


def _envelopes(api: ApiClient, run: Logged, **body: Any) -> dict[str, Any]:
    response = api.post(f"/api/v1/projects/{run.entity}/{run.project}/envelopes", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_raw_points_when_few(api: ApiClient, log_run: LogRun) -> None:
    run = log_run(steps=10)
    answer = _envelopes(api, run, runs=[run.id], keys=["spiky", "acc"], buckets=800)
    assert answer["x"] == "_step"
    spiky, acc = answer["series"]
    assert (spiky["run"], spiky["key"], spiky["kind"], spiky["total_points"]) == (
        run.id, "spiky", "f", 10)
    assert spiky["x"] == spiky["step_first"] == list(range(10))
    assert spiky["min"][:5] == [0, 1, None, "Infinity", "-Infinity"]
    assert spiky["min"] == spiky["max"] == spiky["last"]
    assert spiky["count"] == [1] * 10
    assert spiky["mean"][2] is None  # no finite point in the bucket
    assert acc["kind"] == "i"
    assert acc["last"] == list(range(10))


def test_buckets_keep_every_spike(api: ApiClient) -> None:
    run = cairn.init(project="proj")
    for step in range(5000):
        run.log({"loss": 1000.0 if step == 3333 else 1.0})
    run.finish()
    logged = Logged(run.id, run.entity, "proj", run.name)
    series = _envelopes(api, logged, runs=[run.id], keys=["loss"], buckets=10)["series"][0]
    assert len(series["min"]) == 10
    assert sum(series["count"]) == 5000
    assert max(series["max"]) == 1000.0
    assert min(series["min"]) == 1.0
    assert series["step_first"][0] == 0
    assert series["step_last"][-1] == 4999
    assert all(a <= b for a, b in zip(series["x"], series["x_last"], strict=True))


def test_zoom_in_steps(api: ApiClient, log_run: LogRun) -> None:
    run = log_run(steps=20)
    series = _envelopes(api, run, runs=[run.id], keys=["loss"], buckets=100, min=4.5,
                        max=7)["series"][0]
    assert series["step_first"] == [5, 6, 7]
    nothing = _envelopes(api, run, runs=[run.id], keys=["loss"], min=4.2,
                         max=4.8)["series"][0]
    assert all(nothing[a] == [] for a in ARRAYS)
    after = _envelopes(api, run, runs=[run.id], keys=["loss"], min=1000)["series"][0]
    assert after["x"] == []


def test_x_by_runtime_and_by_a_metric(api: ApiClient) -> None:
    run = cairn.init(project="proj")
    for step in range(100):
        run.log({"loss": float(step), "epoch": step / 10})
    run.finish()
    logged = Logged(run.id, run.entity, "proj", run.name)
    steps, runtime = cairn.Api().run(f"{run.entity}/proj/{run.id}").series("_runtime")
    series = _envelopes(api, logged, runs=[run.id], keys=["loss"], buckets=4,
                        x="_runtime")["series"][0]
    firsts = np.array(series["step_first"])
    assert np.array_equal(np.array(series["x"]), runtime[np.searchsorted(steps, firsts)])
    by_epoch = _envelopes(api, logged, runs=[run.id], keys=["loss"], buckets=100, x="epoch",
                          min=2.05, max=3.0)
    series = by_epoch["series"][0]
    assert by_epoch["x"] == "epoch"
    assert series["step_first"] == list(range(21, 31))
    assert series["x"] == pytest.approx([s / 10 for s in range(21, 31)])
    missing_x = _envelopes(api, logged, runs=[run.id], keys=["loss"], x="nope")["series"][0]
    assert missing_x["x"] == []
    assert missing_x["total_points"] == 100


def test_x_series_mapping() -> None:
    xs = FullX(np.array([0, 2, 4, 6], dtype=np.int64), np.array([0.0, 1.0, 3.0, np.nan]))
    assert xs.at(np.array([0, 1, 2, 3, 4, 5], dtype=np.int64)).tolist() == [
        0.0, 0.5, 1.0, 2.0, 3.0, 3.0]
    assert xs.step_range(0.5, 2.0) == (2, 2)
    assert xs.step_range(None, None) == (0, 4)
    assert xs.step_range(3.5, None) is None


def test_missing_runs_and_keys_give_empty_entries(api: ApiClient, log_run: LogRun) -> None:
    run = log_run()
    series = _envelopes(api, run, runs=["nope", run.id], keys=["loss", "nothing"])["series"]
    assert [(s["run"], s["key"]) for s in series] == [
        ("nope", "loss"), ("nope", "nothing"), (run.id, "loss"), (run.id, "nothing")]
    for entry in (series[0], series[1], series[3]):
        assert all(entry[a] == [] for a in ARRAYS)
        assert entry["total_points"] == 0
    assert len(series[2]["x"]) == 10
    assert _envelopes(api, run, runs=[], keys=["loss"])["series"] == []


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"runs": ["a"], "keys": ["k"], "buckets": 0}, 400, "bad_request"),
    ({"runs": ["a"], "keys": ["k"], "buckets": 10001}, 400, "bad_request"),
    ({"runs": ["a"], "keys": ["k"], "buckets": 10.5}, 400, "bad_request"),
    ({"runs": ["a"], "keys": ["k"], "buckets": "800"}, 400, "bad_request"),
    ({"runs": ["a"], "keys": ["k"], "buckets": True}, 400, "bad_request"),
    ({"runs": [f"r{i}" for i in range(201)], "keys": ["k"]}, 400, "bad_request"),
    ({"runs": ["a"], "keys": [f"k{i}" for i in range(51)]}, 400, "bad_request"),
    ({"runs": "a", "keys": ["k"]}, 400, "bad_request"),
    ({"runs": ["a"], "keys": [1]}, 400, "bad_request"),
    ({"runs": ["a"], "keys": ["k"], "x": 5}, 400, "bad_request"),
    ({"runs": ["a"], "keys": ["k"], "min": 5, "max": 4}, 400, "bad_request"),
    ({"runs": ["a"], "keys": ["k"], "min": -1}, 400, "bad_request"),
    ({"runs": ["a"], "keys": ["k"], "min": "0"}, 400, "bad_request"),
    ({"runs": ["a"], "keys": ["k"], "max": 10**400}, 400, "bad_request"),
    ({"runs": ["a"], "keys": ["k"], "bucket": 5}, 400, "bad_request"),
    ({"runs": [f"r{i}" for i in range(200)], "keys": [f"k{i}" for i in range(50)],
      "buckets": 10000}, 400, "bad_request"),
])
def test_bad_requests(api: ApiClient, log_run: LogRun, body: dict[str, Any], status: int,
                      code: str) -> None:
    run = log_run()
    response = api.post(f"/api/v1/projects/{run.entity}/proj/envelopes", json=body)
    assert_error(response, status, code)


def test_bodies_that_are_no_json_object_or_too_big(api: ApiClient, log_run: LogRun) -> None:
    run = log_run()
    url = f"/api/v1/projects/{run.entity}/proj/envelopes"
    for raw in (b"", b"[]", b"{", b"null", b"[" * 100_000 + b"]" * 100_000):
        assert_error(api.post(url, content=raw, headers=JSON), 400, "bad_request")
    huge = b'{"runs": ["' + b"a" * (1 << 20) + b'"]}'
    assert_error(api.post(url, content=huge, headers=JSON), 413, "payload_too_large")

    async def chunks() -> Any:  # no Content-Length: counted as it arrives
        for _ in range(20):
            yield b" " * 65536

    assert_error(api.post(url, content=chunks(), headers=JSON), 413, "payload_too_large")
    assert_error(api.post(f"/api/v1/projects/{run.entity}/nope/envelopes",
                          json={"runs": [], "keys": []}), 404, "not_found")


class _Counting:
    def __init__(self, store: Any) -> None:
        self.store = store
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        return getattr(self.store, name)


def test_unchanged_runs_are_answered_from_the_cache(make_app: Any) -> None:
    run = cairn.init(project="proj")
    run.log({"loss": 1.0})
    run.finish()
    app = make_app()
    counting = _Counting(app.state.cairn.store)
    app.state.cairn.store = counting
    api = ApiClient(app)
    logged = Logged(run.id, run.entity, "proj", run.name)
    body = {"runs": [run.id], "keys": ["loss"], "buckets": 10}
    first = api.post(f"/api/v1/projects/{run.entity}/proj/envelopes", json=body)
    assert counting.calls.count("read_envelopes") == 1
    again = api.post(f"/api/v1/projects/{run.entity}/proj/envelopes", json=body)
    assert again.content == first.content
    assert counting.calls.count("read_envelopes") == 1
    other = _envelopes(api, logged, **{**body, "buckets": 11})
    assert counting.calls.count("read_envelopes") == 2
    assert other["series"][0]["last"] == [1.0]
    resumed = cairn.init(project="proj", id=run.id, resume="must")
    resumed.log({"loss": 0.5})
    resumed.finish()
    series = _envelopes(api, logged, **body)["series"][0]
    assert series["last"] == [1.0, 0.5]
    assert counting.calls.count("read_envelopes") == 3


def test_answers_asked_for_once_do_not_push_out_those_asked_for_again() -> None:
    """The cache of encoded answers: random zooms (each asked for once) go through
    probation, while the answers viewers keep asking for stay, within the budget."""
    cache = EncodedCache(1000)
    kept = [(f"whole {i}", bytes([i]) * 100) for i in range(7)]
    for key, value in kept:
        cache.put(key, value)
        assert cache.get(key) == value  # asked for again: protected
    for i in range(50):
        cache.put(f"zoom {i}", b"z" * 60)
        assert cache.nbytes <= 1000
    assert all(cache.get(key) == value for key, value in kept)
    assert cache.get("zoom 49") == b"z" * 60  # the latest zoom is still there
    assert cache.get("zoom 0") is None
    # More protected answers than their part holds: the oldest go back to probation, and
    # out from there; the total stays within the budget.
    for i in range(20):
        cache.put(f"more {i}", b"m" * 100)
        assert cache.get(f"more {i}") == b"m" * 100
        assert cache.nbytes <= 1000
    assert cache.get("whole 0") is None
    assert cache.get("more 19") == b"m" * 100
    cache.put("too big", b"x" * 300)  # over the probation part
    assert cache.get("too big") is None
    cache.put("more 19", b"new")  # a new value replaces the old one
    assert cache.get("more 19") == b"new"


def test_a_chart_of_many_runs_and_keys_is_one_store_read(make_app: Any) -> None:
    """No store call per run or per key: a network store answers in a few round trips."""
    ids = []
    for i in range(6):
        run = cairn.init(project="proj")
        run.log({"loss": 1.0 + i, "acc": 0.5, "lr": 0.1})
        run.log({"loss": 0.5 + i, "acc": 0.7, "lr": 0.1})
        run.finish()
        ids.append(run.id)
    app = make_app()
    counting = _Counting(app.state.cairn.store)
    app.state.cairn.store = counting
    api = ApiClient(app)
    body = {"runs": [*ids, "nope"], "keys": ["loss", "acc", "lr", "none"], "buckets": 10}
    answer = api.post(f"/api/v1/projects/{run.entity}/proj/envelopes", json=body).json()
    assert counting.calls == ["get_project", "run_versions", "read_envelopes"]
    by_run = {(s["run"], s["key"]): s for s in answer["series"]}
    assert len(answer["series"]) == 7 * 4
    assert [by_run[(i, "loss")]["last"] for i in ids] == [[1.0 + i, 0.5 + i]
                                                         for i in range(6)]
    assert by_run[("nope", "loss")]["last"] == []
    assert by_run[(ids[0], "none")]["total_points"] == 0


# ---- the packed answer ---------------------------------------------------------------

def _unpack(blob: bytes) -> dict[str, Any]:
    """The packed answer (docs/api.md, Packed envelopes) read as JSON's shape."""
    magic, version, size = struct.unpack_from("<4sII", blob)
    assert (magic, version) == (b"CENV", 1)
    start = 12 + size
    assert start % 8 == 0  # the arrays start 8-aligned
    header = json.loads(blob[12:start])
    fields = header["fields"]
    data = np.frombuffer(blob, "<f8", offset=start)
    series, at = [], 0
    for head in header["series"]:
        n = head.pop("n")
        entry = dict(head)
        for field in fields:
            entry[field] = data[at:at + n]
            at += n
        series.append(entry)
    assert at == data.size
    return {"x": header["x"], "fields": fields, "series": series}


def _wire(values: list[Any]) -> np.ndarray:
    table = {None: math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
    return np.array([table.get(v, v) if not isinstance(v, float | int) else v
                     for v in values], dtype=np.float64)


@pytest.mark.parametrize("x", ["_step", "_runtime"])
def test_the_packed_answer_holds_the_json_values(api: ApiClient, log_run: LogRun,
                                                 x: str) -> None:
    run = log_run(steps=40)
    url = f"/api/v1/projects/{run.entity}/{run.project}/envelopes"
    body = {"runs": [run.id, "nope"], "keys": ["spiky", "loss", "none"], "buckets": 7, "x": x}
    for _ in range(2):  # computed, then from the cache
        packed = api.post(url, json=body, headers={"Accept": PACKED})
        assert packed.status_code == 200, packed.text
        assert packed.headers["content-type"] == PACKED
        assert "Accept" in packed.headers["vary"]
        plain = api.post(url, json=body).json()
        got = _unpack(packed.content)
        assert got["x"] == plain["x"] == x
        assert got["fields"] == ["x", "x_last", "min", "max", "mean", "last", "count",
                                 "step_last"]
        assert len(got["series"]) == len(plain["series"]) == 6
        for mine, theirs in zip(got["series"], plain["series"], strict=True):
            for meta in ("run", "key", "kind", "total_points"):
                assert mine[meta] == theirs[meta]
            for field in got["fields"]:
                assert np.array_equal(mine[field], _wire(theirs[field]), equal_nan=True), field
    spiky = _unpack(api.post(url, json={**body, "buckets": 100},
                             headers={"Accept": PACKED}).content)["series"][0]
    assert np.isinf(spiky["min"]).any()
    assert np.isnan(spiky["min"]).any()


def test_big_answers_are_gzipped_off_loopback(make_app: Any, log_run: LogRun) -> None:
    run = log_run(steps=3000)
    url = f"/api/v1/projects/{run.entity}/{run.project}/envelopes"
    body = {"runs": [run.id], "keys": ["spiky", "loss", "acc"], "buckets": 3000}
    app = make_app()
    remote = ApiClient(app, client=("192.0.2.7", 5000))
    local = ApiClient(app)
    for headers in ({"Accept-Encoding": "gzip"}, {"Accept-Encoding": "gzip", "Accept": PACKED}):
        far = remote.post(url, json=body, headers=headers)
        near = local.post(url, json=body, headers=headers)
        assert far.status_code == near.status_code == 200
        assert far.headers["content-encoding"] == "gzip"
        assert int(far.headers["content-length"]) < len(near.content)
        assert "content-encoding" not in near.headers  # loopback: not worth the time
        assert far.content == near.content  # httpx inflates it
    small = remote.post(url, json={**body, "buckets": 3}, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    plain = remote.post(url, json=body, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers


class _HeldEnvelopes:
    """The store, except that chart reads wait for ``release`` once ``hold`` is set."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.hold = threading.Event()
        self.release = threading.Event()
        self.waiting = threading.Semaphore(0)

    def run_versions(self, *args: Any, **kwargs: Any) -> Any:
        if self.hold.is_set():
            self.waiting.release()
            self.release.wait(30)
        return self.store.run_versions(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_chart_reads_queue_in_their_own_lane(live_server: Any, log_run: LogRun) -> None:
    """With the chart lane full, another chart read waits (and meets the time limit
    there), while the runs table and other reads still answer."""
    run = log_run(steps=20)
    server = live_server(chart_threads=1, query_time_limit=3.0)
    held = _HeldEnvelopes(server.context.store)
    server.context.store = held
    url = f"{server.url}/api/v1/projects/{run.entity}/{run.project}"
    body = {"runs": [run.id], "keys": ["loss"], "buckets": 10}
    held.hold.set()
    answers: list[httpx.Response] = []
    first = threading.Thread(target=lambda: answers.append(
        httpx.post(f"{url}/envelopes", json=body, timeout=30)))
    first.start()
    assert held.waiting.acquire(timeout=10)  # the lane's one thread is busy
    held.hold.clear()
    queued = httpx.post(f"{url}/envelopes", json=body, timeout=30)
    # It waited for the lane past the 3 s limit: a 503, not a wait without end.
    assert_error(queued, 503, "query_timeout")
    assert httpx.get(f"{url}/runs", timeout=10).status_code == 200
    assert httpx.get(f"{server.url}/api/v1/runs/{run.entity}/{run.project}/{run.id}",
                     timeout=10).status_code == 200
    held.release.set()
    first.join(30)
    assert [a.status_code for a in answers] == [503]  # held past its own limit too
    assert httpx.post(f"{url}/envelopes", json=body, timeout=30).json()["series"][0]["count"]
