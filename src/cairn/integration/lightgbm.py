"""LightGBM callbacks, as wandb's ``wandb.integration.lightgbm``.

``wandb_callback()`` (in ``lgb.train(callbacks=[...])``): the training parameters become
the run's config; every round logs each evaluation as ``<data>_<metric>`` (cross-validation:
``-mean`` and ``-stdv``) with ``iteration``; loss-like metrics keep their minimum in the
summary, score-like ones their maximum. ``log_summary(model)`` after training: the best
iteration and score in the summary, the feature importance as a bar chart, and with
``save_model_checkpoint`` the best model as an artifact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cairn.errors import UsageError

MINIMIZE_METRICS = ("l1", "l2", "rmse", "mape", "huber", "fair", "poisson", "gamma",
                    "binary_logloss")
MAXIMIZE_METRICS = ("map", "auc", "average_precision")


def _run() -> Any:
    import cairn

    run = cairn.run
    if run is None:
        raise UsageError("You must call wandb.init() (cairn.init()) before using the LightGBM "
                         "callback")
    return run


def _define_metric(run: Any, data: str, name: str) -> None:
    lowered = name.lower()
    if "loss" in lowered or lowered in MINIMIZE_METRICS:
        run.define_metric(f"{data}_{name}", summary="min")
    elif lowered in MAXIMIZE_METRICS:
        run.define_metric(f"{data}_{name}", summary="max")


class _WandbCallback:
    def __init__(self, log_params: bool = True, define_metric: bool = True) -> None:
        self.order = 20
        self.before_iteration = False
        self.log_params = log_params
        self.define_metric = define_metric

    def _start(self, run: Any, env: Any) -> None:
        if self.log_params:
            run.config.update(dict(env.params), allow_val_change=True)
        if not self.define_metric:
            return
        for item in env.evaluation_result_list:
            if len(item) == 4:
                _define_metric(run, item[0], item[1])
            else:  # cross-validation: ("cv_agg", "data metric", mean, better, stdv)
                data, name = item[1].split()
                _define_metric(run, data, f"{name}-mean")
                _define_metric(run, data, f"{name}-stdv")

    def __call__(self, env: Any) -> None:
        run = _run()
        if env.iteration == env.begin_iteration:
            self._start(run, env)
        row: dict[str, Any] = {}
        for item in env.evaluation_result_list:
            if len(item) == 4:
                row[f"{item[0]}_{item[1]}"] = item[2]
            else:
                data, name = item[1].split()
                row[f"{data}_{name}-mean"] = item[2]
                row[f"{data}_{name}-stdv"] = item[4]
        row["iteration"] = env.iteration
        run.log(row)


def wandb_callback(log_params: bool = True, define_metric: bool = True) -> Any:
    return _WandbCallback(log_params, define_metric)


def log_summary(model: Any, feature_importance: bool = True,
                save_model_checkpoint: bool = False) -> None:
    import lightgbm  # type: ignore[import-not-found, unused-ignore]

    run = _run()
    if not isinstance(model, lightgbm.Booster):
        raise UsageError("log_summary(): the model must be a lightgbm.Booster; got "
                         f"{type(model).__name__}")
    run.summary["best_iteration"] = model.best_iteration
    run.summary["best_score"] = {data: dict(scores)
                                 for data, scores in model.best_score.items()}
    if feature_importance:
        import cairn.plot
        from cairn.sdk.media import Table

        rows = [[name, float(value)] for name, value
                in zip(model.feature_name(), model.feature_importance(), strict=True)]
        table = Table(data=rows, columns=["Feature", "Importance"])
        run.log({"Feature Importance": cairn.plot.bar(table, "Feature", "Importance",
                                                      title="Feature Importance")},
                commit=False)
    if save_model_checkpoint:
        from cairn.sdk.artifacts.artifact import Artifact

        path = Path(run.dir) / f"model_ckpt_{model.best_iteration}.txt"
        model.save_model(str(path), num_iteration=model.best_iteration)
        artifact = Artifact(name=f"model_{run.id}", type="model")
        artifact.add_file(str(path))
        run.log_artifact(artifact, aliases=["best"])
