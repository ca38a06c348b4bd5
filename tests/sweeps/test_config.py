"""Sweep configs in wandb's schema: accepted, filled in, or refused naming the key."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cairn.sweeps.config import SweepConfigError, load_config, parse_config
from cairn.sweeps.params import DISTRIBUTIONS


def _one(spec: dict[str, Any], method: str = "random") -> Any:
    return parse_config({"method": method, "parameters": {"x": spec}}).params[0]


def test_full_config_is_accepted_with_defaults() -> None:
    config = parse_config({
        "method": "bayes", "name": "s", "description": "d", "program": "train.py",
        "metric": {"name": "val.loss", "target": 0.1},
        "run_cap": 20,
        "command": ["${env}", "${interpreter}", "${program}", "${args}"],
        "early_terminate": {"type": "hyperband", "min_iter": 3},
        "parameters": {"optimizer": {"parameters": {"lr": {"min": 0.0, "max": 1.0},
                                                    "kind": {"values": ["adam", "sgd"]}}},
                       "epochs": {"value": 5}},
    })
    assert [p.name for p in config.params] == ["epochs", "optimizer.kind", "optimizer.lr"]
    assert config.metric is not None
    assert config.metric.goal == "minimize"
    assert config.metric.target == 0.1
    assert config.early_terminate is not None
    assert config.early_terminate.bands[:3] == (3, 9, 27)
    assert config.early_terminate.eta == 3
    assert config.early_terminate.strict is True
    assert [p.name for p in config.searched] == ["optimizer.kind", "optimizer.lr"]


@pytest.mark.parametrize(("spec", "distribution"), [
    ({"value": 1}, "constant"),
    ({"values": [1, 2]}, "categorical"),
    ({"values": [1, 2], "probabilities": [0.3, 0.7]}, "categorical_w_probabilities"),
    ({"min": 1, "max": 3}, "int_uniform"),
    ({"min": 1.0, "max": 3.0}, "uniform"),
])
def test_distribution_inferred_as_wandb(spec: dict[str, Any], distribution: str) -> None:
    assert _one(spec).distribution == distribution


@pytest.mark.parametrize(("raw", "message"), [
    ({"method": "grid", "parameters": {"a": {"values": [1]}}, "metrc": {}}, "'metrc'"),
    ({"method": "hill", "parameters": {"a": {"value": 1}}}, "method must be one of"),
    ({"method": "custom", "parameters": {"a": {"value": 1}}}, "custom schedulers"),
    ({"method": "grid"}, "needs parameters"),
    ({"method": "bayes", "parameters": {"a": {"min": 0.0, "max": 1.0}}}, "needs a metric"),
    ({"method": "grid", "parameters": {"a": {"min": 0.0, "max": 1.0}}}, "grid search cannot"),
    ({"method": "random", "parameters": {"a": {"min": 0, "max": 1.0}}}, "ambiguous"),
    ({"method": "random", "parameters": {"a": {"min": 2.0, "max": 1.0}}}, "greater than max"),
    ({"method": "random", "parameters": {"a": {"distribution": "gauss"}}}, "unknown distrib"),
    ({"method": "random", "parameters": {"a": {"distribution": "normal", "min": 1}}},
     "'min' is not allowed"),
    ({"method": "random", "parameters": {"a": {"distribution": "uniform", "min": 1.0}}},
     "needs 'max'"),
    ({"method": "random", "parameters": {"a": {"distribution": "log_uniform_values",
                                               "min": 0.0, "max": 1.0}}}, "must be > 0"),
    ({"method": "random", "parameters": {"a": {"values": []}}}, "non-empty list"),
    ({"method": "random", "parameters": {"a": {"values": [1, 2],
                                               "probabilities": [0.5, 0.4]}}}, "sum to 1"),
    ({"method": "random", "parameters": {"a": {"values": [1, 2], "probabilities": [1]}}},
     "as long as values"),
    ({"method": "random", "parameters": {"a": {"distribution": "q_uniform", "min": 0.0,
                                               "max": 1.0, "q": 0}}}, "q must be > 0"),
    ({"method": "random", "parameters": {"a": {"distribution": "int_uniform", "min": 0.5,
                                               "max": 2}}}, "integer min"),
    ({"method": "random", "parameters": {"1a": {"value": 1}}}, "parameter name '1a'"),
    ({"method": "random", "parameters": {"a": {"parameters": {}}}}, "non-empty mapping"),
    ({"method": "random", "parameters": {"a": {"parameters": {"b": {"value": 1}},
                                               "value": 2}}}, "nested group"),
    ({"method": "random", "parameters": {"a": {"value": 1}}, "run_cap": 0}, "run_cap"),
    ({"method": "random", "parameters": {"a": {"value": 1}}, "metric": {"name": "m",
                                                                       "goal": "up"}},
     "metric.goal"),
    ({"method": "random", "parameters": {"a": {"value": 1}}, "metric": {"goal": "minimize"}},
     "metric.name"),
    ({"method": "random", "parameters": {"a": {"value": 1}},
      "early_terminate": {"type": "hyperband", "min_iter": 2}}, "needs a metric"),
    ({"method": "random", "parameters": {"a": {"value": 1}}, "metric": {"name": "m"},
      "early_terminate": {"type": "median"}}, "'hyperband'"),
    ({"method": "random", "parameters": {"a": {"value": 1}}, "metric": {"name": "m"},
      "early_terminate": {"type": "hyperband", "max_iter": 9}}, "needs s"),
    ({"method": "random", "parameters": {"a": {"value": 1}}, "metric": {"name": "m"},
      "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 1}}, "greater than 1"),
    ({"method": "random", "parameters": {"a": {"value": 1}}, "metric": {"name": "m"},
      "early_terminate": {"type": "hyperband", "max_iter": 2, "s": 2, "eta": 3}},
     "no brackets"),
    ({"method": "random", "parameters": {"a": {"value": 1}}, "command": ["${python}"]},
     "unknown macro ${python}"),
    ({"method": "random", "parameters": {"a": {"value": 1}}, "command": "python x.py"},
     "command must be"),
])
def test_invalid_configs_are_refused_naming_the_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(SweepConfigError, match=message.replace("$", r"\$").replace(
            "{", r"\{").replace("}", r"\}")):
        parse_config(raw)


def test_hyperband_brackets_from_max_iter_as_wandb() -> None:
    config = parse_config({"method": "random", "parameters": {"a": {"value": 1}},
                           "metric": {"name": "m"},
                           "early_terminate": {"type": "hyperband", "max_iter": 27, "s": 2,
                                               "eta": 3, "strict": False}})
    assert config.early_terminate is not None
    assert config.early_terminate.bands == (3, 9)
    assert config.early_terminate.strict is False


def test_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text("method: grid\nparameters:\n  lr:\n    values: [0.1, 0.01]\n")
    assert parse_config(load_config(path)).params[0].values == [0.1, 0.01]
    path.write_text("- not a mapping\n")
    with pytest.raises(SweepConfigError, match="must be a mapping"):
        load_config(path)
    with pytest.raises(SweepConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


# ---- every distribution samples inside its support, with wandb's meaning ----------------
_CASES: dict[str, tuple[dict[str, Any], Any]] = {
    "constant": ({"value": "x"}, lambda v: v == "x"),
    "categorical": ({"values": ["a", "b"]}, lambda v: v in ("a", "b")),
    "categorical_w_probabilities": ({"values": ["a", "b"], "probabilities": [0.0, 1.0]},
                                    lambda v: v == "b"),
    "int_uniform": ({"min": 2, "max": 4}, lambda v: isinstance(v, int) and 2 <= v <= 4),
    "uniform": ({"min": -1.0, "max": 1.0}, lambda v: -1 <= v <= 1),
    "q_uniform": ({"min": 0, "max": 10, "q": 2}, lambda v: isinstance(v, int) and v % 2 == 0),
    # wandb's log_uniform takes natural-log exponents: e^-2 .. e^0
    "log_uniform": ({"min": -2, "max": 0}, lambda v: math.exp(-2) <= v <= 1),
    "log_uniform_values": ({"min": 1e-4, "max": 1e-2}, lambda v: 1e-4 <= v <= 1e-2),
    "q_log_uniform": ({"min": 0, "max": 3, "q": 1}, lambda v: isinstance(v, int) and
                      1 <= v <= 21),
    "q_log_uniform_values": ({"min": 1, "max": 100, "q": 5},
                             lambda v: isinstance(v, int) and v % 5 == 0 and v <= 100),
    # e^-max .. e^-min
    "inv_log_uniform": ({"min": 0, "max": 2}, lambda v: math.exp(-2) <= v <= 1),
    "inv_log_uniform_values": ({"min": 0.01, "max": 0.1}, lambda v: 0.01 <= v <= 0.1),
    "normal": ({"mu": 5, "sigma": 0.1}, lambda v: 4 < v < 6),
    "q_normal": ({"mu": 5, "sigma": 2, "q": 0.5}, lambda v: (v * 2) == int(v * 2)),
    "log_normal": ({"mu": 0, "sigma": 0.5}, lambda v: v > 0),
    "q_log_normal": ({"mu": 2, "sigma": 0.5, "q": 1}, lambda v: isinstance(v, int) and v >= 0),
    "beta": ({"a": 2, "b": 5}, lambda v: 0 <= v <= 1),
    "q_beta": ({"a": 2, "b": 2, "q": 0.25}, lambda v: v in (0, 0.25, 0.5, 0.75, 1.0)),
}


def test_every_distribution_is_covered() -> None:
    assert set(_CASES) == set(DISTRIBUTIONS)


@pytest.mark.parametrize("name", sorted(_CASES))
def test_distribution_samples_and_round_trips(name: str) -> None:
    spec, ok = _CASES[name]
    param = _one({"distribution": name, **spec})
    rng = np.random.default_rng(0)
    samples = [param.sample(rng) for _ in range(300)]
    assert all(ok(v) for v in samples), name
    if param.kind == "unit" and not name.startswith("q_"):
        for u in (0.1, 0.5, 0.9):  # cdf inverts ppf: the Bayesian search's unit space
            assert param.cdf(param.ppf(u)) == pytest.approx(u, abs=1e-6)


def test_log_uniform_is_uniform_in_the_exponent() -> None:
    param = _one({"distribution": "log_uniform_values", "min": 1e-6, "max": 1.0})
    rng = np.random.default_rng(1)
    exponents = np.log10([param.sample(rng) for _ in range(4000)])
    assert np.median(exponents) == pytest.approx(-3, abs=0.15)


def test_probabilities_weight_the_draws() -> None:
    param = _one({"values": ["a", "b"], "probabilities": [0.9, 0.1]})
    rng = np.random.default_rng(2)
    share = sum(param.sample(rng) == "a" for _ in range(2000)) / 2000
    assert share == pytest.approx(0.9, abs=0.03)
