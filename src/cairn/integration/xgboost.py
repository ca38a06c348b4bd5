"""``WandbCallback`` for XGBoost, as wandb's ``wandb.integration.xgboost``.

Passed in ``callbacks=[WandbCallback()]``: the booster's configuration becomes the run's
config; every round logs each evaluation metric as ``<data>-<metric>`` (``validation_0-rmse``)
with ``epoch``; loss-like metrics keep their minimum in the summary, score-like ones their
maximum; at the end ``best_score`` / ``best_iteration`` (early stopping), the feature
importance as a bar chart, and with ``log_model`` the model as an artifact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import xgboost  # type: ignore[import-not-found, unused-ignore]

from cairn.errors import UsageError

MINIMIZE_METRICS = ("rmse", "rmsle", "mae", "mape", "mphe", "logloss", "error", "error@t",
                    "merror")
MAXIMIZE_METRICS = ("auc", "aucpr", "ndcg", "map", "ndcg@n", "map@n")


def _run() -> Any:
    import cairn

    run = cairn.run
    if run is None:
        raise UsageError("You must call wandb.init() (cairn.init()) before WandbCallback()")
    return run


class WandbCallback(xgboost.callback.TrainingCallback):  # type: ignore[misc, unused-ignore]
    def __init__(self, log_model: bool = False, log_feature_importance: bool = True,
                 importance_type: str = "gain", define_metric: bool = True) -> None:
        super().__init__()
        self.log_model = log_model
        self.log_feature_importance = log_feature_importance
        self.importance_type = importance_type
        self.define_metric = define_metric
        _run()

    def before_training(self, model: Any) -> Any:
        _run().config.update(json.loads(model.save_config()), allow_val_change=True)
        return model

    def after_iteration(self, model: Any, epoch: int, evals_log: dict[str, Any]) -> bool:
        run = _run()
        row: dict[str, Any] = {}
        for data, metrics in evals_log.items():
            for name, values in metrics.items():
                key = f"{data}-{name}"
                if self.define_metric:
                    _define_metric(run, key, name)
                value = values[-1]
                row[key] = float(value[0] if isinstance(value, tuple) else value)
        row["epoch"] = epoch
        run.log(row)
        self.define_metric = False
        return False

    def after_training(self, model: Any) -> Any:
        run = _run()
        if self.log_model:
            path = Path(run.dir) / f"{run.id}_model.json"
            model.save_model(str(path))
            from cairn.sdk.artifacts.artifact import Artifact

            artifact = Artifact(name=path.name, type="model")
            artifact.add_file(str(path))
            run.log_artifact(artifact)
        if self.log_feature_importance:
            self._log_feature_importance(run, model)
        if model.attr("best_score") is not None:
            run.log({"best_score": float(model.attr("best_score")),
                     "best_iteration": int(model.attr("best_iteration"))})
        return model

    def _log_feature_importance(self, run: Any, model: Any) -> None:
        import cairn.plot
        from cairn.sdk.media import Table

        scores = model.get_score(importance_type=self.importance_type)
        table = Table(data=[[k, float(v)] for k, v in scores.items()],
                      columns=["Feature", "Importance"])
        run.log({"Feature Importance": cairn.plot.bar(table, "Feature", "Importance",
                                                      title="Feature Importance")})


def _define_metric(run: Any, key: str, name: str) -> None:
    lowered = name.lower()
    if "loss" in lowered or lowered in MINIMIZE_METRICS:
        run.define_metric(key, summary="min")
    elif lowered in MAXIMIZE_METRICS:
        run.define_metric(key, summary="max")


def wandb_callback() -> Any:
    """wandb's older function callback: each round's evaluation results, one step each."""

    def callback(env: Any) -> None:
        _run().log({k: v for k, v in env.evaluation_result_list})

    return callback
