"""``run.log``: values, nesting, ``step`` and ``commit``, under wandb and cairn."""

from __future__ import annotations

import pytest
from tests.oracle.harness import Results, case, cases_in, compare


@case()
def log_scalars_and_nested(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    observe("return", run.log({"loss": 0.5, "acc": {"top1": 0.1, "top5": 0.2}, "n": 3}))
    run.log({"loss": 0.25, "flag": True, "label": "cat", "train/loss": 1.5})
    run.log({"deep": {"a": {"b": {"c": 1}}}, "empty": {}})
    observe("summary", run.summary)
    observe("step", run.step)


@case()
def log_special_floats(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.log({"nan": float("nan"), "inf": float("inf"), "ninf": float("-inf")})
    run.log({"empty": "", "s": "text", "big": 2**53 + 1, "neg": -7, "tiny": 1e-300})
    observe("summary", run.summary)


def _none_check(cairn, wandb):
    live = {name: value for name, value, _ in cairn["observed"]}["summary"]
    assert live["a"] == 1
    assert "b" not in live
    assert cairn["persisted"][0]["summary"]["a"] == wandb["persisted"][0]["summary"]["a"] == 1


@case(differs="log({'a': None}) after log({'a': 1.0}): both keep a=1 in the stored summary "
              "and never show b; wandb's live summary drops a meanwhile, cairn's keeps 1 as "
              "it stores it", check=_none_check)
def log_none(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.log({"a": 1.0})
    run.log({"a": None, "b": None})
    observe("summary", run.summary)


@case()
def log_lists_and_strings(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.log({"ints": [1, 2, 3], "words": ["a", "b"], "mixed": [1, "x", None]})
    run.log({"nested_list": [[1, 2], [3]], "tuple": (1, 2)})
    observe("summary", run.summary)


@case(numpy=True)
def log_numpy_scalars(wandb, observe, observe_raises):
    import numpy as np

    run = wandb.init(project="p")
    observe_raises("float64", lambda: run.log({"loss": np.float64(0.3)}))
    observe_raises("float32", lambda: run.log({"f32": np.float32(0.5)}))
    observe_raises("int64", lambda: run.log({"i64": np.int64(7)}))
    observe_raises("bool_", lambda: run.log({"b": np.bool_(True)}))
    observe("summary", run.summary)


@case(numpy=True)
def log_numpy_nested(wandb, observe, observe_raises):
    import numpy as np

    run = wandb.init(project="p")
    observe_raises("in_dict", lambda: run.log({"m": {"f32": np.float32(0.25),
                                                     "i64": np.int64(3)}}))
    observe_raises("in_list", lambda: run.log({"l": [np.float32(1.5), np.int64(2)]}))
    observe_raises("array_small", lambda: run.log({"arr": np.arange(4)}))
    observe("summary", run.summary)


@case(numpy=True)
def log_numpy_longdouble(wandb, observe, observe_raises):
    import numpy as np

    run = wandb.init(project="p")
    observe_raises("longdouble", lambda: run.log({"ld": np.longdouble(0.5)}))
    observe("summary", run.summary)


@case()
def log_intenum(wandb, observe, observe_raises):
    import enum

    class Phase(enum.IntEnum):
        TRAIN = 1
        EVAL = 2

    run = wandb.init(project="p")
    observe_raises("intenum", lambda: run.log({"phase": Phase.EVAL, "n": {"p": Phase.TRAIN}}))
    observe("summary", run.summary)


@case()
def log_reserved_step_key(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.log({"x": 0})
    observe_raises("reserved", lambda: run.log({"_step": 5, "a": 1}))
    run.log({"x": 2})
    observe("step", run.step)
    observe("summary", run.summary)


@case()
def log_dotted_key(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.log({"val.acc": 2, "train": {"loss": 1}})
    observe("summary", run.summary)
    observe_raises("get_flat", lambda: run.summary["val.acc"])


@case()
def log_set_and_bytes(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    observe_raises("set", lambda: run.log({"s": {3}}))
    observe_raises("bytes", lambda: run.log({"b": b"xy"}))
    observe("summary", run.summary)


# ---- step and commit -------------------------------------------------------------------
@case()
def commit_false_then_log(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.log({"a": 1}, commit=False)
    observe("step_pending", run.step)
    run.log({"b": 2})
    observe("step_after", run.step)
    run.log({"a": 3}, commit=False)
    run.log({"a": 4}, commit=False)  # overwrites the pending value
    run.log({"c": 5})
    observe("summary", run.summary)


@case()
def step_jumps_and_repeats(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.log({"a": 1}, step=5)
    observe("step_at_5", run.step)
    run.log({"b": 2}, step=5)  # same step: merged into one row
    run.log({"c": 3})  # no step: goes to the pending step 5, then commits
    observe("step_after", run.step)
    run.log({"d": 4}, step=10, commit=True)
    observe("step_committed", run.step)
    run.log({"e": 5})
    observe("summary", run.summary)


@case()
def step_lower_than_current(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.log({"a": 1}, step=3)
    run.log({"a": 2}, step=4)
    observe_raises("lower", lambda: run.log({"a": 9, "z": 1}, step=1))
    observe("step", run.step)
    observe("summary", run.summary)


@case()
def commit_true_with_step(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.log({"a": 1}, step=2, commit=True)
    run.log({"a": 2}, step=2)  # the step was committed: wandb drops this (lower step)
    run.log({"b": 3}, commit=False)
    run.log({"c": 4}, step=7)
    observe("step", run.step)
    observe("summary", run.summary)


@case()
def step_float(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    observe_raises("float_step", lambda: run.log({"a": 1}, step=2.0))
    observe("step", run.step)


@case()
def log_misuse(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    observe_raises("list", lambda: run.log([1, 2]))
    observe_raises("int_key", lambda: run.log({1: 2}))
    observe_raises("str_step", lambda: run.log({"a": 1}, step="3"))
    observe("step", run.step)


@case()
def log_negative_step(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    observe_raises("negative", lambda: run.log({"a": 1}, step=-1))
    run.log({"a": 2})
    observe("step", run.step)


# ---- histograms from arrays ------------------------------------------------------------
@case(numpy=True)
def log_array_as_histogram(wandb, observe, observe_raises):
    import numpy as np

    run = wandb.init(project="p")
    run.log({"w": np.linspace(0.0, 1.0, 100)})
    run.log({"w": np.arange(33)})


@pytest.mark.slow
@pytest.mark.timeout(600)  # the first test also runs every case (the oracle fixture)
@pytest.mark.parametrize("case_name", cases_in(__name__))
def test_matches_wandb(case_name: str, oracle: Results) -> None:
    compare(case_name, oracle)
