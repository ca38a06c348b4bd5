"""``run.config``: values, nesting, locking and ``init`` filters, under wandb and cairn."""

from __future__ import annotations

import pytest
from tests.oracle.harness import Results, case, cases_in, compare


@case()
def config_set_and_read(wandb, observe, observe_raises):
    run = wandb.init(project="p", config={"lr": 0.1, "model": {"layers": 4, "act": "relu"}})
    run.config.batch = 32
    run.config["epochs"] = 3
    run.config.update({"opt": {"name": "adam", "betas": [0.9, 0.99]}, "none": None})
    observe("config", run.config)
    observe("attr", run.config.lr)
    observe("item", run.config["model"])
    observe("get_missing", run.config.get("nope", "default"))
    observe_raises("missing_attr", lambda: run.config.nope)
    observe_raises("missing_item", lambda: run.config["nope"])
    observe("keys", sorted(k for k in run.config.keys() if not k.startswith("_")))
    observe("as_dict", {k: v for k, v in run.config.as_dict().items() if k != "_wandb"})


@case()
def config_setdefaults_and_same_value(wandb, observe, observe_raises):
    run = wandb.init(project="p", config={"lr": 0.1})
    observe_raises("setdefaults", lambda: run.config.setdefaults({"lr": 0.5, "wd": 0.01}))
    observe_raises("same_value", lambda: run.config.update({"lr": 0.1}))
    observe("config", run.config)


@case()
def config_change_needs_allow_val_change(wandb, observe, observe_raises):
    run = wandb.init(project="p", config={"lr": 0.1})
    observe_raises("update", lambda: run.config.update({"lr": 0.2}))
    observe_raises("item", lambda: run.config.__setitem__("lr", 0.3))
    observe_raises("allowed", lambda: run.config.update({"lr": 0.4}, allow_val_change=True))
    observe("config", run.config)


@case()
def config_nested_replace(wandb, observe, observe_raises):
    run = wandb.init(project="p")
    run.config.n = {"a": 1, "b": 2}
    run.config.update({"n": {"a": 5}}, allow_val_change=True)
    observe("config", run.config)


@case()
def config_include_exclude(wandb, observe, observe_raises):
    a = wandb.init(project="p", config={"a": 1, "b": 2, "c": 3}, config_exclude_keys=["b"])
    observe("exclude", a.config)
    a.finish()
    b = wandb.init(project="p", config={"a": 1, "b": 2, "c": 3}, config_include_keys=["a"])
    observe("include", b.config)


@case()
def config_from_namespace_and_dotted_keys(wandb, observe, observe_raises):
    import argparse

    args = argparse.Namespace(lr=0.01, name="x")
    run = wandb.init(project="p", config=args)
    run.config.update({"a.b": 1})
    observe("config", run.config)


@case()
def config_set_and_tuple_values(wandb, observe, observe_raises):
    run = wandb.init(project="p", config={"t": (1, 2)})
    observe_raises("set", lambda: run.config.update({"s": {3}}))
    observe("config", run.config)


@case(numpy=True)
def config_numpy_values(wandb, observe, observe_raises):
    import numpy as np

    run = wandb.init(project="p")
    observe_raises("update", lambda: run.config.update({"f": np.float32(0.5),
                                                         "i": np.int64(3),
                                                         "arr": np.arange(3)}))
    observe("config", run.config)


@pytest.mark.slow
@pytest.mark.timeout(600)  # the first test also runs every case (the oracle fixture)
@pytest.mark.parametrize("case_name", cases_in(__name__))
def test_matches_wandb(case_name: str, oracle: Results) -> None:
    compare(case_name, oracle)
