from __future__ import annotations

import argparse

import pytest

import cairn
from cairn.sdk.config import Config


def test_access_update_and_changes_need_permission() -> None:
    emitted: list[dict[str, object]] = []
    config = Config(emit=emitted.append)
    config.update({"lr": 0.1, "model": {"layers": 2}})
    assert config.lr == 0.1
    assert config["model"] == {"layers": 2}
    config.batch = 32
    config["seed"] = 1
    config.update({"lr": 0.1})  # same value: allowed, nothing emitted
    assert len(emitted) == 3
    with pytest.raises(cairn.ConfigError, match=r"'lr' is already 0.1.*allow_val_change"):
        config.update({"lr": 0.2})
    with pytest.raises(cairn.ConfigError, match=r"'model' is already \{'layers': 2\}"):
        config.update({"model": {"layers": 3}})
    assert config.lr == 0.1
    config.update({"lr": 0.2}, allow_val_change=True)
    assert config.lr == 0.2
    assert emitted[-1]["lr"] == 0.2
    with pytest.raises(AttributeError, match="nope"):
        _ = config.nope


def test_setdefaults_namespace_and_cleaning() -> None:
    import numpy as np

    config = Config()
    config.update(argparse.Namespace(lr=0.1, name="x"))
    config.setdefaults({"lr": 5, "epochs": 3})
    assert config.as_dict() == {"lr": 0.1, "name": "x", "epochs": 3}
    config.update({"arr": np.arange(3), "scalar": np.float32(1.5), "tags": {"b", "a"},
                   "obj": object.__new__(argparse.Namespace)})
    assert config.arr == [0, 1, 2]
    assert config.scalar == 1.5
    assert config.tags == ["a", "b"]
    assert isinstance(config.obj, str)
    with pytest.raises(ValueError, match="non-empty strings"):
        config.update({"": 1})


def test_config_is_persisted_as_it_changes() -> None:
    run = cairn.init(project="p", config={"lr": 0.1, "opt": {"beta": 0.9}})
    run.config.update({"epochs": 10})
    run.config.update({"opt": {"beta": 0.9, "eps": 1e-8}}, allow_val_change=True)
    run.finish()
    stored = cairn.Api().run(run.path).config
    assert stored == {"lr": 0.1, "opt": {"beta": 0.9, "eps": 1e-8}, "epochs": 10}
    found = cairn.Api().runs("p", filters={"config.opt.eps": {"$lt": 1e-6}})
    assert [r.id for r in found] == [run.id]


def test_a_dict_value_is_replaced_whole_as_wandb() -> None:
    config = Config()
    config.n = {"a": 1, "b": 2}
    config.update({"n": {"a": 1, "b": 2}})  # the same value: fine
    with pytest.raises(cairn.ConfigError, match="'n'"):
        config.update({"n": {"c": 3}})  # wandb: a changed value, not a new nested key
    config.update({"n": {"a": 5}}, allow_val_change=True)
    assert config.as_dict() == {"n": {"a": 5}}


def test_config_exclude_and_include_keys_are_applied() -> None:
    run = cairn.init(project="p", config={"lr": 0.1, "api_key": "secret"},
                     config_exclude_keys=["api_key"])
    assert run.config.as_dict() == {"lr": 0.1}
    run.finish()
    assert cairn.Api().run(run.path).config == {"lr": 0.1}
    run = cairn.init(project="p", config={"lr": 0.1, "api_key": "secret"},
                     config_include_keys=["lr"], reinit="finish_previous")
    run.finish()
    assert cairn.Api().run(run.path).config == {"lr": 0.1}
    with pytest.raises(cairn.UsageError, match="not both"):
        cairn.init(project="p", config={}, config_exclude_keys=["a"], config_include_keys=["b"])
