"""Reading history through the public API: every row (``scan_history``) and samples that
keep extremes (``history``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cairn
from cairn.api.history import extreme_steps
from cairn.api.public import Run


def _stored(run: Any) -> Run:
    return cairn.Api().run(run.path)


def _logged(rows: list[tuple[int, dict[str, Any]]]) -> Run:
    run = cairn.init(project="p")
    for step, data in rows:
        run.log(data, step=step)
    run.finish()
    return _stored(run)


def _user_keys(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("_runtime", "_timestamp")}


def test_scan_history_returns_every_row_in_order() -> None:
    run = cairn.init(project="p")
    for i in range(3000):
        data: dict[str, Any] = {"loss": 1 / (i + 1)}
        if i % 10 == 0:
            data["val"] = i
        if i % 500 == 0:
            data["note"] = f"at {i}"
        run.log(data)
    run.finish()
    stored = _stored(run)
    rows = list(stored.scan_history())
    assert [r["_step"] for r in rows] == list(range(3000))
    assert rows[10] == {**rows[10], "loss": 1 / 11, "val": 10}
    assert rows[500]["note"] == "at 500"
    assert "note" not in rows[501]
    assert isinstance(rows[10]["val"], int)
    assert {"_runtime", "_timestamp"} <= rows[0].keys()
    # With keys: only those keys, only rows that have them all.
    val = list(stored.scan_history(keys=["loss", "val"]))
    assert [r["_step"] for r in val] == list(range(0, 3000, 10))
    assert set(val[0]) == {"_step", "loss", "val"}
    notes = list(stored.scan_history(keys=["note", "val"], min_step=400, max_step=2000))
    assert [(r["_step"], r["note"]) for r in notes] == [(500, "at 500"), (1000, "at 1000"),
                                                       (1500, "at 1500"), (2000, "at 2000")]
    assert list(stored.scan_history(keys=["loss", "nope"])) == []
    assert list(stored.scan_history(keys=[])) == []
    assert [r["_step"] for r in stored.scan_history(keys=["_step", "val"], max_step=30)] == [
        0, 10, 20, 30]


@pytest.mark.parametrize("page_size", [1, 7, 1000, 100_000])
def test_scan_history_pages_do_not_change_rows(page_size: int) -> None:
    rows = [(s, {"x": s * 0.5, "s": str(s)}) for s in range(0, 9000, 3)]
    stored = _logged(rows)
    got = [_user_keys(r) for r in stored.scan_history(page_size=page_size)]
    assert got == [{"_step": s, **d} for s, d in rows]


def test_scan_history_skips_large_gaps_in_steps() -> None:
    rows = [(0, {"x": 1}), (1, {"x": 2}), (10**12, {"x": 3}), (10**12 + 5, {"x": 4, "s": "a"}),
            (3 * 10**15, {"x": 5})]
    stored = _logged(rows)
    got = [_user_keys(r) for r in stored.scan_history()]
    assert got == [{"_step": s, **d} for s, d in rows]
    assert [r["_step"] for r in stored.scan_history(keys=["x"], min_step=2)] == [
        10**12, 10**12 + 5, 3 * 10**15]


def test_scan_history_values_and_errors() -> None:
    stored = _logged([(0, {"f": 1.5, "i": 2, "b": True, "n": None, "l": [1, [2]],
                           "nan": math.nan, "inf": -math.inf, "big": 2**60})])
    row = _user_keys(next(iter(stored.scan_history())))
    assert row["f"] == 1.5
    assert type(row["i"]) is int
    assert row["b"] is True
    assert row["n"] is None
    assert row["l"] == [1, [2]]
    assert math.isnan(row["nan"])
    assert row["inf"] == -math.inf
    assert row["big"] == 2**60
    with pytest.raises(ValueError, match="page_size"):
        stored.scan_history(page_size=0)
    with pytest.raises(ValueError, match="greater than max_step"):
        stored.scan_history(min_step=5, max_step=1)
    with pytest.raises(ValueError, match="not one string"):
        stored.scan_history(keys="f")
    with pytest.raises(ValueError, match="min_step must be a whole step"):
        stored.scan_history(min_step=2.5)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 50), st.dictionaries(
    st.sampled_from(["a", "b", "c"]),
    st.floats(allow_nan=False) | st.integers(-5, 5) | st.text(max_size=2) | st.none(),
    min_size=1)), min_size=1, max_size=40),
    st.lists(st.sampled_from(["a", "b", "c"]), max_size=3, unique=True), st.integers(1, 9),
    st.one_of(st.none(), st.integers(0, 600)))
def test_scan_history_matches_what_was_logged(gaps: list[tuple[int, dict[str, Any]]],
                                              keys: list[str], page_size: int,
                                              min_step: int | None) -> None:
    step = 0
    rows = []
    for gap, data in gaps:
        step += gap
        rows.append((step, data))
    stored = _logged(rows)
    want_all = [{"_step": s, **d} for s, d in rows if min_step is None or s >= min_step]
    got_all = [_user_keys(r) for r in stored.scan_history(page_size=page_size,
                                                          min_step=min_step)]
    assert got_all == want_all
    want = [{"_step": s, **{k: d[k] for k in keys}} for s, d in rows
            if all(k in d for k in keys) and (min_step is None or s >= min_step)]
    got = list(stored.scan_history(keys=keys, page_size=page_size, min_step=min_step))
    assert got == (want if keys else [])


# ---- samples -------------------------------------------------------------------------------

@pytest.mark.parametrize("samples", [1, 2, 3, 10, 99, 500, 2000])
def test_history_sample_always_shows_the_spike(samples: int) -> None:
    values = np.sin(np.arange(20_000) / 50.0)
    values[12_345] = 1000.0
    values[777] = -1000.0
    run = cairn.init(project="p")
    for v in values.tolist():
        run.log({"x": v, "y": 0.0})
    run.finish()
    stored = _stored(run)
    rows = stored.history(samples=samples, pandas=False)
    assert len(rows) <= samples + 10
    assert max(r["x"] for r in rows) == 1000.0
    assert min(r["x"] for r in rows) == -1000.0
    assert [r["_step"] for r in rows] == sorted({r["_step"] for r in rows})
    assert rows[0]["_step"] == 0
    assert rows[-1]["_step"] == 19_999
    if samples >= 99:
        assert len(rows) >= samples // 2  # a sample, not a handful
    frame = stored.history(samples=samples, keys=["x"])
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["_step", "x"]
    assert frame["x"].max() == 1000.0
    assert frame["x"].min() == -1000.0


def test_history_keys_rows_and_small_runs() -> None:
    run = cairn.init(project="p")
    for i in range(100):
        run.log({"loss": float(i), **({"val": i} if i % 10 == 0 else {}),
                 **({"s": "x"} if i == 50 else {})})
    run.finish()
    stored = _stored(run)
    everything = stored.history(samples=1000, pandas=False)
    assert [r["_step"] for r in everything] == list(range(100))
    val = stored.history(keys=["loss", "val"], pandas=False)
    assert [r["_step"] for r in val] == list(range(0, 100, 10))
    assert set(val[0]) == {"_step", "loss", "val"}
    sampled_val = stored.history(samples=4, keys=["val"], pandas=False)
    assert {r["val"] for r in sampled_val} >= {0, 90}
    assert stored.history(keys=["s"], pandas=False) == [{"_step": 50, "s": "x"}]
    assert stored.history(keys=["nope"], pandas=False) == []
    empty = stored.history(keys=["nope"])
    assert list(empty.columns) == ["_step", "nope"]
    assert len(empty) == 0
    by_loss = stored.history(keys=["val"], x_axis="loss", pandas=False)
    assert set(by_loss[0]) == {"_step", "val", "loss"}
    # system metrics are their own stream (tests/api/test_system.py), never in these rows
    assert stored.history(stream="system", keys=["system/none"], pandas=False) == []
    frame = stored.history(samples=1000)
    assert len(frame) == 100
    assert {"_step", "loss", "val", "s", "_runtime", "_timestamp"} == set(frame.columns)
    assert frame["val"].isna().sum() == 90
    with pytest.raises(ValueError, match="samples"):
        stored.history(samples=0)


def test_history_of_a_key_that_is_sometimes_text() -> None:
    stored = _logged([(0, {"x": 1.0}), (1, {"x": "n/a"}), (2, {"x": 3.0})])
    assert [r["x"] for r in stored.history(pandas=False, keys=["x"])] == [1.0, "n/a", 3.0]
    assert [r["x"] for r in stored.scan_history(keys=["x"])] == [1.0, "n/a", 3.0]
    assert len([s for s in stored.series_info() if s.key == "x"]) == 2


def test_series_and_envelope_shortcuts() -> None:
    stored = _logged([(s, {"x": float(s)}) for s in range(0, 5000, 5)])
    steps, values = stored.series("x", 100, 120)
    assert steps.tolist() == [100, 105, 110, 115, 120]
    assert values.tolist() == [100.0, 105.0, 110.0, 115.0, 120.0]
    env = stored.envelope("x", buckets=10)
    assert env.size == 10
    assert int(env.points.sum()) == 1000
    assert env.vmax.max() == 4995.0


def test_extreme_steps_keeps_min_max_and_nan() -> None:
    steps = np.arange(100, dtype=np.int64)
    values = np.zeros(100)
    values[37] = 5.0
    values[80] = -5.0
    values[60] = math.nan
    picked = extreme_steps(steps, values, 3).tolist()
    assert {0, 99, 37, 80, 60} <= set(picked)
    assert len(picked) <= 2 + 3 * 3
    assert extreme_steps(steps[:4], values[:4], 3).tolist() == [0, 1, 2, 3]
