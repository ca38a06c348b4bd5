"""Real libraries that say ``import wandb``, unchanged, log into cairn's store."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.integrations.harness import Outcome

import cairn

# The fixture runs every selected script at once; the first test waits for all of them.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture
def read() -> Iterator[Callable[[Outcome, str], Any]]:
    """``read(outcome, project)``: the one run the script logged to ``project``."""
    apis: list[cairn.Api] = []

    def only_run(outcome: Outcome, project: str) -> Any:
        outcome.check()
        apis.append(cairn.Api(root=outcome.store))
        runs = list(apis[-1].runs(project))
        assert len(runs) == 1, [r.path for r in runs]
        return runs[0]

    yield only_run
    for api in apis:
        api.close()


def _history_keys(run: Any) -> set[str]:
    return {key for row in run.history(pandas=False) for key in row}


def _histograms(run: Any, kind: str) -> set[str]:
    return {k for k in _history_keys(run) if k.startswith(f"{kind}/")}


@pytest.mark.script("lightning_logger.py")
def test_lightning_wandb_logger(integrations: dict[str, Outcome], read: Any) -> None:
    outcome = integrations["lightning_logger.py"]
    run = read(outcome, "lightning")
    assert run.state == "finished"
    assert run.name == "tiny"
    assert run.config == {"lr": 0.05}
    keys = _history_keys(run)
    assert {"train_loss", "val_loss", "epoch", "trainer/global_step"} <= keys
    assert isinstance(run.summary["val_loss"], float)
    # logger.watch(model, log="all", log_freq=2): both kinds, for every parameter
    names = {"net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"}
    assert _histograms(run, "gradients") == {f"gradients/{n}" for n in names}
    assert _histograms(run, "parameters") == {f"parameters/{n}" for n in names}
    # log_model=True: the checkpoint is a model artifact of the run
    artifacts = run.logged_artifacts()
    assert [a.type for a in artifacts] == ["model"]
    assert any(entry.endswith(".ckpt") for entry in artifacts[0].manifest.entries)
    # Lightning passes dir=save_dir ("."): the run folder lands there, the run in the store
    assert list((outcome.workdir / "cairn" / "runs").glob(f"run-*-{run.id}"))
    assert not (outcome.workdir / "cairn" / "cairn.db").exists()


@pytest.mark.script("lightning_ddp_spawn.py")
def test_lightning_ddp_spawn(integrations: dict[str, Outcome], read: Any) -> None:
    """The spawned rank 0 logs into the parent's run; its exit does not end it."""
    outcome = integrations["lightning_ddp_spawn.py"]
    run = read(outcome, "lightning-spawn")
    assert run.state == "finished"
    assert run.name == "spawned"
    assert run.config == {"lr": 0.05}  # logged by the child
    rows = list(run.history(pandas=False))
    assert {"train_loss", "val_loss", "trainer/global_step"} <= {k for r in rows for k in r}
    assert run.summary["trainer/global_step"] == 3  # 2 epochs of 2 batches (32 rows) a rank
    # the parent continues after the child's steps, as with wandb's shared step
    after = [r["_step"] for r in rows if "after_fit" in r]
    assert after == [max(r["_step"] for r in rows)]
    assert after[0] > max(r["_step"] for r in rows if "train_loss" in r)
    # both processes' run folders lie where Lightning's save_dir put the parent's
    assert len(list((outcome.workdir / "cairn" / "runs").glob(f"run-*-{run.id}*"))) == 2


