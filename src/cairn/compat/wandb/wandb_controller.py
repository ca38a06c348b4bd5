"""``wandb.controller``: build a sweep step by step, create it, and follow it.

wandb's local controller runs the search in the user's process and hands runs to agents.
cairn's controller needs no process of its own: every agent asks the store for its next
trial (``sweeps/controller.py``). So :class:`SweepController` builds the config
(``configure_*``), creates the sweep with ``cairn.sweep``, and its ``run()`` follows the
sweep until it is done (stopped, canceled, its grid or ``run_cap`` used up, with no
trial running), printing its status, while agents do the work.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cairn.errors import UsageError
from cairn.store.sweeps import SweepRow, TrialRow

POLL_S = 2.0
"""Seconds between two looks at the sweep in ``run()``."""
_ENDED = ("finished", "canceled")


class SweepController:
    """What ``wandb.controller(sweep_id_or_config, entity, project)`` returns."""

    def __init__(self, sweep_id_or_config: str | Mapping[str, Any] | None = None,
                 entity: str | None = None, project: str | None = None) -> None:
        self._entity, self._project = entity, project
        self._sweep_id: str | None = None
        self._config: dict[str, Any] = {}
        if isinstance(sweep_id_or_config, str):
            self._sweep_id = sweep_id_or_config
            self._config = dict(self._row().config)
        elif isinstance(sweep_id_or_config, Mapping):
            self._config = dict(sweep_id_or_config)
        elif sweep_id_or_config is not None:
            raise TypeError("controller() takes a sweep id or a sweep config; got "
                            f"{type(sweep_id_or_config).__name__}")

    # ---- building the config -----------------------------------------------------------
    def _configuring(self, key: str, value: Any) -> None:
        if self._sweep_id is not None:
            raise UsageError(f"sweep {self._sweep_id} exists already; its {key} cannot "
                             "change")
        self._config[key] = value

    def configure(self, sweep_dict_or_yaml: Mapping[str, Any] | str | Path) -> None:
        from cairn.sweeps.config import load_config

        for key, value in load_config(sweep_dict_or_yaml).items():
            self._configuring(key, value)

    def configure_search(self, search: str, **kwargs: Any) -> None:
        self._configuring("method", search)

    def configure_stopping(self, stopping: str, **kwargs: Any) -> None:
        self._configuring("early_terminate", {"type": stopping, **kwargs})

    def configure_metric(self, metric: str, goal: str | None = None) -> None:
        self._configuring("metric", {"name": metric, **({"goal": goal} if goal else {})})

    def configure_program(self, program: str) -> None:
        self._configuring("program", program)

    def configure_name(self, name: str) -> None:
        self._configuring("name", name)

    def configure_description(self, description: str) -> None:
        self._configuring("description", description)

    def configure_controller(self, type: str) -> None:
        """Accepted for wandb's ``local``/``cloud``: cairn's controller is the store."""
        if type not in ("local", "cloud"):
            raise ValueError(f"configure_controller type is 'local' or 'cloud'; got {type!r}")

    def configure_parameter(self, name: str, values: list[Any] | None = None,
                            value: Any = None, distribution: str | None = None,
                            min: float | None = None, max: float | None = None,
                            mu: float | None = None, sigma: float | None = None,
                            q: float | None = None, a: float | None = None,
                            b: float | None = None) -> None:
        given = {"values": values, "value": value, "distribution": distribution, "min": min,
                 "max": max, "mu": mu, "sigma": sigma, "q": q, "a": a, "b": b}
        spec = {k: v for k, v in given.items() if v is not None}
        if self._sweep_id is not None:
            raise UsageError(f"sweep {self._sweep_id} exists already; its parameters cannot "
                             "change")
        self._config.setdefault("parameters", {})[name] = spec

    # ---- the sweep -----------------------------------------------------------------------
    @property
    def sweep_config(self) -> dict[str, Any]:
        return dict(self._config)

    @property
    def sweep_id(self) -> str | None:
        return self._sweep_id

    def create(self, from_dict: bool = False) -> str:
        """Store the sweep (its config is checked first); returns its id."""
        if self._sweep_id is not None:
            raise UsageError(f"sweep {self._sweep_id} is created already")
        from cairn.sweeps.api import sweep

        self._sweep_id = sweep(self._config, entity=self._entity, project=self._project)
        return self._sweep_id

    def _row(self) -> SweepRow:
        from cairn.backend import open_backend
        from cairn.sweeps.api import _settings
        from cairn.sweeps.controller import find_sweep

        if self._sweep_id is None:
            raise UsageError("the sweep is not created yet: call create() first")
        backend = open_backend(settings=_settings(self._entity, self._project),
                               create=False)
        try:
            return find_sweep(backend.store, self._sweep_id, self._entity, self._project)
        finally:
            backend.close()

    def _trials(self, row: SweepRow) -> list[TrialRow]:
        from cairn.backend import open_backend
        from cairn.sweeps.api import _settings

        backend = open_backend(settings=_settings(self._entity, self._project),
                               create=False)
        try:
            return backend.store.sweep_trials(row.pk)
        finally:
            backend.close()

    def done(self) -> bool:
        """Whether the sweep will hand out no more trials and none is running."""
        row = self._row()
        if row.state in _ENDED:
            return True
        running = any(t.state == "running" for t in self._trials(row))
        run_cap = row.config.get("run_cap")
        used_up = (row.grid_size is not None and row.grid_next >= row.grid_size) or \
            (isinstance(run_cap, int) and row.trial_count >= run_cap)
        return used_up and not running

    def step(self) -> None:
        """One look at the sweep (wandb's step schedules runs; cairn's agents ask)."""
        self._row()

    def print_status(self) -> None:
        row = self._row()
        counts: dict[str, int] = {}
        for trial in self._trials(row):
            counts[trial.state] = counts.get(trial.state, 0) + 1
        shown = ", ".join(f"{state}: {n}" for state, n in sorted(counts.items())) or "no trials"
        print(f"cairn: sweep {row.path} ({row.method}, {row.state}): {shown}")

    def run(self, verbose: bool = False, print_status: bool = True,
            print_actions: bool = False, print_debug: bool = False) -> None:
        """Follow the sweep until it is done (see the module docstring)."""
        if self._sweep_id is None:
            self.create()
        while True:
            if print_status:
                self.print_status()
            if self.done():
                return
            time.sleep(POLL_S)


_WandbController = SweepController


def controller(sweep_id_or_config: str | Mapping[str, Any] | None = None,
               entity: str | None = None, project: str | None = None) -> SweepController:
    """``wandb.controller``: see :class:`SweepController`."""
    return SweepController(sweep_id_or_config, entity, project)


__all__ = ["SweepController", "controller"]
