"""``wandb.controller``: a sweep built step by step, created, and followed until the
agents have run it (cairn's controller state lives in the store)."""

from __future__ import annotations

from types import ModuleType

import pytest

import cairn
from cairn.errors import UsageError


def test_build_create_run_and_follow(wandb: ModuleType, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    sweep = wandb.controller(project="ctl")
    sweep.configure_search("grid")
    sweep.configure_name("lr-grid")
    sweep.configure_metric("loss", goal="minimize")
    sweep.configure_parameter("lr", values=[0.1, 0.01])
    sweep.configure_controller(type="local")
    assert sweep.sweep_config == {"method": "grid", "name": "lr-grid",
                                  "metric": {"name": "loss", "goal": "minimize"},
                                  "parameters": {"lr": {"values": [0.1, 0.01]}}}
    sweep_id = sweep.create()
    assert sweep.sweep_id == sweep_id
    with pytest.raises(UsageError, match="created already"):
        sweep.create()
    with pytest.raises(UsageError, match="cannot change"):
        sweep.configure_parameter("momentum", values=[0.9])
    assert not sweep.done()

    def train() -> None:
        run = cairn.init()
        run.log({"loss": run.config["lr"] * 10})

    assert wandb.agent(sweep_id, function=train, project="ctl") == 2
    assert sweep.done()
    sweep.run()  # nothing left to follow: returns after one status line
    assert "finished: 2" in capsys.readouterr().out
    again = wandb.controller(sweep_id, project="ctl")  # an existing sweep, by id
    assert again.sweep_config["parameters"] == {"lr": {"values": [0.1, 0.01]}}
    assert again.done()


def test_a_bad_config_is_refused_before_anything_is_stored(wandb: ModuleType) -> None:
    sweep = wandb.controller({"method": "grid", "parameters": {"x": {"min": 0}}},
                             project="ctl")
    with pytest.raises(cairn.Error):
        sweep.create()
    assert sweep.sweep_id is None
    with pytest.raises(ValueError, match="'local' or 'cloud'"):
        sweep.configure_controller(type="remote")
    with pytest.raises(TypeError, match="sweep id or a sweep config"):
        wandb.controller(42)
