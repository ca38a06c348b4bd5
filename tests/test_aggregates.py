"""Summaries from history: last values, define_metric summaries, overrides, state."""

from __future__ import annotations

import math
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cairn.aggregates import SummaryState, nest, parse_summary_spec, typed


def _round_trip(state: SummaryState) -> SummaryState:
    packed = msgpack.packb(state.to_state(), use_bin_type=True)
    return SummaryState(msgpack.unpackb(packed, raw=False, strict_map_key=False))


def test_typed_restores_ints_and_bools() -> None:
    assert typed(3.0, "i") == 3
    assert type(typed(3.0, "i")) is int
    assert typed(1.0, "b") is True
    assert typed(0.0, "b") is False
    assert type(typed(2.5, "f")) is float
    assert math.isnan(typed(math.nan, "i"))
    assert typed(math.inf, "i") == math.inf


def test_parse_summary_spec() -> None:
    assert parse_summary_spec(None) == ()
    assert parse_summary_spec(" Min, max ,") == ("min", "max")
    with pytest.raises(ValueError, match="'median'"):
        parse_summary_spec("min,median")


def test_nest() -> None:
    assert nest({"a.b": 1, "a.c": 2, "d": 3}) == {"a": {"b": 1, "c": 2}, "d": 3}
    # A key that is a leaf and a prefix keeps the deeper key flat.
    assert nest({"a": 1, "a.b": 2}) == {"a": 1, "a.b": 2}
    assert nest({"x.y.z": 1, "x.y": 2}) == {"x": {"y": 2, "y.z": 1}}


def test_nest_never_merges_into_dict_values() -> None:
    value = {"min": 1.0}
    out = nest({"loss": value, "loss.extra": 2})
    assert value == {"min": 1.0}
    assert out == {"loss": {"min": 1.0}, "loss.extra": 2}
    assert out["loss"] is value


def test_last_value_and_step() -> None:
    s = SummaryState()
    s.update_numeric("loss", [0, 1, 2], [3.0, 2.0, 1.0])
    s.observe_step(2)
    s.update_numeric("loss", [3], [0.5])
    s.observe_step(3)
    assert s.flat() == {"_step": 3, "loss": 0.5}
    assert s.nested() == {"_step": 3, "loss": 0.5}


def test_ints_and_bools_stay_typed_and_kinds_promote() -> None:
    s = SummaryState()
    s.update_numeric("n", [0], [4.0], "i")
    s.update_numeric("flag", [0], [1.0], "b")
    assert s.flat()["n"] == 4
    assert type(s.flat()["n"]) is int
    assert s.flat()["flag"] is True
    s.update_numeric("flag", [1], [2.0], "i")
    assert s.flat()["flag"] == 2
    assert type(s.flat()["flag"]) is int
    s.update_numeric("flag", [2], [2.5], "f")
    assert s.flat()["flag"] == 2.5
    # A float series never goes back to int.
    s.update_numeric("flag", [3], [7.0], "i")
    assert type(s.flat()["flag"]) is float


def test_define_metric_summaries_skip_nan_and_keep_inf() -> None:
    s = SummaryState()
    s.define({"name": "loss", "summary": ["min", "max", "mean", "first", "last"]})
    s.update_numeric("loss", [0, 1, 2, 3], [2.0, math.nan, 1.0, 4.0])
    got = s.flat()["loss"]
    assert got == {"min": 1.0, "max": 4.0, "mean": pytest.approx(7 / 3), "first": 2.0,
                   "last": 4.0}
    s.update_numeric("loss", [4], [math.inf])
    assert s.flat()["loss"]["max"] == math.inf
    assert s.flat()["loss"]["mean"] == math.inf


def test_all_nan_and_inf_minus_inf() -> None:
    s = SummaryState()
    s.define({"name": "x", "summary": ["min", "mean"]})
    s.update_numeric("x", [0, 1], [math.nan, math.nan])
    assert math.isnan(s.flat()["x"]["min"])
    assert math.isnan(s.flat()["x"]["mean"])
    s.update_numeric("x", [2, 3], [math.inf, -math.inf])
    assert s.flat()["x"]["min"] == -math.inf
    assert math.isnan(s.flat()["x"]["mean"])


def test_best_goal_globs_and_none() -> None:
    s = SummaryState()
    s.define({"name": "acc", "summary": ["best"], "goal": "maximize"})
    s.define({"name": "val/*", "summary": ["min"]})
    s.define({"name": "val/loss*", "summary": ["max"]})
    s.define({"name": "hidden", "summary": ["none"]})
    for key in ("acc", "val/acc", "val/loss", "hidden", "loss"):
        s.update_numeric(key, [0, 1], [1.0, 3.0])
    flat = s.flat()
    assert flat["acc"] == {"best": 3.0}
    assert flat["val/acc"] == {"min": 1.0}
    assert flat["val/loss"] == {"max": 3.0}  # the longest glob wins
    assert "hidden" not in flat
    assert flat["loss"] == 3.0


