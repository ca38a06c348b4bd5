"""Sweeps for the UI: a project's sweeps, one sweep with its trials and parameter
importance, and its state controls (pause, resume, stop, cancel)."""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cairn.errors import NotFoundError, UsageError
from cairn.server.context import context, find_project
from cairn.server.errors import bad_request, not_found
from cairn.server.params import json_body
from cairn.store.base import MetadataStore
from cairn.store.sweeps import SweepRow, TrialRow

_STATES = {"running", "paused", "finished", "canceled"}


def _flat(params: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _metric(row: SweepRow) -> dict[str, Any] | None:
    metric = row.config.get("metric")
    if not isinstance(metric, dict) or not isinstance(metric.get("name"), str):
        return None
    return {"name": metric["name"], "goal": metric.get("goal", "minimize")}


def _best(row: SweepRow, trials: list[TrialRow]) -> float | None:
    values = [t.value for t in trials if t.value is not None]
    if not values:
        return None
    metric = _metric(row)
    return max(values) if metric and metric["goal"] == "maximize" else min(values)


def sweep_summary(row: SweepRow, trials: list[TrialRow]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for trial in trials:
        counts[trial.state] = counts.get(trial.state, 0) + 1
    return {"id": row.sweep_id, "entity": row.entity, "project": row.project,
            "name": row.name or row.sweep_id, "method": row.method, "state": row.state,
            "metric": _metric(row), "created_at": row.created_at,
            "updated_at": row.updated_at, "trial_count": len(trials), "states": counts,
            "grid_size": row.grid_size, "run_cap": row.config.get("run_cap"),
            "best": _best(row, trials)}


def _correlation(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    if sx == 0 or sy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (sx * sy)


def importance(row: SweepRow, trials: list[TrialRow]) -> dict[str, Any]:
    """Per searched parameter: the correlation of its (numeric) values with the metric, and
    Optuna's model-based importance (fANOVA with scikit-learn's random forest where
    scikit-learn is installed, else Optuna's PED-ANOVA) over the trials with a value."""
    from cairn.sweeps.config import SweepConfigError, parse_config

    try:
        config = parse_config(row.config)
    except SweepConfigError:
        return {"method": None, "params": []}
    done = [t for t in trials if t.value is not None]
    out = []
    for param in config.searched:
        pairs = [(_flat(t.params).get(param.name), t.value) for t in done]
        numeric = [(float(x), float(y)) for x, y in pairs
                   if isinstance(x, int | float) and not isinstance(x, bool) and y is not None]
        corr = _correlation([x for x, _ in numeric], [y for _, y in numeric])
        out.append({"name": param.name, "correlation": corr, "importance": None})
    method = None
    if len(done) >= 4 and config.metric is not None and config.searched:
        method, scores = _model_importance(config, done)
        for item in out:
            item["importance"] = scores.get(str(item["name"]))
    return {"method": method, "params": out}


def _model_importance(config: Any, trials: list[TrialRow]) -> tuple[str | None, dict[str, float]]:
    import optuna

    from cairn.sweeps.search import Observation, _distributions, _trial

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dists = _distributions(config)
    study = optuna.create_study(direction="maximize" if config.metric.goal == "maximize"
                                else "minimize")
    frozen = [t for trial in trials
              if (t := _trial(config, dists, Observation(trial.params, trial.value),
                              config.metric)) is not None]
    study.add_trials(frozen)
    try:
        import sklearn  # noqa: F401

        evaluator: Any = optuna.importance.FanovaImportanceEvaluator(seed=0)
        method = "fANOVA (Optuna, scikit-learn random forest)"
    except ImportError:
        evaluator = optuna.importance.PedAnovaImportanceEvaluator()
        method = "PED-ANOVA (Optuna)"
    try:
        scores = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except (ValueError, RuntimeError):
        return None, {}
    return method, {k: float(v) for k, v in scores.items()}


def _trial_json(trial: TrialRow, names: dict[str, str]) -> dict[str, Any]:
    return {"number": trial.number, "run_id": trial.run_id,
            "run_name": names.get(trial.run_id), "state": trial.state, "value": trial.value,
            "params": _flat(trial.params), "stop_reason": trial.stop_reason,
            "created_at": trial.created_at, "finished_at": trial.finished_at}


def sweep_detail(store: MetadataStore, row: SweepRow) -> dict[str, Any]:
    trials = store.sweep_trials(row.pk)
    versions = store.run_versions(row.entity, row.project, [t.run_id for t in trials])
    runs = store.runs_by_pk([v.pk for v in versions.values()])
    names = {r.ref.run_id: r.name for r in runs}
    return {**sweep_summary(row, trials), "config": row.config,
            "trials": [_trial_json(t, names) for t in trials]}


def _find(store: MetadataStore, entity: str, project: str, sweep_id: str) -> SweepRow:
    found = store.find_sweeps(entity, project, sweep_id)
    if not found:
        raise NotFoundError(f"no sweep {entity}/{project}/{sweep_id}")
    return found[0]


async def project_sweeps(request: Request) -> Response:
    ctx = context(request)
    project = await find_project(request)

    def work() -> list[dict[str, Any]]:
        rows = ctx.store.find_sweeps(project.entity, project.name)
        return [sweep_summary(r, ctx.store.sweep_trials(r.pk)) for r in rows]

    sweeps = await ctx.call(work)
    return await ctx.respond(lambda: {"sweeps": sweeps})


async def sweep_resource(request: Request) -> Response:
    ctx = context(request)
    entity, project = request.path_params["entity"], request.path_params["project"]
    sweep_id = request.path_params["sweep_id"]
    try:
        row = await ctx.call(_find, ctx.store, entity, project, sweep_id)
    except NotFoundError as exc:
        raise not_found(str(exc)) from exc
    if request.method == "PATCH":
        body = await json_body(request)
        state = body.get("state")
        if state not in _STATES:
            raise bad_request(f"state must be one of {', '.join(sorted(_STATES))}; got "
                              f"{state!r}")
        if row.state in ("finished", "canceled") and state not in ("canceled", row.state):
            raise bad_request(f"sweep {row.path} is {row.state}; it cannot become {state}")
        try:
            await ctx.call(ctx.store.set_sweep_state, row.pk, state)
        except UsageError as exc:
            raise bad_request(str(exc)) from exc
        row = await ctx.call(_find, ctx.store, entity, project, sweep_id)
    return await ctx.respond(sweep_detail, ctx.store, row)


async def sweep_importance(request: Request) -> Response:
    """Apart from the sweep: fitting the importance model takes a second or more."""
    ctx = context(request)
    path = request.path_params
    try:
        row = await ctx.call(_find, ctx.store, path["entity"], path["project"],
                             path["sweep_id"])
    except NotFoundError as exc:
        raise not_found(str(exc)) from exc
    trials = await ctx.call(ctx.store.sweep_trials, row.pk)
    return await ctx.respond(importance, row, trials)


ROUTES = [
    Route("/projects/{entity}/{project}/sweeps", project_sweeps, methods=["GET"]),
    Route("/sweeps/{entity}/{project}/{sweep_id}", sweep_resource, methods=["GET", "PATCH"]),
    Route("/sweeps/{entity}/{project}/{sweep_id}/importance", sweep_importance,
          methods=["GET"]),
]
