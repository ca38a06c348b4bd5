"""Keras callbacks, as wandb's ``wandb.integration.keras``, on Keras 3 (any backend).

- ``WandbMetricsLogger(log_freq="epoch"|"batch"|N)``: the ``logs`` Keras passes, as
  ``epoch/<metric>`` against ``epoch/epoch`` (or ``batch/<metric>`` against
  ``batch/batch_step`` every N batches), with the optimizer's learning rate.
- ``WandbModelCheckpoint(filepath, ...)``: Keras' ``ModelCheckpoint`` that also logs each
  saved file as a ``model`` artifact (``run_<id>_model``, aliases ``latest``, ``epoch_N``).
- ``WandbEvalCallback``: builds a data table at the start of training and a predictions
  table after each epoch; subclasses write ``add_ground_truth`` and
  ``add_model_predictions``.
"""

from __future__ import annotations

import abc
import os
from typing import Any

import keras  # type: ignore[import-not-found, unused-ignore]

from cairn.errors import UsageError


def _run() -> Any:
    import cairn

    run = cairn.run
    if run is None:
        raise UsageError("You must call wandb.init() (cairn.init()) before using a wandb "
                         "Keras callback")
    return run


def _learning_rate(model: Any) -> float | None:
    optimizer = getattr(model, "optimizer", None)
    rate = getattr(optimizer, "learning_rate", None)
    if rate is None:
        return None
    try:
        return float(keras.ops.convert_to_numpy(rate))
    except (TypeError, ValueError):
        return None


class WandbMetricsLogger(keras.callbacks.Callback):  # type: ignore[misc, unused-ignore]
    def __init__(self, log_freq: str | int = "epoch", initial_global_step: int = 0,
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        run = _run()
        if log_freq == "batch":
            log_freq = 1
        if not (log_freq == "epoch" or (isinstance(log_freq, int) and log_freq > 0)):
            raise ValueError(f"WandbMetricsLogger log_freq must be 'epoch', 'batch' or a "
                             f"positive int; got {log_freq!r}")
        self.logging_batch_wise = isinstance(log_freq, int)
        self.log_freq: int | None = log_freq if isinstance(log_freq, int) else None
        self.global_batch = 0
        self.global_step = initial_global_step
        if self.logging_batch_wise:
            run.define_metric("batch/batch_step")
            run.define_metric("batch/*", step_metric="batch/batch_step")
        else:
            run.define_metric("epoch/epoch")
            run.define_metric("epoch/*", step_metric="epoch/epoch")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        row = {f"epoch/{k}": _number(v) for k, v in (logs or {}).items()}
        row["epoch/epoch"] = epoch
        rate = _learning_rate(self.model)
        if rate is not None:
            row["epoch/learning_rate"] = rate
        _run().log(row)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.global_step += 1
        if self.log_freq is None or batch % self.log_freq != 0:
            return
        row = {f"batch/{k}": _number(v) for k, v in (logs or {}).items()}
        row["batch/batch_step"] = self.global_batch
        rate = _learning_rate(self.model)
        if rate is not None:
            row["batch/learning_rate"] = rate
        _run().log(row)
        self.global_batch += self.log_freq


def _number(value: Any) -> Any:
    try:
        return float(keras.ops.convert_to_numpy(value))
    except (TypeError, ValueError):
        return value


class WandbModelCheckpoint(keras.callbacks.ModelCheckpoint):  # type: ignore[misc, unused-ignore]
    def __init__(self, filepath: str | os.PathLike[str], monitor: str = "val_loss",
                 verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto",
                 save_freq: str | int = "epoch", initial_value_threshold: float | None = None,
                 **kwargs: Any) -> None:
        super().__init__(filepath=os.fspath(filepath), monitor=monitor, verbose=verbose,
                         save_best_only=save_best_only, save_weights_only=save_weights_only,
                         mode=mode, save_freq=save_freq,
                         initial_value_threshold=initial_value_threshold, **kwargs)
        _run()
        self._logged: dict[str, float] = {}

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        super().on_epoch_end(epoch, logs)
        if self.save_freq == "epoch":
            self._log_saved(f"epoch_{epoch}")

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        super().on_train_batch_end(batch, logs)
        if self.save_freq != "epoch":
            self._log_saved(f"batch_{batch}")

    def _log_saved(self, alias: str) -> None:
        """Log every checkpoint file written since the last call (best-only saves skip)."""
        from cairn.sdk.artifacts.artifact import Artifact

        folder = os.path.dirname(os.path.abspath(self.filepath)) or "."
        run = _run()
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if not os.path.isfile(path) or not name.endswith((".keras", ".h5", ".weights.h5")):
                continue
            mtime = os.path.getmtime(path)
            if self._logged.get(path) == mtime:
                continue
            self._logged[path] = mtime
            artifact = Artifact(f"run_{run.id}_model", type="model")
            artifact.add_file(path)
            run.log_artifact(artifact, aliases=["latest", alias])


class WandbEvalCallback(keras.callbacks.Callback, abc.ABC):  # type: ignore[misc, unused-ignore]
    def __init__(self, data_table_columns: list[str], pred_table_columns: list[str],
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _run()
        self.data_table_columns = data_table_columns
        self.pred_table_columns = pred_table_columns
        self.data_table: Any = None
        self.pred_table: Any = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.init_data_table(column_names=self.data_table_columns)
        self.add_ground_truth(logs)
        self.log_data_table()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.init_pred_table(column_names=self.pred_table_columns)
        self.add_model_predictions(epoch, logs)
        self.log_pred_table()

    @abc.abstractmethod
    def add_ground_truth(self, logs: dict[str, Any] | None = None) -> None:
        """Add rows of ground truth to ``self.data_table``."""

    @abc.abstractmethod
    def add_model_predictions(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Add rows of predictions to ``self.pred_table``."""

    def init_data_table(self, column_names: list[str]) -> None:
        from cairn.sdk.media import Table

        self.data_table = Table(columns=column_names, allow_mixed_types=True)

    def init_pred_table(self, column_names: list[str]) -> None:
        from cairn.sdk.media import Table

        self.pred_table = Table(columns=column_names, allow_mixed_types=True)

    def log_data_table(self, name: str = "val", type: str = "dataset",
                       table_name: str = "val_data") -> None:
        _run().log({table_name: self.data_table})

    def log_pred_table(self, type: str = "evaluation", table_name: str = "eval_data",
                       aliases: list[str] | None = None) -> None:
        _run().log({table_name: self.pred_table})
