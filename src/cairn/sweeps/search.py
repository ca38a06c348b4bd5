"""The next parameters of a sweep: grid, random, or Bayesian (Optuna's TPE).

Every suggestion is a pure function of the sweep's seed, the trial's number and (for
bayes) the trials so far, so the same sweep suggests the same points again.

Bayesian search uses Optuna's TPE sampler rather than its GP sampler: TPE's cost grows
linearly with the history (a suggestion with 1,000 finished trials stays within tens of
milliseconds; a GP's is cubic and takes seconds there), it handles categorical, integer
and log-scaled parameters natively, and its constant-liar mode counts trials still running
as if they had done badly, so parallel agents spread out instead of all sampling the same
point.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from cairn.sweeps.config import Metric, SweepConfig
from cairn.sweeps.params import Param

if TYPE_CHECKING:
    import optuna

_MISSING = object()


@dataclass(frozen=True)
class Observation:
    """A trial as the search sees it: its parameters (nested, as the run's config holds
    them) and its metric value (None while running, or when it never logged one)."""

    params: Mapping[str, Any]
    value: float | None
    running: bool = False


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` as ``{"a": {"b": 1}}``."""
    out: dict[str, Any] = {}
    for name, value in flat.items():
        *parents, leaf = name.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def lookup(params: Mapping[str, Any], param: Param) -> Any:
    """The value of a parameter in nested params (a dotted key as is, too); ``_MISSING``."""
    if param.name in params:
        return params[param.name]
    node: Any = params
    for part in param.path:
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _seed(*parts: Any) -> int:
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:4], "little")


# ---- grid ------------------------------------------------------------------------------
def grid_size(config: SweepConfig) -> int:
    return math.prod(len(p.grid_values()) for p in config.params)


def grid_point(config: SweepConfig, index: int) -> dict[str, Any]:
    """Point ``index`` of the grid, the last parameter (by name) varying fastest."""
    flat: dict[str, Any] = {}
    for param in reversed(config.params):
        values = param.grid_values()
        index, at = divmod(index, len(values))
        flat[param.name] = values[at]
    return nest(dict(sorted(flat.items())))


# ---- random ----------------------------------------------------------------------------
def random_point(config: SweepConfig, seed: int, number: int) -> dict[str, Any]:
    import numpy as np

    rng = np.random.default_rng([seed, number])
    return nest({p.name: p.sample(rng) for p in config.params})


# ---- bayes -----------------------------------------------------------------------------
def _distributions(config: SweepConfig) -> dict[str, optuna.distributions.BaseDistribution]:
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    found: dict[str, optuna.distributions.BaseDistribution] = {}
    for p in config.searched:
        if p.kind == "categorical":
            found[p.name] = CategoricalDistribution(list(range(len(p.values))))
        elif p.kind == "int":
            found[p.name] = IntDistribution(int(p.settings["min"]), int(p.settings["max"]))
        else:
            found[p.name] = FloatDistribution(0.0, 1.0)
    return found


def _internal(param: Param, value: Any) -> Any:
    """A parameter value in the search's space (None: not one the sweep could suggest)."""
    if param.kind == "categorical":
        for index, choice in enumerate(param.values):
            if choice == value and type(choice) is type(value):
                return index
        return None
    if param.kind == "int":
        if isinstance(value, int) and not isinstance(value, bool) and \
                param.settings["min"] <= value <= param.settings["max"]:
            return value
        return None
    return param.cdf(value)


def _external(param: Param, value: Any) -> Any:
    if param.kind == "categorical":
        return param.values[int(value)]
    if param.kind == "int":
        return int(value)
    return param.ppf(float(value))


def _trial(config: SweepConfig, dists: Mapping[str, Any], obs: Observation,
           metric: Metric) -> optuna.trial.FrozenTrial | None:
    from optuna.trial import TrialState, create_trial

    params: dict[str, Any] = {}
    for p in config.searched:
        found = lookup(obs.params, p)
        inner = None if found is _MISSING else _internal(p, found)
        if inner is None:
            return None  # a prior run outside this search space tells it nothing
        params[p.name] = inner
    if obs.running:
        return create_trial(state=TrialState.RUNNING, params=params, distributions=dict(dists))
    if obs.value is None or not math.isfinite(obs.value):
        return create_trial(state=TrialState.FAIL, params=params, distributions=dict(dists))
    return create_trial(value=obs.value, params=params, distributions=dict(dists))


