"""x axes other than the step: mapping from a long x series' stored envelope (plus the
stretches around other steps) gives exactly what reading it whole gives."""

from __future__ import annotations

import numpy as np
import pytest
from tests.store.conftest import Writer

from cairn.records import RunRef
from cairn.server import xaxis
from cairn.server.xaxis import FullX, SampledX, x_axis
from cairn.store.sqlite import SqliteStore


@pytest.fixture
def long_x(store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> tuple[int, FullX]:
    """A run whose x series has 30,000 points that never decrease (with ties and gaps in
    its steps), sampled from its envelope."""
    monkeypatch.setattr(xaxis, "FULL_READ_POINTS", 1000)
    rng = np.random.default_rng(7)
    steps = np.sort(rng.choice(40_000, size=30_000, replace=False)).astype(np.int64)
    values = np.cumsum(rng.choice([0.0, 0.5, 1.25], size=steps.size))
    writer = Writer(RunRef("me", "proj", "x"))
    store.apply_records([writer.run(), writer.points("x", steps, values)])
    row = store.get_run(writer.ref)
    assert row is not None
    return row.pk, FullX(steps, values)


def test_sampled_is_chosen_for_long_clean_series(store: SqliteStore,
                                                 long_x: tuple[int, FullX]) -> None:
    pk, _ = long_x
    assert isinstance(x_axis(store, pk, "x"), SampledX)
    assert isinstance(x_axis(store, pk, "missing"), FullX)


def test_same_x_at_any_steps(store: SqliteStore, long_x: tuple[int, FullX]) -> None:
    pk, full = long_x
    sampled = x_axis(store, pk, "x")
    groups = store.stored_envelope(pk, "x")
    edges = np.concatenate([groups.step_first, groups.step_last])
    rng = np.random.default_rng(1)
    for steps in (edges, edges[:5], np.array([-5, 0, 39_999, 50_000]),
                  rng.integers(-10, 41_000, size=10), rng.integers(0, 40_000, size=500)):
        steps = steps.astype(np.int64)
        assert np.array_equal(sampled.at(steps), full.at(steps))


def test_same_step_ranges_for_any_x_range(store: SqliteStore,
                                          long_x: tuple[int, FullX]) -> None:
    pk, full = long_x
    sampled = x_axis(store, pk, "x")
    top = float(full.values[-1])
    rng = np.random.default_rng(2)
    bounds: list[tuple[float | None, float | None]] = [
        (None, None), (None, 10.0), (10.0, None), (-5.0, -1.0), (top + 1, None),
        (0.0, 0.0), (top, top), (float(full.values[100]), float(full.values[100]))]
    for _ in range(200):
        lo, hi = sorted(rng.uniform(-10, top + 10, size=2).tolist())
        bounds.append((lo, hi))
    for lo, hi in bounds:
        assert sampled.step_range(lo, hi) == full.step_range(lo, hi), (lo, hi)


def test_full_x_without_points() -> None:
    empty = FullX(np.zeros(0, np.int64), np.zeros(0))
    assert empty.step_range(None, None) is None
    assert np.isnan(empty.at(np.array([1, 2], dtype=np.int64))).all()