def test_latest_write_wins_and_deletes_hide() -> None:
    s = SummaryState()
    s.update_numeric("loss", [0], [1.0])
    s.set_overrides({"loss": 9, "extra": "x"})
    assert s.flat()["loss"] == 9
    s.update_numeric("loss", [1], [0.5])
    assert s.flat()["loss"] == 0.5
    assert s.flat()["extra"] == "x"
    s.set_overrides({}, ["loss", "extra"])
    assert "loss" not in s.flat()
    assert "extra" not in s.flat()
    s.set_overrides({"loss": 1})
    assert s.flat()["loss"] == 1


def test_objects_and_numbers_by_step() -> None:
    s = SummaryState()
    s.update_numeric("x", [0, 1], [1.0, 2.0])
    s.update_objects("x", [(2, "text")])
    assert s.flat()["x"] == "text"
    s.update_numeric("x", [3], [5.0])
    assert s.flat()["x"] == 5.0
    # Older values arriving late never replace a later one.
    s.update_objects("x", [(1, "old")])
    assert s.flat()["x"] == 5.0
    # A logged None leaves the summary as it was (wandb's stored summary keeps the value).
    s.update_objects("y", [(5, None)])
    assert "y" not in s.flat()
    s.update_objects("y", [(4, [1, 2])])
    assert s.flat()["y"] == [1, 2]


def test_late_earlier_session_keeps_last_and_first() -> None:
    s = SummaryState()
    s.define({"name": "loss", "summary": ["first", "last", "min"]})
    s.update_numeric("loss", [100, 101], [0.5, 0.25])  # the resumed session, applied first
    s.update_numeric("loss", [0, 1], [4.0, 3.0])  # the first session, applied late
    assert s.flat()["loss"] == {"first": 4.0, "last": 0.25, "min": 0.25}


def test_state_round_trips_through_msgpack() -> None:
    s = SummaryState()
    s.define({"name": "a", "summary": ["max"]})
    s.update_numeric("a", [0, 1], [1.0, 2.0], "i")
    s.update_objects("b", [(1, "x")])
    s.set_overrides({"c": {"d": 1}}, ["e"])
    s.observe_step(1)
    back = _round_trip(s)
    assert back.flat() == s.flat()
    assert back.to_state() == _round_trip(back).to_state()


def test_old_state_without_newer_slots_still_reads() -> None:
    old = {"num": {"a": [2, 3.0, 1.0, 2.0, 1.0, 2.0, 1, 2]}, "obj": {"b": "x"}, "step": 1}
    s = SummaryState(old)
    assert s.flat() == {"_step": 1, "a": 2.0, "b": "x"}
    s.update_numeric("a", [2], [7.0], "i")
    assert s.flat()["a"] == 7.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1,
                         max_size=5), min_size=1, max_size=6))
def test_batches_fold_like_one_batch(batches: list[list[float]]) -> None:
    spec: dict[str, Any] = {"name": "v", "summary": ["min", "max", "first", "last"]}
    split, whole = SummaryState(), SummaryState()
    split.define(spec)
    whole.define(spec)
    step = 0
    everything: list[float] = []
    steps: list[int] = []
    for batch in batches:
        batch_steps = list(range(step, step + len(batch)))
        split.update_numeric("v", batch_steps, batch)
        everything += batch
        steps += batch_steps
        step += len(batch)
    whole.update_numeric("v", steps, everything)
    a, b = split.flat()["v"], whole.flat()["v"]
    for name in ("min", "max", "first", "last"):
        assert a[name] == b[name] or (math.isnan(a[name]) and math.isnan(b[name]))


def test_flatten_is_the_inverse_of_nest() -> None:
    from cairn.aggregates import flatten

    data = {"opt": {"name": "adam", "betas": [0.9, 0.99]}, "lr": 0.1, "empty": {}}
    flat = flatten(data)
    assert flat == {"opt.name": "adam", "opt.betas": [0.9, 0.99], "lr": 0.1, "empty": {}}
    assert nest(flat) == data
    summary = {"loss": {"min": 0.1, "max": 2.0}, "val": {"acc": 0.9}}
    assert flatten(summary, is_leaf=lambda d: set(d) <= {"min", "max"}) == {
        "loss": {"min": 0.1, "max": 2.0}, "val.acc": 0.9}


def test_a_deleted_subtree_hides_its_keys_until_one_is_logged_again() -> None:
    s = SummaryState()
    s.update_numeric("n.a", [0], [1.0])
    s.update_numeric("n.b", [0], [2.0])
    s.set_overrides({"n.c": 3})
    s.set_overrides({}, ["n"])
    assert not [k for k in s.flat() if k.startswith("n")]
    s.update_numeric("n.a", [1], [5.0])
    assert s.flat()["n.a"] == 5.0


def test_dotted_paths_keep_a_key_with_dots_whole() -> None:
    s = SummaryState()
    s.update_numeric("val.acc", [0], [1.0])
    s.update_numeric("train.loss", [0], [2.0])
    s.set_paths({"val.acc": ["val.acc"], "bad": ["b", "ad"]})  # a mismatched path is ignored
    assert s.nested() == {"val.acc": 1.0, "train": {"loss": 2.0}}
    assert SummaryState(s.to_state()).nested()["train"] == {"loss": 2.0}
    assert "bad" not in SummaryState(s.to_state()).paths
