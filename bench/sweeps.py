"""sweeps: how well the searches find optima, how fast the controller suggests, and a
grid shared by many agent processes.

- Search quality: Branin (2-D), Hartmann-6, a noisy quadratic in 5-D and a function with
  two categorical parameters; the best value found after 20/50/100 trials, bayes (Optuna
  TPE, through ``BayesSearch``, with constant liar) against random, median over seeds.
  The searches are driven directly (no store, no runs): this measures the optimiser.
  For the noisy quadratic the search sees noisy values; the figure is the true value of
  the point it found best.
- Controller latency: a bayes sweep in a SQLite store with 1,000 finished trials; the
  time ``Controller.claim`` takes (one store transaction, the history read, the TPE
  suggestion), median over 20 claims by a warm agent, and the first claim of a new agent
  (which builds the study from the 1,000 trials).
- Grid: 8 agent processes with cheap trials (a function that returns at once) share one
  grid of 13,020 points (the size of wandb's report of grids that never stop); the
  trials run, the seconds and trials/s.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.context import BenchContext
from bench.figures import Figure, WorkloadResult, median

TITLE = "sweeps: search quality, controller latency, a grid shared by agent processes"
SIZES = {"full": {"seeds": 10, "trials": 100, "history": 1000, "grid": 13_020, "agents": 8},
         "quick": {"seeds": 1, "trials": 20, "history": 30, "grid": 40, "agents": 2}}
CHECKPOINTS = (20, 50, 100)

# ---- test functions (minimised) ----------------------------------------------------------
_H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
         [17, 8, 0.05, 10, 0.1, 14]]
_H6_P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
         [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
         [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
         [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
_H6_ALPHA = [1.0, 1.2, 3.0, 3.2]


def branin(p: dict[str, Any]) -> float:
    x, y = p["x1"], p["x2"]
    b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
    return float((y - b * x**2 + c * x - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x)
                 + 10)


def hartmann6(p: dict[str, Any]) -> float:
    x = [p[f"x{i}"] for i in range(6)]
    total = 0.0
    for alpha, a, pp in zip(_H6_ALPHA, _H6_A, _H6_P, strict=True):
        total += alpha * math.exp(-sum(a[j] * (x[j] - pp[j]) ** 2 for j in range(6)))
    return -total


def quadratic5(p: dict[str, Any]) -> float:
    return float(sum((p[f"x{i}"] - 1.0) ** 2 for i in range(5)))


_OPT = {"adam": 0.0, "sgd": 0.6, "rmsprop": 0.3, "adagrad": 0.9}
_ACT = {"relu": 0.0, "tanh": 0.4, "gelu": 0.1}


def categorical(p: dict[str, Any]) -> float:
    """A model's loss surface: log-lr and dropout continuous, optimiser and activation
    categorical (each adds its own offset), optimum 0 at lr 1e-3, dropout 0.2, adam, relu."""
    return float((math.log10(p["lr"]) + 3) ** 2 / 4 + (p["dropout"] - 0.2) ** 2 * 4
                 + _OPT[p["optimizer"]] + _ACT[p["activation"]])


PROBLEMS: dict[str, tuple[dict[str, Any], Callable[[dict[str, Any]], float], float, float]] = {
    # name: (parameters, function, optimum, noise sigma)
    "branin": ({"x1": {"min": -5.0, "max": 10.0}, "x2": {"min": 0.0, "max": 15.0}},
               branin, 0.397887, 0.0),
    "hartmann6": ({f"x{i}": {"min": 0.0, "max": 1.0} for i in range(6)}, hartmann6,
                  -3.32237, 0.0),
    "noisy_quadratic5": ({f"x{i}": {"min": -5.0, "max": 5.0} for i in range(5)}, quadratic5,
                         0.0, 0.5),
    "categorical": ({"lr": {"distribution": "log_uniform_values", "min": 1e-6, "max": 1.0},
                     "dropout": {"min": 0.0, "max": 0.8},
                     "optimizer": {"values": list(_OPT)},
                     "activation": {"values": list(_ACT)}}, categorical, 0.0, 0.0),
}


def search_quality(seeds: int, trials: int) -> dict[str, Any]:
    """Best true value after each checkpoint, per problem, method and seed."""
    import numpy as np

    from cairn.sweeps.config import parse_config
    from cairn.sweeps.search import BayesSearch, Observation, random_point

    out: dict[str, Any] = {}
    for name, (params, fn, _, noise) in PROBLEMS.items():
        for method in ("random", "bayes"):
            config = parse_config({"method": method, "metric": {"name": "f"},
                                   "parameters": params})
            per_seed = []
            started = time.perf_counter()
            for seed in range(seeds):
                rng = np.random.default_rng(1000 + seed)
                search = BayesSearch(config) if method == "bayes" else None
                history: list[tuple[Any, Observation]] = []
                best_true, best_seen, curve = math.inf, math.inf, []
                for n in range(trials):
                    point = (search.suggest(seed, n, history) if search is not None
                             else random_point(config, seed, n))
                    true = fn(point)
                    seen = true + (float(rng.normal(0, noise)) if noise else 0.0)
                    history.append((n, Observation(point, seen)))
                    if seen < best_seen:  # the point the search believes best
                        best_seen, best_true = seen, true
                    curve.append(best_true)
                per_seed.append(curve)
            out[f"{name}/{method}"] = {"curves": per_seed,
                                       "seconds": time.perf_counter() - started}
    return out


def controller_latency(history: int) -> dict[str, Any]:
    import cairn
    from cairn.backend import open_backend
    from cairn.store.sweeps import SweepRow, TrialsSince
    from cairn.sweeps.controller import Controller, find_sweep

    params = {"x1": {"min": -5.0, "max": 10.0}, "x2": {"min": 0.0, "max": 15.0},
              "opt": {"values": ["a", "b", "c"]}, "n": {"min": 1, "max": 8}}
    sweep_id = cairn.sweep({"method": "bayes", "metric": {"name": "f"}, "parameters": params})
    backend = open_backend()
    store = backend.store
    row = find_sweep(store, sweep_id)

    def filler(sweep: SweepRow, trials: TrialsSince, grid: int | None) -> dict[str, Any]:
        n = sweep.trial_count
        return {"x1": -5 + (n * 7.3) % 15, "x2": (n * 3.1) % 15, "opt": "abc"[n % 3],
                "n": 1 + n % 8}

    for n in range(history):
        claim = store.claim_trial(row.pk, f"h{n}", host=None, pid=None, run_cap=None,
                                  propose=filler)
        assert claim.trial is not None
        store.end_trial(row.pk, claim.trial.number, "finished",
                        branin(claim.trial.params))
    cold = Controller(store, find_sweep(store, sweep_id))
    t0 = time.perf_counter()
    first = cold.claim("cold")
    first_s = time.perf_counter() - t0
    assert first.trial is not None
    store.end_trial(row.pk, first.trial.number, "finished", 1.0)
    warm: list[float] = []
    for k in range(20):
        t0 = time.perf_counter()
        claim = cold.claim(f"warm{k}")
        warm.append(time.perf_counter() - t0)
        assert claim.trial is not None
        store.end_trial(row.pk, claim.trial.number, "finished", branin(claim.trial.params))
    backend.close()
    return {"first_claim_s": first_s, "warm_claims_s": warm}


_AGENT = "import sys, cairn; print(cairn.agent(sys.argv[1], function=lambda: None))"


def shared_grid(grid: int, agents: int) -> dict[str, Any]:
    import cairn

    a_values = 20 if grid % 20 == 0 else 1
    sweep_id = cairn.sweep({"method": "grid", "parameters": {
        "a": {"values": list(range(a_values))}, "b": {"min": 1, "max": grid // a_values}}})
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", _AGENT, sweep_id],
                              stdout=subprocess.PIPE, text=True, env=dict(os.environ))
             for _ in range(agents)]
    per_agent = [int(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    seconds = time.perf_counter() - t0
    sweep = cairn.Api().sweep(sweep_id)
    trials = sweep.trials
    points = {(t.params["a"], t.params["b"]) for t in trials}
    return {"seconds": seconds, "per_agent": per_agent, "trials": len(trials),
            "distinct_points": len(points), "state": sweep.state}


def _checkpoint_figures(result: WorkloadResult, got: dict[str, Any], trials: int) -> None:
    for name, (_, _, optimum, _) in PROBLEMS.items():
        for k in CHECKPOINTS:
            if k > trials:
                continue
            medians = {m: median([c[k - 1] for c in got[f"{name}/{m}"]["curves"]])
                       for m in ("random", "bayes")}
            for method, value in medians.items():
                result.add("cairn", Figure(f"{name}_{method}_at_{k}",
                                           f"{name} (optimum {optimum:g}): best after {k}, "
                                           f"{method}", value, "f"))


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("sweeps", TITLE, sizes)
    quality = ctx.child("bench.sweeps:search_quality",
                        {"seeds": sizes["seeds"], "trials": sizes["trials"]}, "sweep-search")
    latency = ctx.child("bench.sweeps:controller_latency", {"history": sizes["history"]},
                        "sweep-latency")
    grid = ctx.child("bench.sweeps:shared_grid",
                     {"grid": sizes["grid"], "agents": sizes["agents"]}, "sweep-grid")
    result.add(
        "cairn",
        Figure("suggest_warm_ms", f"bayes claim with {sizes['history']} finished trials "
               "(warm agent, median)", median(latency["warm_claims_s"]) * 1000, "ms", 50),
        Figure("suggest_first_ms", "first claim of a new agent (builds the study)",
               latency["first_claim_s"] * 1000, "ms"),
        Figure("grid_trials", f"trials run for a {sizes['grid']}-point grid by "
               f"{sizes['agents']} agent processes", grid["trials"], "trials",
               sizes["grid"]),
        Figure("grid_distinct", "distinct grid points among them", grid["distinct_points"],
               "points", sizes["grid"], better="higher"),
        Figure("grid_trials_per_s", "grid trials handed out and ended per second",
               grid["trials"] / grid["seconds"], "trials/s", better="higher"),
    )
    _checkpoint_figures(result, quality, sizes["trials"])
    result.details = {"grid": grid, "latency": latency,
                      "search_seconds": {k: v["seconds"] for k, v in quality.items()}}
    return result
