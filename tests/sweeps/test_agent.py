"""Agents running trials: in this process and as subprocesses, sweep ids and URLs in the
runs, Hyperband stopping trials, pause and resume, and the public Api's view."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

import cairn
from cairn.errors import UsageError
from cairn.sweeps import api as sweeps_api


def test_function_trials_get_params_sweep_id_and_urls() -> None:
    sweep_id = cairn.sweep({"method": "grid", "metric": {"name": "loss"}, "parameters": {
        "a": {"values": [1, 2, 3]},
        "opt": {"parameters": {"lr": {"values": [0.5, 0.25]}}}}}, project="p")
    seen: list[dict[str, Any]] = []

    def train() -> None:
        run = cairn.init(config={"a": 100, "batch": 8})
        seen.append({"sweep_id": run.sweep_id, "config": dict(run.config),
                     "url": run.get_sweep_url(), "project": run.project})
        run.log({"loss": run.config["a"] * run.config["opt"]["lr"]})

    assert cairn.agent(sweep_id, function=train, project="p") == 6
    assert len(seen) == 6
    assert all(s["sweep_id"] == sweep_id and s["project"] == "p" for s in seen)
    assert seen[0]["url"].endswith(f"/p/sweeps/{sweep_id}")
    assert seen[0]["config"] == {"a": 1, "batch": 8, "opt": {"lr": 0.5}}  # sweep wins
    sweep = cairn.Api().sweep(f"p/{sweep_id}")
    assert sweep.state == "FINISHED"
    assert sweep.config["method"] == "grid"
    assert len(sweep.runs) == 6
    assert {r.state for r in sweep.runs} == {"finished"}
    best = sweep.best_run()
    assert best is not None
    assert best.summary["loss"] == 0.25
    worst = sweep.best_run(order="-loss")
    assert worst is not None
    assert worst.summary["loss"] == 1.5
    assert [t.value for t in sweep.trials] == [0.5, 0.25, 1.0, 0.5, 1.5, 0.75]
    assert sweep.url.endswith(f"/p/sweeps/{sweep_id}")
    assert sweep.expected_run_count == 6


def test_count_failures_and_no_program() -> None:
    sweep_id = cairn.sweep({"method": "random", "parameters": {"x": {"min": 0.0,
                                                                     "max": 1.0}}})

    def broken() -> None:
        cairn.init()
        raise RuntimeError("boom")

    assert cairn.agent(sweep_id, function=broken, count=2) == 2
    trials = cairn.Api().sweep(sweep_id).trials
    assert [t.state for t in trials] == ["failed", "failed"]
    assert {r.state for r in cairn.Api().sweep(sweep_id).runs} == {"failed"}
    with pytest.raises(UsageError, match="no program"):
        cairn.agent(sweep_id)


def test_subprocess_trials_from_program(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(
        "import json, sys, cairn\n"
        "run = cairn.init()\n"
        "run.log({'score': run.config['x'] * 2})\n"
        "print(json.dumps({'argv': sys.argv[1:], 'sweep': run.sweep_id}))\n"
        "run.finish()\n")
    sweep_id = cairn.sweep({"method": "grid", "program": str(script),
                            "metric": {"name": "score", "goal": "maximize"},
                            "command": ["${env}", "${interpreter}", "${program}",
                                        "${args_no_boolean_flags}"],
                            "parameters": {"x": {"values": [1, 2]}, "flag": {"value": True}}},
                           project="q")
    assert cairn.agent(f"q/{sweep_id}") == 2
    sweep = cairn.Api().sweep(sweep_id)
    assert [t.value for t in sweep.trials] == [2.0, 4.0]
    best = sweep.best_run()
    assert best is not None
    assert best.config["x"] == 2
    assert [r.metadata.get("sweep_id") for r in sweep.runs] == [sweep_id, sweep_id]


def test_hyperband_kills_worse_curves_in_process() -> None:
    sweep_id = cairn.sweep({"method": "grid", "metric": {"name": "loss"},
                            "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 2},
                            "parameters": {"k": {"values": [0, 1, 2, 3]}}})
    reached: dict[int, int] = {}

    def train() -> None:
        run = cairn.init()
        k = run.config["k"]
        for step in range(60):
            run.log({"loss": k + 1.0 / (step + 1)})
            reached[k] = step
            time.sleep(0.03)

    cairn.agent(sweep_id, function=train, settings=None, heartbeat=0.1)
    trials = cairn.Api().sweep(sweep_id).trials
    states = {t.params["k"]: t.state for t in trials}
    assert states[0] == "finished"
    assert states[1] == "finished"
    assert states[3] == "killed"
    assert reached[3] < 59
    killed = next(t for t in trials if t.params["k"] == 3)
    assert killed.stop_reason is not None
    assert killed.stop_reason.startswith("hyperband")
    runs = {r.config["k"]: r for r in cairn.Api().sweep(sweep_id).runs}
    assert runs[3].state == "killed"


def test_pause_blocks_the_agent_until_resumed() -> None:
    sweep_id = cairn.sweep({"method": "grid", "parameters": {"a": {"values": [1, 2]}}})
    sweeps_api.change_state(sweep_id, "pause")
    ran: list[int] = []
    agent = threading.Thread(target=lambda: ran.append(
        cairn.agent(sweep_id, function=lambda: None)))
    agent.start()
    time.sleep(1.0)
    assert cairn.Api().sweep(sweep_id).trials == []
    assert agent.is_alive()
    assert sweeps_api.change_state(sweep_id, "resume").state == "running"
    agent.join(30)
    assert ran == [2]
    with pytest.raises(UsageError, match="finished"):
        sweeps_api.change_state(sweep_id, "pause")
    assert sweeps_api.change_state(sweep_id, "cancel").state == "canceled"


def test_the_flow_of_transformers_wandb_backend() -> None:
    """What ``Trainer.hyperparameter_search(backend="wandb")`` does: sweep a random config
    of its default space, run an in-process objective that takes ``wandb.run`` or starts
    one, updates its config and reads ``wandb.config``, then look for the best run."""
    sweep_config = {"method": "random", "metric": {"name": "objective", "goal": "minimize"},
                    "parameters": {
                        "learning_rate": {"distribution": "uniform", "min": 1e-6, "max": 1e-4},
                        "num_train_epochs": {"distribution": "int_uniform", "min": 1, "max": 6},
                        "seed": {"distribution": "int_uniform", "min": 1, "max": 40},
                        "per_device_train_batch_size": {"values": [4, 8, 16, 32, 64]}},
                    "name": "hp-search"}
    sweep_id = cairn.sweep(sweep_config, project="hf")
    seen: list[dict[str, Any]] = []

    def objective() -> None:
        run = cairn.run if cairn.run else cairn.init()
        run.config.update({"assignments": {}, "metric": "objective"})
        config = dict(cairn.config)
        seen.append(config)
        # Its WandbCallback finishes the run at train begin and starts it again: the
        # trial's own run continues, silently (a warning is an error in these tests).
        run.finish()
        run = cairn.init(project="hf")
        assert dict(cairn.config)["learning_rate"] == config["learning_rate"]
        run.log({"objective": config["learning_rate"] * config["num_train_epochs"]})
        run.finish()

    assert cairn.agent(sweep_id, function=objective, count=3) == 3
    assert all(1 <= c["num_train_epochs"] <= 6 and c["metric"] == "objective" for c in seen)
    sweep = cairn.Api().sweep(f"hf/{sweep_id}")
    best = sweep.best_run()
    assert best is not None
    assert best.summary["objective"] == min(r.summary["objective"] for r in sweep.runs)
    assert sweep.state == "RUNNING"  # random search goes on until stopped