@pytest.mark.script("transformers_trainer.py")
def test_transformers_trainer(integrations: dict[str, Outcome], read: Any) -> None:
    run = read(integrations["transformers_trainer.py"], "hf")
    assert run.state == "finished"
    assert run.name == "tiny-bert"
    # the model config with its integer-keyed label maps, as wandb stores them
    assert run.config["id2label"] == {"0": "neg", "1": "pos"}
    assert run.config["hidden_size"] == 8
    assert run.config["max_steps"] == 100
    keys = _history_keys(run)
    assert {"train/loss", "train/learning_rate", "train/global_step", "eval/loss"} <= keys
    assert run.summary["train/global_step"] == 100
    assert "train_runtime" in run.summary
    # WANDB_WATCH=all, log_freq=max(100, logging_steps): histograms at step 100
    assert "gradients/bert.embeddings.word_embeddings.weight" in _histograms(run, "gradients")
    assert "parameters/classifier.weight" in _histograms(run, "parameters")
    # WANDB_LOG_MODEL=end: the trained model, weights included
    final = [a for a in run.logged_artifacts() if "model.safetensors" in a.manifest.entries]
    assert len(final) == 1
    assert final[0].type == "model"
    assert "config.json" in final[0].manifest.entries


@pytest.mark.script("accelerate_tracker.py")
def test_accelerate_tracker(integrations: dict[str, Outcome], read: Any) -> None:
    run = read(integrations["accelerate_tracker.py"], "accel")
    assert run.state == "finished"
    assert run.name == "tiny-accel"
    assert tuple(run.tags) == ("t1",)
    assert run.config == {"lr": 0.1, "layers": 2}
    rows = run.history(pandas=False)
    assert [row["_step"] for row in rows] == [0, 1, 2, 3, 4]
    assert all(isinstance(row["loss"], float) for row in rows)


@pytest.mark.script("watch_torch.py")
def test_watch_logs_every_log_freq_steps(integrations: dict[str, Outcome], read: Any) -> None:
    run = read(integrations["watch_torch.py"], "watch")
    rows = run.history(pandas=False)
    assert len(rows) == 10
    with_gradients = [row["_step"] for row in rows if "gradients/0.weight" in row]
    with_parameters = [row["_step"] for row in rows if "parameters/0.weight" in row]
    # every 2nd backward / forward pass until unwatch() before step 6
    assert with_gradients == [1, 3, 5]
    assert with_parameters == [1, 3, 5]
    histogram = rows[1]["gradients/0.weight"]
    assert len(histogram["bins"]) == 65
    assert sum(histogram["values"]) == 12  # the 4x3 weight's gradient
    # the second model watched is graph_1; its frozen weight has no gradient hook
    keys = _history_keys(run)
    assert "gradients/graph_1bias" in keys
    assert "gradients/graph_1weight" not in keys
    assert "parameters/graph_1weight" in keys
    # log_graph=True: each model's layers once, after the first forward pass
    assert [row["_step"] for row in rows if "graph_0" in row] == [0]
    graph = rows[0]["graph_0"]
    assert (graph["_type"], graph["nodes"]) == ("graph-file", 3)
    assert graph.json()["format"] == "torch"
    assert [n["name"] for n in graph.json()["nodes"]] == ["0", "1", "2"]
    assert rows[0]["graph_1"]["nodes"] == 1


@pytest.mark.script("profiler_torch.py")
def test_profiler_traces_become_run_files(integrations: dict[str, Outcome], read: Any) -> None:
    run = read(integrations["profiler_torch.py"], "profiler")
    traces = [f for f in run.files() if f.name.startswith("pytorch_traces/")]
    assert len(traces) == 1, [f.name for f in run.files()]
    assert traces[0].name.endswith(".pt.trace.json")
    with traces[0].open() as stream:
        trace = json.load(stream)
    assert any(event.get("name") == "aten::linear" for event in trace["traceEvents"])
    assert len(run.history(pandas=False)) == 6


@pytest.mark.script("xgboost_callback.py")
def test_xgboost_callback(integrations: dict[str, Outcome], read: Any) -> None:
    run = read(integrations["xgboost_callback.py"], "xgb")
    assert run.state == "finished"
    assert "learner" in run.config  # the booster's configuration
    rows = [row for row in run.history(pandas=False) if "epoch" in row]
    assert [row["epoch"] for row in rows] == list(range(len(rows)))
    assert all(isinstance(row["valid-rmse"], float) for row in rows)
    # rmse is minimised: the summary keeps its minimum, and the early-stopping best
    assert run.summary["valid-rmse"]["min"] == min(row["valid-rmse"] for row in rows)
    assert run.summary["best_score"] == pytest.approx(run.summary["valid-rmse"]["min"])
    assert "Feature Importance" in run.summary
    [model] = run.logged_artifacts()
    assert model.type == "model"
    assert list(model.manifest.entries) == [f"{run.id}_model.json"]


