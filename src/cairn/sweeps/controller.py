"""The controller: hands out a sweep's trials and judges them, with every bit of its state
in the store (``store/sweeps.py``), so any number of agents, in any processes, share it.

Each agent holds a ``Controller``; what it caches (the Bayesian search's study, the
parsed config) is rebuilt from the store whenever it is out of date.
"""

from __future__ import annotations

import math
import os
import secrets
import socket
import time
from collections.abc import Mapping, Sequence
from typing import Any

from cairn.errors import NotFoundError, UsageError
from cairn.records import RunRef
from cairn.store.base import MetadataStore
from cairn.store.sweeps import Claim, SweepRow, TrialRow, TrialsSince
from cairn.sweeps import hyperband, search
from cairn.sweeps.config import SweepConfig, parse_config

_HOST = socket.gethostname()
CHANGE_MARGIN = 300.0
"""Seconds before the last read from which ended trials are read again."""
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def new_sweep_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))


def create_sweep(store: MetadataStore, config: SweepConfig, entity: str, project: str,
                 prior_runs: Sequence[str] = (), seed: int | None = None) -> SweepRow:
    """Store a new sweep (the config is already checked)."""
    grid = search.grid_size(config) if config.method == "grid" else None
    return store.create_sweep(entity, project, new_sweep_id(), name=config.name,
                              method=config.method, config=config.raw,
                              seed=secrets.randbelow(2**31) if seed is None else seed,
                              grid_size=grid, prior_runs=list(prior_runs))


def find_sweep(store: MetadataStore, sweep_id: str, entity: str | None = None,
               project: str | None = None) -> SweepRow:
    """The sweep named by ``id``, ``project/id`` or ``entity/project/id``."""
    parts = sweep_id.strip("/").split("/")
    if len(parts) > 3 or not all(parts):
        raise UsageError(f"a sweep is named by id, project/id or entity/project/id; got "
                         f"{sweep_id!r}")
    if len(parts) == 3:
        entity, project = parts[0], parts[1]
    elif len(parts) == 2:
        project = parts[0]
    found = store.find_sweeps(entity, project, parts[-1])
    if not found:
        where = "/".join(p for p in (entity, project) if p)
        raise NotFoundError(f"no sweep {parts[-1]!r}" + (f" in {where}" if where else ""))
    if len(found) > 1:
        paths = ", ".join(s.path for s in found)
        raise UsageError(f"sweep id {parts[-1]!r} is in several projects ({paths}); name it "
                         "as entity/project/id")
    return found[0]


def metric_value(summary: Mapping[str, Any], name: str) -> float | None:
    """The metric's number in a run's summary (a dotted name reaches into nested keys)."""
    node: Any = summary
    if name in summary:
        node = summary[name]
    else:
        for part in name.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
    if isinstance(node, bool) or not isinstance(node, int | float):
        return None
    value = float(node)
    return value if math.isfinite(value) else None


class Controller:
    def __init__(self, store: MetadataStore, sweep: SweepRow) -> None:
        self.store = store
        self.sweep = sweep
        self.config = parse_config(sweep.config)
        self._bayes: search.BayesSearch | None = None
        self._known: dict[int, TrialRow] = {}
        self._read_at = 0.0
        self._prior: list[tuple[Any, search.Observation]] | None = None

    # ---- handing out trials ------------------------------------------------------------
    def claim(self, run_id: str) -> Claim:
        claim = self.store.claim_trial(self.sweep.pk, run_id, host=_HOST, pid=os.getpid(),
                                       run_cap=self.config.run_cap, propose=self._propose)
        self.sweep = claim.sweep
        return claim

    def _propose(self, sweep: SweepRow, trials: TrialsSince,
                 grid_index: int | None) -> dict[str, Any]:
        if grid_index is not None:
            return search.grid_point(self.config, grid_index)
        number = sweep.trial_count
        if self.config.method == "random":
            return search.random_point(self.config, sweep.seed, number)
        if self._bayes is None:
            self._bayes = search.BayesSearch(self.config)
        history = [*self._prior_runs(), *self._observations(self._trials_now(trials))]
        return self._bayes.suggest(sweep.seed, number, history)

    def _trials_now(self, trials: TrialsSince) -> list[TrialRow]:
        """Every trial, reading only what changed since the last claim: new trials, running
        ones, and those that ended lately (``CHANGE_MARGIN`` covers clocks of other hosts
        and transactions that committed late)."""
        if not self._known:
            found = trials(0, None)
        else:
            found = trials(max(self._known) + 1, self._read_at - CHANGE_MARGIN)
        self._read_at = time.time()
        for trial in found:
            self._known[trial.number] = trial
        return [self._known[n] for n in sorted(self._known)]

    def _observations(self, trials: Sequence[TrialRow]) -> list[tuple[Any, search.Observation]]:
        return [(("trial", t.number), search.Observation(t.params, t.value,
                                                          running=t.state == "running"))
                for t in trials]

    def _prior_runs(self) -> list[tuple[Any, search.Observation]]:
        """``prior_runs``: runs of the project (by id) whose config and summary metric are
        history the search starts from."""
        if self._prior is None:
            metric = self.config.metric
            found: list[tuple[Any, search.Observation]] = []
            for run_id in self.sweep.prior_runs:
                run = self.store.get_run(RunRef(self.sweep.entity, self.sweep.project, run_id))
                if run is None or metric is None:
                    continue
                value = metric_value(run.summary, metric.name)
                found.append((("prior", run_id), search.Observation(run.config, value)))
            self._prior = found
        return self._prior

    # ---- judging trials ------------------------------------------------------------------
    def trial_value(self, run_id: str) -> float | None:
        """The sweep metric of a trial's run, from its summary."""
        if self.config.metric is None:
            return None
        run = self.store.get_run(RunRef(self.sweep.entity, self.sweep.project, run_id))
        return None if run is None else metric_value(run.summary, self.config.metric.name)

    def histories(self, trials: Sequence[TrialRow]) -> dict[str, list[float]]:
        """Each trial's logged values of the sweep metric, signed (lower is better)."""
        metric = self.config.metric
        assert metric is not None
        versions = self.store.run_versions(self.sweep.entity, self.sweep.project,
                                           [t.run_id for t in trials])
        found: dict[str, list[float]] = {}
        for run_id, version in versions.items():
            _, values, _ = self.store.read_series(version.pk, metric.name)
            found[run_id] = hyperband.signed_history(values.tolist(), metric)
        return found

    def early_stop(self, run_id: str) -> str | None:
        """Why a running trial should stop now under Hyperband (None: let it run)."""
        early, metric = self.config.early_terminate, self.config.metric
        if early is None or metric is None:
            return None
        trials = self.store.sweep_trials(self.sweep.pk)
        verdicts = hyperband.judge(early, self.histories(trials), [run_id])
        verdict = verdicts.get(run_id)
        return None if verdict is None else verdict.reason(metric)

    def end(self, trial: TrialRow, state: str, stop_reason: str | None = None) -> SweepRow:
        value = self.trial_value(trial.run_id)
        metric = self.config.metric
        reached = value is not None and metric is not None and metric.reached(value)
        self.sweep = self.store.end_trial(self.sweep.pk, trial.number, state, value,
                                          stop_reason, reached)
        return self.sweep


__all__ = ["Controller", "create_sweep", "find_sweep", "metric_value", "new_sweep_id"]