def _sampler(space: Mapping[str, Any], seed: int) -> optuna.samplers.BaseSampler:
    """Optuna's TPE (multivariate, constant liar) over a search space known up front.

    Every trial of a sweep has every parameter (prior runs outside the space are left out),
    so the space is the sweep's: the sampler is told it, rather than finding the
    intersection of every trial's parameters again on each suggestion (a fresh sampler
    each time, for reproducible suggestions, would have no cache of it)."""
    import optuna

    class FixedSpaceTPE(optuna.samplers.TPESampler):
        def infer_relative_search_space(
                self, study: optuna.Study, trial: optuna.trial.FrozenTrial,
        ) -> dict[str, optuna.distributions.BaseDistribution]:
            return dict(space)

    return FixedSpaceTPE(seed=seed, constant_liar=True, multivariate=True)


class BayesSearch:
    """Optuna's TPE over a sweep's history, kept between suggestions: each call adds the
    trials it has not seen (and updates those that finished since), instead of rebuilding
    a study of every trial. A fresh sampler seeded by the sweep's seed and the trial's
    number makes each suggestion a function of the history alone."""

    def __init__(self, config: SweepConfig) -> None:
        import optuna

        assert config.metric is not None  # parse_config requires one for bayes
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.config = config
        self._dists = _distributions(config)
        self._direction: Literal["minimize", "maximize"] = (
            "minimize" if config.metric.goal == "minimize" else "maximize")
        self._reset()

    def _reset(self) -> None:
        import optuna

        self._study = optuna.create_study(direction=self._direction)
        self._seen: list[tuple[Any, tuple[bool, float | None], int | None]] = []
        """(key, (running, value), trial id in the study) of each observation added, in
        order."""

    def _sync(self, history: Sequence[tuple[Any, Observation]]) -> None:
        """Bring the study up to ``history`` (keyed observations, in a stable order)."""
        metric = self.config.metric
        assert metric is not None
        if [key for key, _ in history[:len(self._seen)]] != [k for k, _, _ in self._seen]:
            self._reset()  # not an extension of what the study holds: rebuild it
        storage, study_id = self._study._storage, self._study._study_id
        for at, (key, obs) in enumerate(history):
            outcome = (obs.running, obs.value)
            if at < len(self._seen) and self._seen[at][1] == outcome:
                continue  # unchanged: no trial is built (the common case, and the cost)
            trial = _trial(self.config, self._dists, obs, metric)
            if at >= len(self._seen):
                trial_id = None
                if trial is not None:
                    self._study.add_trial(trial)
                    trial_id = storage.get_all_trials(study_id, deepcopy=False)[-1]._trial_id
                self._seen.append((key, outcome, trial_id))
                continue
            trial_id = self._seen[at][2]
            self._seen[at] = (key, outcome, trial_id)
            if trial_id is None or trial is None:
                continue
            # a trial that was running has ended since: its copy in the study takes the end
            values = None if trial.value is None else [trial.value]
            storage.set_trial_state_values(trial_id, trial.state, values)

    def suggest(self, seed: int, number: int,
                history: Sequence[tuple[Any, Observation]]) -> dict[str, Any]:
        """The next point given every earlier trial (finished, failed and running) and
        the prior runs, each keyed (by trial number or run) in a stable order."""
        import optuna

        self._sync(history)
        self._study.sampler = _sampler(self._dists, _seed(seed, number))
        asked = self._study.ask(dict(self._dists))
        flat = {p.name: p.settings["value"] for p in self.config.params if p.kind == "fixed"}
        for p in self.config.searched:
            flat[p.name] = _external(p, asked.params[p.name])
        # The asked trial is closed as failed (which TPE ignores): the store records what
        # was asked, and the next call sees it as a running trial from there.
        self._study._storage.set_trial_state_values(asked._trial_id,
                                                    optuna.trial.TrialState.FAIL)
        return nest(dict(sorted(flat.items())))


__all__ = ["BayesSearch", "Observation", "grid_point", "grid_size", "lookup", "nest",
           "random_point"]