@pytest.mark.script("keras_callbacks.py")
def test_keras_callbacks(integrations: dict[str, Outcome], read: Any) -> None:
    run = read(integrations["keras_callbacks.py"], "keras")
    assert run.state == "finished"
    rows = [row for row in run.history(pandas=False) if "epoch/epoch" in row]
    assert [row["epoch/epoch"] for row in rows] == [0, 1, 2]
    for row in rows:
        assert {"epoch/loss", "epoch/mae", "epoch/val_loss", "epoch/val_mae"} <= set(row)
        assert row["epoch/learning_rate"] == pytest.approx(0.01)
    # one checkpoint artifact version per epoch, the last one "latest"
    versions = run.logged_artifacts()
    assert [a.type for a in versions] == ["model"] * 3
    assert all(list(a.manifest.entries) == ["model.keras"] for a in versions)
    assert "latest" in versions[-1].aliases
    assert "epoch_2" in versions[-1].aliases
    # WandbEvalCallback: the ground truth once, a predictions table after each epoch
    assert run.summary["val_data"]["_type"] == "table-file"
    assert run.summary["val_data"]["nrows"] == 4
    assert run.summary["eval_data"]["_type"] == "table-file"
    assert run.summary["eval_data"]["nrows"] == 4


@pytest.mark.script("ray_tune.py")
def test_ray_tune_wandb_logger_callback(integrations: dict[str, Outcome], read: Any) -> None:
    outcome = integrations["ray_tune.py"]
    outcome.check()
    assert "TRIALS 2 []" in outcome.output
    api = cairn.Api(root=outcome.store)
    try:
        runs = sorted(api.runs("tune"), key=lambda r: r.config["x"])
        assert [r.config["x"] for r in runs] == [1, 2]  # one run per trial, its own process
        assert len({r.config["pid"] for r in runs}) == 2
        for run in runs:
            assert run.state == "finished"
            rows = run.history(pandas=False)
            assert [row["training_iteration"] for row in rows] == [1, 2, 3]
            assert [row["score"] for row in rows] == [run.config["x"] * i for i in (1, 2, 3)]
    finally:
        api.close()


@pytest.mark.script("lightgbm_callback.py")
def test_lightgbm_callback_and_summary(integrations: dict[str, Outcome], read: Any) -> None:
    run = read(integrations["lightgbm_callback.py"], "lgb")
    assert run.state == "finished"
    assert run.config["objective"] == "regression"
    assert run.config["num_leaves"] == 4
    rows = [row for row in run.history(pandas=False) if "iteration" in row]
    assert [row["iteration"] for row in rows] == list(range(6))
    assert run.summary["validation_l2"]["min"] == min(row["validation_l2"] for row in rows)
    assert run.summary["best_score"]["validation"]["l2"] > 0
    assert "Feature Importance" in run.summary
    [model] = run.logged_artifacts()
    assert model.type == "model"
    assert "best" in model.aliases


@pytest.mark.script("tensorboard_sync.py")
def test_sync_tensorboard_mirrors_a_summary_writer(integrations: dict[str, Outcome],
                                                   read: Any) -> None:
    outcome = integrations["tensorboard_sync.py"]
    run = read(outcome, "tb")
    assert run.state == "finished"
    rows = run.history(pandas=False)
    assert [row["global_step"] for row in rows] == [0, 10, 20, 30, 40]
    assert [row.get("loss") for row in rows[:4]] == [1.0, 0.5, pytest.approx(1 / 3), 0.25]
    assert all(row["lr/a"] == 0.1 and row["lr/b"] == 0.2 for row in rows[:4])
    assert all(row["weights"]["_type"] == "histogram" for row in rows[:4])
    assert sum(rows[0]["weights"]["values"]) == 100
    assert run.summary["note"] == "done"
    assert list((outcome.workdir / "tb-logs").glob("events.out.tfevents.*"))  # still written


