"""``apply_records``: records become store state, once, whatever the order of sessions."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cairn.records import Record, RunRef
from cairn.store import edits
from cairn.store.base import MetadataStore
from cairn.store.codec import CHUNK_POINTS
from cairn.store.sql_store import SqlStore
from cairn.store.sqlite import SqliteStore

REF = RunRef("me", "proj", "run1")
Snapshot = Callable[[MetadataStore], str]


def _pk(store: MetadataStore, ref: RunRef = REF) -> int:
    row = store.get_run(ref)
    assert row is not None
    return row.pk


def _chunk_sizes(store: MetadataStore, key: str) -> list[int]:
    assert isinstance(store, SqlStore)
    rows = store._read("SELECT n FROM chunks JOIN series ON series.id = chunks.series "
                       "WHERE series.key = ? ORDER BY seq", (key,))
    return [n for (n,) in rows]


def test_a_run_from_start_to_finish(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    result = store.apply_records([
        w.run(name="first try", notes="n", tags=["a", "b"], group="g", job_type="train",
              host="box", pid=123),
        w.config({"lr": 0.1, "model": {"layers": 2}}),
        w.history([(0, {"loss": 1.0, "acc": 0}), (1, {"loss": 0.5, "acc": 1})]),
        w.summary({"best": 0.5}),
        w.finish(),
    ])
    assert (result.applied, result.skipped) == (5, 0)
    row = store.get_run(REF)
    assert row is not None
    assert (row.name, row.notes, row.tags, row.group, row.job_type) == (
        "first try", "n", ["a", "b"], "g", "train")
    assert (row.state, row.exit_code, row.host, row.pid) == ("finished", 0, "box", 123)
    assert row.config == {"lr": 0.1, "model": {"layers": 2}}
    assert row.summary["loss"] == 0.5
    assert row.summary["acc"] == 1
    assert row.summary["best"] == 0.5
    assert row.summary["_step"] == 1
    assert row.last_step == 1
    assert row.created_at == w.start
    assert row.finished_at is not None
    assert row.heartbeat_at >= row.created_at
    assert row.meta["sessions"] == 1
    steps, values, kind = store.read_series(row.pk, "loss")
    assert (steps.tolist(), values.tolist(), kind) == ([0, 1], [1.0, 0.5], "f")
    assert store.applied_seq(REF, "s1") == 5
    assert store.applied_seq(REF, "other") == 0


def test_applying_again_changes_nothing(store: MetadataStore, writer: Any,
                                        snapshot: Snapshot) -> None:
    w = writer(REF)
    records = [w.run(), w.history([(0, {"x": 1.0})]), w.finish()]
    store.apply_records(records)
    before = snapshot(store)
    again = store.apply_records(records)
    assert (again.applied, again.skipped) == (0, 3)
    assert snapshot(store) == before
    assert store.apply_records([]).applied == 0


def test_records_applied_before_leave_the_run_and_project_dates(store: MetadataStore,
                                                                writer: Any) -> None:
    records = [writer(REF).run()]
    store.apply_records(records)
    run, project = store.get_run(REF), store.get_project(REF.entity, REF.project)
    store.apply_records(records)  # all skipped (a watcher or a sync seeing them again)
    run_again = store.get_run(REF)
    project_again = store.get_project(REF.entity, REF.project)
    assert run is not None
    assert run_again is not None
    assert project is not None
    assert project_again is not None
    assert run_again.updated_at == run.updated_at
    assert project_again.last_activity == project.last_activity


def test_failed_exit_code(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    store.apply_records([w.run(), w.finish(exit_code=3)])
    row = store.get_run(REF)
    assert row is not None
    assert (row.state, row.exit_code) == ("failed", 3)


def test_several_runs_and_projects_in_one_batch(store: MetadataStore, writer: Any) -> None:
    refs = [RunRef("me", "a", "r1"), RunRef("me", "b", "r1"), RunRef("you", "a", "r2")]
    records = []
    for ref in refs:
        w = writer(ref)
        records += [w.run(), w.history([(0, {"x": 1})])]
    store.apply_records(records)
    assert sorted((p.entity, p.name, p.run_count) for p in store.list_projects()) == [
        ("me", "a", 1), ("me", "b", 1), ("you", "a", 1)]
    assert {r.ref for r in store.find_runs("r1")} == set(refs[:2])


def test_history_objects_and_typed_summaries(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    store.apply_records([w.run(), w.history([
        (0, {"i": 3, "b": True, "f": 1.5, "s": "hello", "none": None, "l": [1, "x"]}),
        (1, {"i": 4, "b": False, "s": "bye", "l": {"k": [2]}}),
    ])])
    row = store.get_run(REF)
    assert row is not None
    assert row.summary["i"] == 4
    assert type(row.summary["i"]) is int
    assert row.summary["b"] is False
    assert row.summary["s"] == "bye"
    assert "none" not in row.summary  # a logged None sets no summary value, as in wandb
    assert row.summary["l"] == {"k": [2]}
    objects = store.read_objects(row.pk)
    assert objects["s"] == [(0, "hello"), (1, "bye")]
    assert objects["none"] == [(0, None)]
    assert objects["l"] == [(0, [1, "x"]), (1, {"k": [2]})]
    assert store.read_objects(row.pk, ["s"], min_step=1) == {"s": [(1, "bye")]}
    assert store.read_objects(row.pk, []) == {}
    kinds = {info.key: info.kind for info in store.list_series(row.pk)}
    assert kinds == {"_runtime": "f", "_timestamp": "f", "b": "b", "f": "f", "i": "i",
                     "l": "o", "none": "o", "s": "o"}


def test_kind_promotion_bool_int_float(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    store.apply_records([w.run(), w.history([(0, {"v": True})])])
    pk = _pk(store)

    def state() -> tuple[str, Any]:
        row = store.get_run(REF)
        assert row is not None
        return store.read_series(pk, "v")[2], row.summary["v"]

    assert state() == ("b", True)
    assert state()[1] is True
    store.apply_records([w.history([(1, {"v": 7})])])
    assert state() == ("i", 7)
    assert type(state()[1]) is int
    store.apply_records([w.history([(2, {"v": 2.5})])])
    assert state() == ("f", 2.5)
    store.apply_records([w.history([(3, {"v": False})])])
    assert state()[0] == "f"
    assert store.read_series(pk, "v")[1].tolist() == [1.0, 7.0, 2.5, 0.0]


def test_a_key_that_is_sometimes_a_number(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    store.apply_records([w.run(), w.history([(0, {"x": 1.0}), (1, {"x": "n/a"})])])
    row = store.get_run(REF)
    assert row is not None
    assert row.summary["x"] == "n/a"
    store.apply_records([w.history([(2, {"x": 3.0})])])
    row = store.get_run(REF)
    assert row is not None
    assert row.summary["x"] == 3.0
    assert [i.kind for i in store.list_series(row.pk) if i.key == "x"] == ["f", "o"]


def test_long_series_crosses_chunks(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    n = 3 * CHUNK_POINTS + 17
    steps = np.arange(n, dtype=np.int64) * 2
    values = np.random.default_rng(1).normal(size=n)
    store.apply_records([w.run(), w.points("x", steps, values)])
    pk = _pk(store)
    got_steps, got_values, _ = store.read_series(pk, "x")
    assert got_steps.tolist() == steps.tolist()
    assert got_values.tolist() == values.tolist()
    assert _chunk_sizes(store, "x") == [CHUNK_POINTS] * 3 + [17]
    part = store.read_series(pk, "x", CHUNK_POINTS * 2 - 3, CHUNK_POINTS * 2 + 4)
    assert part[0].tolist() == [CHUNK_POINTS * 2 - 2, CHUNK_POINTS * 2, CHUNK_POINTS * 2 + 2,
                                CHUNK_POINTS * 2 + 4]
    info = {i.key: i for i in store.list_series(pk)}["x"]
    assert (info.count, info.first_step, info.last_step) == (n, 0, 2 * (n - 1))


def test_one_point_at_a_time_fills_the_tail_chunk(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    start = CHUNK_POINTS - 150
    store.apply_records([w.run(), w.points("x", np.arange(start), np.arange(start) * 0.5)])
    singles = [w.points("x", [step], [step * 0.5]) for step in range(start, start + 300)]
    for i in range(0, len(singles), 60):
        store.apply_records(singles[i:i + 60])
    pk = _pk(store)
    steps, values, _ = store.read_series(pk, "x")
    assert steps.tolist() == list(range(start + 300))
    assert values.tolist() == [s * 0.5 for s in range(start + 300)]
    assert _chunk_sizes(store, "x") == [CHUNK_POINTS, 150]
    row = store.get_run(REF)
    assert row is not None
    assert row.summary["x"] == (start + 299) * 0.5


def test_many_small_records_in_one_batch_then_a_merge(store: MetadataStore,
                                                     writer: Any) -> None:
    """A flood's many small history records are written as chunks once per batch: across
    a chunk boundary, with a late point merged back in the same batch, and over several
    batches, the series is what the points say."""
    w = writer(REF)
    store.apply_records([w.run(), w.points("x", np.arange(100), np.arange(100) * 1.0)])
    gap = 3000  # a step left out, logged late
    steps = [s for s in range(100, CHUNK_POINTS + 500) if s != gap]
    small = [w.points("x", steps[i:i + 97], [s * 1.0 for s in steps[i:i + 97]])
             for i in range(0, len(steps), 97)]
    store.apply_records([*small[:20], w.points("x", [gap], [-1.0]), *small[20:]])
    store.apply_records([w.points("x", [CHUNK_POINTS + 500], [0.5])])
    pk = _pk(store)
    got_steps, got_values, _ = store.read_series(pk, "x")
    assert got_steps.tolist() == list(range(CHUNK_POINTS + 501))
    expected = [s * 1.0 for s in range(CHUNK_POINTS + 500)] + [0.5]
    expected[gap] = -1.0
    assert got_values.tolist() == expected
    assert sum(_chunk_sizes(store, "x")) == CHUNK_POINTS + 501
    info = {i.key: i for i in store.list_series(pk)}["x"]
    assert (info.count, info.first_step, info.last_step) == (
        CHUNK_POINTS + 501, 0, CHUNK_POINTS + 500)


def test_unsorted_and_repeated_steps_in_a_record(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    store.apply_records([w.run(), w.points("x", [5, 1, 3, 1], [50.0, 10.0, 30.0, 11.0])])
    pk = _pk(store)
    steps, values, _ = store.read_series(pk, "x")
    assert (steps.tolist(), values.tolist()) == ([1, 3, 5], [11.0, 30.0, 50.0])
    row = store.get_run(REF)
    assert row is not None
    assert row.summary["x"] == 50.0


def test_points_merge_into_the_middle_of_a_long_series(store: MetadataStore,
                                                       writer: Any) -> None:
    w = writer(REF)
    evens = np.arange(0, 4 * CHUNK_POINTS, 2)
    store.apply_records([w.run(), w.points("x", evens, evens * 1.0)])
    odds = np.arange(CHUNK_POINTS + 1, CHUNK_POINTS + 41, 2)
    store.apply_records([w.points("x", odds, odds * 1.0)])
    pk = _pk(store)
    steps, values, _ = store.read_series(pk, "x")
    expected = sorted([*evens.tolist(), *odds.tolist()])
    assert steps.tolist() == expected
    assert values.tolist() == [float(s) for s in expected]
    assert sum(_chunk_sizes(store, "x")) == len(expected)
    info = {i.key: i for i in store.list_series(pk)}["x"]
    assert info.count == len(expected)


def test_a_series_written_with_zlib_chunks_reads_and_grows(store: MetadataStore,
                                                           writer: Any) -> None:
    """A store whose chunks and envelopes an earlier cairn deflated (chunk version 2,
    envelope version 1): they read as before, and appends, late points and new chunks
    (now zstd) mix with them without losing a point."""
    from tests.store.test_codec import _encode_envelope_v1, _encode_v2

    from cairn.store.codec import decode_chunk, envelope_of

    w = writer(REF)
    n = 2 * CHUNK_POINTS + 100
    steps = np.arange(n, dtype=np.int64) * 2
    values = np.random.default_rng(3).normal(size=n)
    store.apply_records([w.run(), w.points("x", steps, values)])
    assert isinstance(store, SqlStore)
    with store._write() as conn:
        for seq, series, data in conn.execute("SELECT seq, series, data FROM chunks "
                                              "ORDER BY seq").fetchall():
            s, v = decode_chunk(bytes(data))
            conn.execute("UPDATE chunks SET data = ?, envelope = ? WHERE series = ? AND seq = ?",
                         (_encode_v2(s, v), _encode_envelope_v1(envelope_of(s, v)), series, seq))
    pk = _pk(store)
    before = store.read_envelope(pk, "x", 40)
    more = np.arange(2 * n, 2 * n + CHUNK_POINTS, dtype=np.int64)
    late = np.array([1, 2 * CHUNK_POINTS + 1], dtype=np.int64)
    store.apply_records([w.points("x", more, more * 0.25), w.points("x", late, [-1.0, -2.0])])
    got_steps, got_values, _ = store.read_series(pk, "x")
    want = dict(zip(steps.tolist(), values.tolist(), strict=True))
    want.update(zip(more.tolist(), (more * 0.25).tolist(), strict=True))
    want.update({1: -1.0, 2 * CHUNK_POINTS + 1: -2.0})
    assert got_steps.tolist() == sorted(want)
    assert got_values.tolist() == [want[k] for k in sorted(want)]
    versions = store._read("SELECT data FROM chunks ORDER BY seq")
    assert {bytes(d)[0] for (d,) in versions} == {3}  # every chunk was rewritten by a merge
    assert before.size > 0
    env = store.read_envelope(pk, "x", 40)
    assert float(np.min(env.vmin)) == min(want.values())
    assert float(np.max(env.vmax)) == max(want.values())


def test_zlib_chunks_before_a_late_point_are_left_as_they_are(store: MetadataStore,
                                                              writer: Any) -> None:
    w = writer(REF)
    steps = np.arange(2 * CHUNK_POINTS + 10, dtype=np.int64)
    store.apply_records([w.run(), w.points("x", steps, steps * 1.0)])
    from tests.store.test_codec import _encode_v2

    from cairn.store.codec import decode_chunk

    assert isinstance(store, SqlStore)
    with store._write() as conn:
        (data,) = conn.execute("SELECT data FROM chunks WHERE seq = 0").fetchone()
        conn.execute("UPDATE chunks SET data = ? WHERE seq = 0",
                     (_encode_v2(*decode_chunk(bytes(data))),))
    store.apply_records([w.points("x", [CHUNK_POINTS + 5], [-5.0]),
                         w.points("x", [2 * CHUNK_POINTS + 10], [7.0])])
    versions = [bytes(d)[0] for (d,) in store._read("SELECT data FROM chunks ORDER BY seq")]
    assert versions == [2, 3, 3]
    got_steps, got_values, _ = store.read_series(_pk(store), "x")
    expected = steps * 1.0
    expected[CHUNK_POINTS + 5] = -5.0
    assert got_steps.tolist() == list(range(2 * CHUNK_POINTS + 11))
    assert got_values.tolist() == [*expected.tolist(), 7.0]


def _two_sessions(writer: Any) -> tuple[list[Record], list[Record]]:
    first = writer(REF, "s1", start=1000.0)
    second = writer(REF, "s2", start=5000.0)
    early = [first.run(name="first", tags=["old"]), first.config({"lr": 1, "only_old": True}),
             first.metric("loss", summary=["first", "last", "min"]),
             first.history([(s, {"loss": 10.0 - s, "tag": f"a{s}"}) for s in range(5)]),
             first.meta(notes="from the first session"), first.finish(exit_code=1)]
    late = [second.run(name="second", tags=["new"], resumed=True, starting_step=5),
            second.config({"lr": 2}),
            second.history([(s, {"loss": 10.0 - s, "tag": f"b{s}"}) for s in range(5, 9)]),
            second.finish()]
    return early, late


def _owner_and_cowriter(writer: Any) -> tuple[list[Record], list[Record], list[Record]]:
    """A run's owner, a process that attached to it (``wandb._attach``) and ended first,
    then the owner going on to its own end."""
    now = time.time()  # a live run: not reported crashed for its old heartbeat
    owner = writer(REF, "owner", start=now)
    child = writer(REF, "child", start=now + 1.0)
    before = [owner.run(name="main", tags=["t"]), owner.config({"lr": 1}),
              owner.history([(s, {"loss": 5.0 - s}) for s in range(2)])]
    attached = [child.run(name="main", attached=True, resumed=True, starting_step=2),
                child.config({"lr": 1, "rank": 0}),
                child.history([(s, {"loss": 5.0 - s}) for s in range(2, 4)]),
                child.summary({"best": 1.0}), child.finish(exit_code=3)]
    after = [owner.config({"lr": 1, "epochs": 2}),
             owner.history([(4, {"loss": 0.5})]), owner.heartbeat()]
    return before, attached, after


@pytest.mark.parametrize("order", ["as-written", "co-writer-last"])
def test_a_cowriter_adds_to_a_run_without_ending_it(store: MetadataStore, writer: Any,
                                                     order: str) -> None:
    before, attached, after = _owner_and_cowriter(writer)
    batches = [before, attached, after] if order == "as-written" else [before, after, attached]
    for batch in batches:
        store.apply_records(batch)
    row = store.get_run(REF)
    assert row is not None
    assert row.state == "running"  # the co-writer's end (even a failed one) is its own
    assert row.exit_code is None
    assert (row.name, row.tags) == ("main", ["t"])
    assert row.config == {"lr": 1, "rank": 0, "epochs": 2}  # neither snapshot loses keys
    steps, values, _ = store.read_series(row.pk, "loss")
    assert steps.tolist() == [0, 1, 2, 3, 4]
    assert values.tolist() == [5.0, 4.0, 3.0, 2.0, 0.5]
    assert row.summary["best"] == 1.0
    owner = writer(REF, "owner", start=time.time())
    owner.seq = 20
    store.apply_records([owner.finish()])
    done = store.get_run(REF)
    assert done is not None
    assert (done.state, done.exit_code) == ("finished", 0)


def test_a_preempting_run_reads_preempted_once_gone_and_a_new_session_resumes_it(
        store: MetadataStore, writer: Any) -> None:
    now = time.time()
    first = writer(REF, "s1", start=now)
    store.apply_records([first.run(), first.history([(0, {"x": 1.0})]), first.preempting()])
    row = store.get_run(REF)
    assert row is not None
    assert row.state == "preempting"
    stale = writer(RunRef("me", "proj", "gone"), "s1", start=now - 3600)
    store.apply_records([stale.run(), stale.preempting()])
    gone = store.get_run(stale.ref)
    assert gone is not None
    assert gone.state == "preempted"  # its heartbeat stopped: the preemption came
    assert [r.ref.run_id for r in store.query_runs(None, None, {"state": "preempted"})] == \
        ["gone"]
    second = writer(REF, "s2", start=now + 1)
    store.apply_records([second.run(resumed=True, starting_step=1), second.finish()])
    resumed = store.get_run(REF)
    assert resumed is not None
    assert resumed.state == "finished"


def test_later_session_applied_first(store: MetadataStore, writer: Any,
                                     tmp_path: Any) -> None:
    early, late = _two_sessions(writer)
    store.apply_records(late)
    store.apply_records(early)
    row = store.get_run(REF)
    assert row is not None
    pk = row.pk
    steps, values, _ = store.read_series(pk, "loss")
    assert steps.tolist() == list(range(9))
    assert values.tolist() == [10.0 - s for s in range(9)]
    assert store.read_objects(pk, ["tag"])["tag"][-1] == (8, "b8")
    assert row.summary["loss"] == {"first": 10.0, "last": 2.0, "min": 2.0}
    assert row.summary["tag"] == "b8"
    assert row.summary["_step"] == 8
    # The run is what its latest session says; older config keys are kept.
    assert (row.name, row.tags, row.state, row.exit_code) == ("second", ["new"], "finished", 0)
    assert row.config == {"lr": 2, "only_old": True}
    assert row.notes == ""
    assert row.created_at == 1000.0
    assert row.meta["sessions"] == 2

    in_order = SqliteStore(tmp_path / "in-order.db")
    try:
        in_order.apply_records(early)
        in_order.apply_records(late)
        other = in_order.get_run(REF)
        assert other is not None
        assert other.summary == row.summary
        assert (other.name, other.state, other.created_at) == (row.name, row.state,
                                                                row.created_at)
        assert in_order.read_series(other.pk, "loss")[1].tolist() == values.tolist()
    finally:
        in_order.close()


def test_meta_summary_overrides_and_heartbeat(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    store.apply_records([w.run(), w.history([(0, {"loss": 1.0, "acc": 0.5})])])
    store.apply_records([w.meta(name="renamed", notes="new notes", tags=["x"], group="g2",
                                job_type=None),
                         w.summary({"loss": 0.1, "extra": {"deep": 1}}, ["acc"]),
                         w.heartbeat(at=w.start + 500)])
    row = store.get_run(REF)
    assert row is not None
    assert (row.name, row.notes, row.tags, row.group, row.job_type) == (
        "renamed", "new notes", ["x"], "g2", None)
    assert row.summary["loss"] == 0.1
    assert row.summary["extra"] == {"deep": 1}
    assert "acc" not in row.summary
    assert row.heartbeat_at == w.start + 500
    # As in wandb the latest write wins: history logged after the manual value replaces it,
    # and a deleted key comes back when it is logged again.
    store.apply_records([w.history([(1, {"loss": 2.0, "acc": 0.7})])])
    row = store.get_run(REF)
    assert row is not None
    assert row.summary["loss"] == 2.0
    assert row.summary["acc"] == 0.7
    assert row.summary["extra"] == {"deep": 1}


def test_define_metric_summary(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    store.apply_records([w.run(), w.metric("acc", summary=["max", "mean"]),
                         w.history([(s, {"acc": v}) for s, v in enumerate([1, 5, 3])])])
    row = store.get_run(REF)
    assert row is not None
    assert row.summary["acc"] == {"max": 5, "mean": 3.0}


def test_unknown_record_kinds_are_skipped_with_a_warning(store: MetadataStore,
                                                         writer: Any) -> None:
    w = writer(REF)
    kind = f"hologram-test-kind-{type(store).__name__}"  # warned once a process per kind
    strange = Record(REF, "s1", 2, kind, {})
    with pytest.warns(RuntimeWarning, match=kind):
        result = store.apply_records([w.run(), strange])
    assert result.unknown_kinds == (kind,)
    assert store.applied_seq(REF, "s1") == 2


def test_a_bad_record_rolls_the_whole_batch_back(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    bad = Record(REF, "s1", 3, "history", {"num": {"x": [b"abc", b"", "f"]}})
    with pytest.raises(ValueError, match="multiple"):
        store.apply_records([w.run(), w.history([(0, {"x": 1})]), bad])
    assert store.get_run(REF) is None
    assert store.list_projects() == []


def test_delete_run_removes_everything(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    records = [w.run(), w.history([(0, {"x": 1.0, "s": "a"})]), w.finish()]
    store.apply_records(records)
    pk = _pk(store)
    assert store.apply_edit(edits.run_delete(REF, "test")) is True
    assert store.apply_edit(edits.run_delete(REF, "test")) is False
    assert store.get_run(REF) is None
    assert store.read_series(pk, "x")[0].size == 0
    assert store.read_objects(pk) == {}
    assert store.list_series(pk) == []
    # Its WAL cannot bring it back (tests/store/test_edits.py).
    assert store.apply_records(records).deleted == len(records)
    assert store.get_run(REF) is None


def test_a_record_arriving_after_a_higher_numbered_one_is_applied_once(
        store: MetadataStore, writer: Any, snapshot: Snapshot) -> None:
    w = writer(REF)
    run, history, finish, media = (w.run(), w.history([(0, {"x": 1.0})]), w.finish(),
                                   w.history([(0, {"img": "ref"})]))
    # The order an older writer put them in its WAL: the finish after later media.
    first = store.apply_records([run, history, media])
    late = store.apply_records([finish])
    assert (first.applied, late.applied) == (3, 1)
    row = store.get_run(REF)
    assert row is not None
    assert row.state == "finished"
    assert store.applied_seq(REF, "s1") == 4
    before = snapshot(store)
    again = store.apply_records([finish, media, run, history])
    assert (again.applied, again.skipped) == (0, 4)
    assert snapshot(store) == before


def test_a_huge_jump_in_sequence_numbers_costs_one_gap(store: MetadataStore,
                                                       writer: Any) -> None:
    w = writer(REF)
    run = w.run()
    far = Record(REF, "s1", 2**62, "heartbeat", {"at": w.start + 5})
    beyond = Record(REF, "s1", 2**64, "heartbeat", {"at": w.start + 6})
    assert store.apply_records([run, far, beyond]).applied == 2
    progress = store.applied_progress(REF, "s1")
    assert (progress.mark, progress.gaps) == (2**62, [(2, 2**62 - 1)])
    store.apply_records([Record(REF, "s1", 7, "config", {"config": {"lr": 1}})])
    assert store.applied_progress(REF, "s1").gaps == [(2, 6), (8, 2**62 - 1)]
    row = store.get_run(REF)
    assert row is not None
    assert row.config == {"lr": 1}


# ---- idempotence, as a property -------------------------------------------------------

VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                   st.integers(-(2**53), 2**53), st.booleans(), st.text(max_size=4),
                   st.none(), st.lists(st.integers(0, 3), max_size=2))
KEYS = st.sampled_from(["loss", "acc", "flag", "note", "a.b", "a.c"])
ROW = st.dictionaries(KEYS, VALUES, max_size=4)


@st.composite
def _session(draw: st.DrawFn, w: Any, first_step: int) -> tuple[list[Record], int]:
    records = [w.run(name=draw(st.text(max_size=5)), tags=draw(st.lists(st.text(max_size=3),
                                                                          max_size=2)))]
    step = first_step
    for _ in range(draw(st.integers(0, 7))):
        kind = draw(st.sampled_from(["history"] * 4 + ["config", "summary", "metric",
                                                       "meta", "heartbeat"]))
        if kind == "history":
            rows = []
            for _ in range(draw(st.integers(1, 4))):
                step += draw(st.integers(1, 3))
                rows.append((step, draw(ROW)))
            records.append(w.history(rows))
        elif kind == "config":
            records.append(w.config(draw(st.dictionaries(KEYS, VALUES, max_size=3))))
        elif kind == "summary":
            records.append(w.summary(draw(st.dictionaries(KEYS, VALUES, max_size=2)),
                                     draw(st.lists(KEYS, max_size=2))))
        elif kind == "metric":
            records.append(w.metric(draw(KEYS), summary=draw(st.lists(
                st.sampled_from(["min", "max", "mean", "first", "last"]), max_size=2))))
        elif kind == "meta":
            records.append(w.meta(name=draw(st.text(max_size=4)),
                                  tags=draw(st.lists(st.text(max_size=3), max_size=2))))
        else:
            records.append(w.heartbeat())
    if draw(st.booleans()):
        records.append(w.finish(exit_code=draw(st.sampled_from([0, 1]))))
    return records, step


@st.composite
def _history_of_a_run(draw: st.DrawFn, writer: Any) -> list[Record]:
    first, last_step = draw(_session(writer(REF, "s1", start=1000.0), -1))
    if not draw(st.booleans()):
        return first
    second, _ = draw(_session(writer(REF, "s2", start=2000.0), last_step))
    if draw(st.booleans()):
        return second + first  # the resumed session reached the store first
    return first + second


def _apply_in_batches(store: MetadataStore, records: list[Record], cuts: list[int]) -> int:
    """Apply in batches cut at ``cuts``; returns how many records were applied."""
    edges = [0, *sorted({c % (len(records) + 1) for c in cuts}), len(records)]
    return sum(store.apply_records(records[a:b]).applied
               for a, b in itertools.pairwise(edges))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_any_prefix_then_everything_twice_equals_everything_once(
        backend: str, data: st.DataObject, fresh_store: Any, writer: Any,
        snapshot: Snapshot) -> None:
    records = data.draw(_history_of_a_run(writer))
    if data.draw(st.booleans()):
        # Records in any order after the first (a WAL written out of sequence order;
        # its opening ``run`` record stays first): each still applied exactly once, by
        # the first batch that holds it.
        records = records[:1] + data.draw(st.permutations(records[1:]))
    prefix = data.draw(st.integers(0, len(records)))
    cuts = data.draw(st.lists(st.integers(0, 50), max_size=3))
    with fresh_store(backend) as once, fresh_store(backend) as replayed:
        assert once.apply_records(records).applied == len(records)
        applied = replayed.apply_records(records[:prefix]).applied
        applied += _apply_in_batches(replayed, records, cuts)
        applied += replayed.apply_records(records).applied
        assert applied == len(records)
        assert snapshot(replayed) == snapshot(once)


def test_nan_and_infinities_are_kept(store: MetadataStore, writer: Any) -> None:
    w = writer(REF)
    store.apply_records([w.run(), w.history([(0, {"v": math.nan}), (1, {"v": math.inf}),
                                             (2, {"v": -math.inf})])])
    row = store.get_run(REF)
    assert row is not None
    values = store.read_series(row.pk, "v")[1].tolist()
    assert math.isnan(values[0])
    assert values[1:] == [math.inf, -math.inf]
    assert row.summary["v"] == -math.inf
