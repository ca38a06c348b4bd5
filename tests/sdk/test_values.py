"""Values users log: numpy scalars, enums, sets, bytes, reserved keys (as wandb logs them)."""

from __future__ import annotations

import enum
from typing import Any

import numpy as np
import pytest

import cairn
from cairn.sdk.values import clean_value, flatten_log


class Color(enum.IntEnum):
    RED = 3


class Mode(enum.Enum):
    FAST = "fast"


def _history(run_path: str) -> list[dict[str, Any]]:
    return list(cairn.Api().run(run_path).scan_history())


def test_numpy_float64_nested_and_in_lists_is_logged_as_a_float() -> None:
    run = cairn.init(project="p")
    run.log({"loss": np.float64(0.3), "val": {"acc": np.mean([0.5, 1.0])},
             "pair": [np.float64(1.5), np.sum([1, 2])]})
    live = run.summary["loss"]
    assert type(live) is float
    assert live == 0.3
    run.finish()
    row = _history(run.path)[0]
    assert row["loss"] == 0.3
    assert row["val.acc"] == 0.75
    assert row["pair"] == [1.5, 3]
    stored = cairn.Api().run(run.path).summary
    assert stored["loss"] == 0.3


def test_int_enum_longdouble_set_and_bytes_are_logged() -> None:
    run = cairn.init(project="p")
    run.log({"color": Color.RED, "ld": np.longdouble(1.5), "tags": {"b", "a"},
             "raw": b"ab", "mode": Mode.FAST})
    run.finish()
    row = _history(run.path)[0]
    assert row["color"] == 3
    assert type(row["color"]) is int
    assert row["ld"] == 1.5
    assert row["tags"] == ["a", "b"]
    assert row["raw"] == "ab"
    assert row["mode"] == "fast"


def test_reserved_key_is_dropped_and_the_rest_of_the_row_logged() -> None:
    run = cairn.init(project="p")
    with pytest.warns(UserWarning, match="'_step' is reserved"):
        run.log({"_step": 5, "a": 1})
    assert run.step == 1
    run.finish()
    row = _history(run.path)[0]
    assert (row["_step"], row["a"]) == (0, 1)


def test_summary_and_config_views_hold_plain_python_numbers() -> None:
    run = cairn.init(project="p", config={"lr": np.float64(0.1), "n": np.int64(4)})
    run.summary["best"] = np.float64(2.5)
    run.config.update({"ld": np.longdouble(0.5), "color": Color.RED})
    assert type(run.config["lr"]) is float
    assert type(run.config["n"]) is int
    assert type(run.config["ld"]) is float
    assert run.config["color"] == "RED"  # wandb keeps an enum member's name in the config
    assert type(run.summary["best"]) is float
    run.finish()


@pytest.mark.parametrize("value", [np.float64(0.25), np.float32(0.25), np.int64(2),
                                   np.bool_(True), np.longdouble(0.25), Color.RED])
def test_numpy_scalars_become_builtins(value: Any) -> None:
    out = flatten_log({"k": value}, set(), {})
    assert type(out["k"]) in (float, int, bool)
    assert out["k"] == value
    assert type(clean_value(value)) in (float, int, bool, str)


@pytest.mark.parametrize("step", [2.0, "3", True])
def test_a_step_that_is_not_an_int_raises_type_error_as_wandb(step: Any) -> None:
    run = cairn.init(project="p")
    with pytest.raises(TypeError, match="step must be an int"):
        run.log({"a": 1}, step=step)
    run.log({"a": 2}, step=np.int64(4))
    run.finish()
    assert [(r["_step"], r["a"]) for r in _history(run.path)] == [(4, 2)]


@pytest.mark.parametrize("call", [
    lambda run: run.log([1, 2]),
    lambda run: run.log({1: 2}),
    lambda run: run.log({"a": object()}),
])
def test_what_wandb_refuses_with_type_error_is_a_type_error_and_a_value_error(
        call: Any) -> None:
    run = cairn.init(project="p")
    with pytest.raises(TypeError) as caught:
        call(run)
    assert isinstance(caught.value, ValueError)
    run.finish()


def test_a_negative_step_is_dropped_with_a_warning_as_a_lower_step() -> None:
    run = cairn.init(project="p")
    with pytest.warns(cairn.CairnWarning, match="lower than the current step"):
        run.log({"a": 1}, step=-1)
    assert run.dropped_steps == 1
    run.finish()


def test_init_tags_given_one_string_is_one_tag() -> None:
    run = cairn.init(project="p", tags="baseline")
    assert run.tags == ("baseline",)
    run.finish()