@pytest.mark.script("tf_summary.py")
def test_sync_tensorboard_mirrors_tf_summary_writers(integrations: dict[str, Outcome],
                                                     read: Any) -> None:
    outcome = integrations["tf_summary.py"]
    run = read(outcome, "tf")
    assert run.state == "finished"
    assert run.config == {"lr": 0.01, "layers": 3}  # the hparams plugin's session
    rows = run.history(pandas=False)
    assert [row["global_step"] for row in rows] == [0, 10, 20, 30]
    assert [row["loss"] for row in rows] == [1.0, 0.5, pytest.approx(1 / 3), 0.25]
    assert [row["traced"] for row in rows] == [0.0, 1.0, 2.0, 3.0]  # from a tf.function
    assert all(sum(row["weights"]["values"]) == 100 for row in rows)
    last = rows[-1]
    assert last["note"] == "done"
    assert last["sample"]["count"] == 2  # tf.summary.image's two images, as one list
    assert (last["sample"]["width"], last["sample"]["height"]) == (6, 8)
    chart = last["pr/pr_curves"]  # as wandb: precision against recall
    assert chart["_type"] == "custom-chart"
    assert chart["fields"] == {"x": "recall", "y": "precision"}
    assert chart["table"]["columns"] == ["recall", "precision"]
    # followed while the script ran: rows 0-20 were in the run before it finished
    assert "LIVE 0.33333334" in outcome.output
    keras_run = read(outcome, "tf-keras")  # Keras' TensorBoard callback: train/, validation/
    epochs = [row for row in keras_run.history(pandas=False) if "train/epoch_loss" in row]
    assert [row["global_step"] for row in epochs] == [0, 1]
    assert all(isinstance(row["validation/epoch_loss"], float) for row in epochs)


@pytest.mark.script("sb3_callback.py")
def test_stable_baselines3_callback(integrations: dict[str, Outcome], read: Any) -> None:
    run = read(integrations["sb3_callback.py"], "sb3")
    assert run.state == "finished"
    assert run.config["algo"] == "PPO"
    assert run.config["policy_type"] == "MlpPolicy"  # set by the script: kept
    keys = _history_keys(run)
    # SB3's own metrics, through its TensorBoard logger (sync_tensorboard=True)
    assert {"global_step", "train/loss", "rollout/ep_len_mean"} <= keys
    assert _histograms(run, "gradients")  # gradient_save_freq: the policy is watched
    assert "model.zip" in [f.name for f in run.files()]


@pytest.mark.script("transformers_hp_search.py")
def test_transformers_hyperparameter_search_on_a_sweep(
        integrations: dict[str, Outcome]) -> None:
    outcome = integrations["transformers_hp_search.py"]
    outcome.check()
    api = cairn.Api(root=outcome.store)
    try:
        runs = list(api.runs("hp"))
        assert len(runs) == 3, [r.path for r in runs]
        assert {r.state for r in runs} == {"finished"}
        for run in runs:
            assert 1e-4 <= run.config["learning_rate"] <= 1e-2
            assert run.config["seed"] in (1, 2, 3)
            assert isinstance(run.summary["eval/loss"], float)
        # the Trainer's own answer: the best trial and the sweep it ran
        line = next(x for x in outcome.output.splitlines() if x.startswith("BEST "))
        best_id, sweep_id = line.split()[1:3]
        sweep = api.sweep(f"hp/{sweep_id}")
        assert {r.id for r in sweep.runs} == {r.id for r in runs}
        best = sweep.best_run()
        assert best is not None
        assert best.summary["eval/loss"] == min(r.summary["eval/loss"] for r in runs)
        assert best_id == best.id
    finally:
        api.close()
