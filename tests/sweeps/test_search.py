"""Grid enumerates exactly, random and bayes are reproducible, bayes learns from history
and spreads out around pending trials."""

from __future__ import annotations

import itertools
from typing import Any

from cairn.sweeps.config import parse_config
from cairn.sweeps.search import BayesSearch, Observation, grid_point, grid_size, random_point


def test_grid_enumerates_values_int_uniform_and_constants_exactly() -> None:
    config = parse_config({"method": "grid", "parameters": {
        "a": {"values": ["x", "y"]}, "b": {"min": 1, "max": 3}, "c": {"value": 0},
        "nested": {"parameters": {"d": {"values": [True, False]}}}}})
    size = grid_size(config)
    assert size == 2 * 3 * 2
    points = [grid_point(config, i) for i in range(size)]
    combos = {(p["a"], p["b"], p["nested"]["d"]) for p in points}
    assert combos == set(itertools.product(["x", "y"], [1, 2, 3], [True, False]))
    assert all(p["c"] == 0 for p in points)


def test_random_is_reproducible_and_varies() -> None:
    config = parse_config({"method": "random", "parameters": {
        "lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1e-1},
        "opt": {"parameters": {"name": {"values": ["adam", "sgd"]}}}}})
    first = [random_point(config, 7, n) for n in range(20)]
    assert first == [random_point(config, 7, n) for n in range(20)]
    assert first != [random_point(config, 8, n) for n in range(20)]
    assert len({p["lr"] for p in first}) == 20
    assert {p["opt"]["name"] for p in first} == {"adam", "sgd"}


def _quadratic(p: dict[str, Any]) -> float:
    return float((p["x"] - 0.3) ** 2 + (p["y"] + 0.5) ** 2 + (0 if p["c"] == "good" else 1))


_BAYES = {"method": "bayes", "metric": {"name": "f", "goal": "minimize"}, "parameters": {
    "x": {"min": -2.0, "max": 2.0}, "y": {"min": -2.0, "max": 2.0},
    "c": {"values": ["good", "bad", "worse"]}}}


def _run(seed: int, trials: int) -> list[tuple[Any, Observation]]:
    config = parse_config(_BAYES)
    search = BayesSearch(config)
    history: list[tuple[Any, Observation]] = []
    for n in range(trials):
        point = search.suggest(seed, n, history)
        history.append((n, Observation(point, _quadratic(point))))
    return history


def test_bayes_same_seed_same_suggestions_and_learns() -> None:
    a, b = _run(3, 40), _run(3, 40)
    assert [o.params for _, o in a] == [o.params for _, o in b]
    values = [o.value for _, o in a]
    assert min(values[20:]) < min(values[:10])  # model-based phase beats the random start
    late = [o.params["c"] for _, o in a[25:]]
    assert late.count("good") > len(late) / 2


def test_bayes_fresh_search_agrees_with_a_cached_one() -> None:
    history = _run(5, 25)
    config = parse_config(_BAYES)
    cached = BayesSearch(config)
    for n in range(20):
        cached.suggest(5, n, history[:n])
    assert cached.suggest(5, 25, history) == BayesSearch(config).suggest(5, 25, history)


def test_pending_trials_push_parallel_suggestions_apart() -> None:
    history = _run(11, 20)
    config = parse_config(_BAYES)
    search = BayesSearch(config)
    pending = list(history)
    points = []
    for n in range(20, 28):  # eight agents asking before any of them reports
        point = search.suggest(11, n, pending)
        points.append(point)
        pending.append((n, Observation(point, None, running=True)))
    assert len({(p["x"], p["y"], p["c"]) for p in points}) == 8


def test_history_outside_the_space_is_ignored() -> None:
    config = parse_config(_BAYES)
    odd = [("prior", Observation({"x": 0.1, "y": 0.2, "c": "unknown"}, 0.0)),
           ("prior2", Observation({"x": "text"}, 0.0))]
    point = BayesSearch(config).suggest(1, 0, odd)
    assert -2 <= point["x"] <= 2
    assert point["c"] in ("good", "bad", "worse")
