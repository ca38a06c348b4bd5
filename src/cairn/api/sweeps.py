"""``Api().sweep(path)``: a stored sweep as wandb's public ``Sweep`` shows it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from cairn.store.sweeps import SweepRow, TrialRow

if TYPE_CHECKING:
    from cairn.api.public import Api, Run


def _summary_number(summary: dict[str, Any], key: str) -> float | None:
    from cairn.sweeps.controller import metric_value

    return metric_value(summary, key)


def _order_key(order: str) -> tuple[str, bool]:
    """``-acc`` / ``+loss`` / ``summary_metrics.loss`` as (summary key, descending)."""
    descending = order.startswith("-")
    key = order.lstrip("+-")
    for prefix in ("summary_metrics.", "summary."):
        key = key.removeprefix(prefix)
    return key, descending


class Sweep:
    """A sweep: ``id``, ``name``, ``entity``, ``project``, ``config``, ``state`` (wandb's
    upper-case names: RUNNING, PAUSED, FINISHED, CANCELED), ``runs`` and ``trials``."""

    def __init__(self, api: Api, row: SweepRow) -> None:
        self._api = api
        self._row = row
        self.id = row.sweep_id
        self.entity = row.entity
        self.project = row.project
        self._runs: list[Run] | None = None

    @property
    def config(self) -> dict[str, Any]:
        return dict(self._row.config)

    @property
    def name(self) -> str:
        return self._row.name or self.id

    @property
    def state(self) -> str:
        return self._row.state.upper()

    @property
    def path(self) -> list[str]:
        return [self.entity, self.project, self.id]

    @property
    def url(self) -> str:
        base = self._api.settings.ui_url.rstrip("/")
        return f"{base}/{self.entity}/{self.project}/sweeps/{self.id}"

    @property
    def expected_run_count(self) -> int | None:
        """The grid's size (capped by ``run_cap``), ``run_cap``, or None for no end."""
        cap = self._row.config.get("run_cap")
        grid = self._row.grid_size
        if grid is not None:
            return min(grid, cap) if isinstance(cap, int) else grid
        return cap if isinstance(cap, int) else None

    @property
    def trials(self) -> list[TrialRow]:
        """Every trial handed out, by number, with its state, value and stop reason."""
        return self._api.store.sweep_trials(self._row.pk)

    @property
    def runs(self) -> list[Run]:
        """The runs of the sweep's trials that reached the store, in trial order."""
        if self._runs is None:
            from cairn.api.public import Run

            store = self._api.store
            ids = [t.run_id for t in self.trials]
            versions = store.run_versions(self.entity, self.project, ids)
            rows = store.runs_by_pk([versions[i].pk for i in ids if i in versions])
            self._runs = [Run(self._api, row) for row in rows]
        return self._runs

    @property
    def order(self) -> str | None:
        metric = self._row.config.get("metric")
        if not isinstance(metric, dict) or not isinstance(metric.get("name"), str):
            return None
        prefix = "-" if metric.get("goal") == "maximize" else "+"
        return prefix + str(metric["name"])

    def best_run(self, order: str | None = None) -> Run | None:
        """The run best by ``order`` (``-key`` descending, ``+key`` ascending, a summary
        key), by default by the sweep's metric and goal; without either, the newest run.
        Runs without a number there come last."""
        runs = self.runs
        if not runs:
            return None
        order = order or self.order
        if order is None:
            return max(runs, key=lambda r: r._row.created_at)
        key, descending = _order_key(order)

        def rank(run: Run) -> tuple[bool, float]:
            value = _summary_number(run.summary, key)
            if value is None or math.isnan(value):
                return True, 0.0
            return False, -value if descending else value

        return min(runs, key=rank)

    def load(self, force: bool = False) -> dict[str, Any]:
        """Read the sweep again from the store."""
        from cairn.sweeps.controller import find_sweep

        self._row = find_sweep(self._api.store, "/".join(self.path))
        self._runs = None
        return dict(self._row.config)

    def __repr__(self) -> str:
        return f"<Sweep {'/'.join(self.path)} ({self.state})>"


__all__ = ["Sweep"]
