"""``WandbCallback`` for Stable-Baselines3, as wandb's ``wandb.integration.sb3``.

The model's hyperparameters join the run's config (``algo`` and every plain attribute of
the model, others as strings; keys already set are kept); with ``gradient_save_freq`` the
policy is watched (``Run.watch``); with ``model_save_path`` the model is saved there
(``model.zip``) every ``model_save_freq`` calls and at the end, and kept as a run file.
SB3's own metrics arrive through its TensorBoard logger with
``init(sync_tensorboard=True)``, as with wandb.
"""

from __future__ import annotations

import os
from typing import Any

from stable_baselines3.common.callbacks import (  # type: ignore[import-not-found, unused-ignore]
    BaseCallback,
)

from cairn.errors import UsageError


def _run() -> Any:
    import cairn

    run = cairn.run
    if run is None:
        raise UsageError("You must call wandb.init() (cairn.init()) before WandbCallback()")
    return run


class WandbCallback(BaseCallback):  # type: ignore[misc, unused-ignore]
    def __init__(self, verbose: int = 0, model_save_path: str | None = None,
                 model_save_freq: int = 0, gradient_save_freq: int = 0,
                 log: str | None = "all") -> None:
        super().__init__(verbose)
        _run()
        if log not in ("gradients", "parameters", "all", None):
            raise ValueError(f"WandbCallback log must be 'gradients', 'parameters', 'all' or "
                             f"None; got {log!r}")
        if model_save_path is None and model_save_freq:
            raise ValueError("WandbCallback: model_save_freq needs model_save_path")
        self.model_save_freq = model_save_freq
        self.model_save_path = model_save_path
        self.gradient_save_freq = gradient_save_freq
        self.log = log
        self.path: str | None = None
        if model_save_path is not None:
            os.makedirs(model_save_path, exist_ok=True)
            self.path = os.path.join(model_save_path, "model.zip")

    def _init_callback(self) -> None:
        run = _run()
        values: dict[str, Any] = {"algo": type(self.model).__name__}
        for key, value in self.model.__dict__.items():
            if key in run.config:
                continue
            values[key] = value if type(value) in (float, int, str) else str(value)
        if self.gradient_save_freq > 0:
            run.watch(self.model.policy, log_freq=self.gradient_save_freq, log=self.log)
        run.config.setdefaults(values)

    def _on_step(self) -> bool:
        if self.model_save_freq > 0 and self.n_calls % self.model_save_freq == 0:
            self.save_model()
        return True

    def _on_training_end(self) -> None:
        if self.path is not None:
            self.save_model()

    def save_model(self) -> None:
        if self.path is None:
            return
        self.model.save(self.path)
        _run().save(os.path.abspath(self.path),
                    base_path=os.path.abspath(self.model_save_path or "."), policy="now")
