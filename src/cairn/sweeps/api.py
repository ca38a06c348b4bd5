"""``cairn.sweep`` and ``cairn.agent``, with wandb's names and arguments, and the state
changes of ``cairn sweep --stop|--cancel|--pause|--resume``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cairn.errors import UsageError
from cairn.settings import Settings, load_settings
from cairn.store.sweeps import SweepRow

DEFAULT_PROJECT = "uncategorized"
ACTIONS = {"stop": "finished", "cancel": "canceled", "pause": "paused", "resume": "running"}


def _settings(entity: str | None, project: str | None,
              settings: Settings | None = None) -> Settings:
    if settings is not None:
        return settings
    overrides = {k: v for k, v in (("entity", entity), ("project", project)) if v}
    return load_settings(overrides)


def _prior_ids(prior_runs: Sequence[Any] | None) -> list[str]:
    """Run ids from ids, ``entity/project/id`` paths or run objects."""
    ids = []
    for run in prior_runs or ():
        run_id = getattr(run, "id", run)
        if not isinstance(run_id, str) or not run_id:
            raise UsageError(f"prior_runs holds run ids (or runs); got {run!r}")
        ids.append(run_id.rsplit("/", 1)[-1])
    return ids


def sweep(sweep: Mapping[str, Any] | str | Path, entity: str | None = None,
          project: str | None = None, prior_runs: Sequence[Any] | None = None, *,
          settings: Settings | None = None, seed: int | None = None) -> str:
    """Store a sweep from a config in wandb's schema (a dict or a YAML file) and return
    its id. An invalid config raises ``SweepConfigError`` before anything is stored."""
    from cairn.backend import open_backend
    from cairn.sweeps.config import load_config, parse_config
    from cairn.sweeps.controller import create_sweep

    raw = load_config(sweep)
    config = parse_config(raw)
    s = _settings(entity or raw.get("entity"), project or raw.get("project"), settings)
    backend = open_backend(settings=s)
    try:
        row = create_sweep(backend.store, config, s.default_entity(),
                           s.project or DEFAULT_PROJECT, _prior_ids(prior_runs), seed)
    finally:
        backend.close()
    return row.sweep_id


def agent(sweep_id: str, function: Callable[[], object] | None = None,
          entity: str | None = None, project: str | None = None, count: int | None = None,
          *, settings: Settings | None = None, heartbeat: float = 2.0) -> int:
    """Run the sweep's trials: ``function`` in this process, else the config's
    ``program``/``command`` as subprocesses; stops after ``count`` trials, or when the
    sweep has no more. Returns how many trials ran."""
    from cairn.backend import open_backend
    from cairn.sweeps.agent import Agent

    if count is not None and (isinstance(count, bool) or not isinstance(count, int)
                              or count < 0):
        raise ValueError(f"count must be a non-negative integer; got {count!r}")
    s = _settings(entity, project, settings)
    backend = open_backend(settings=s, create=False)
    try:
        runner = Agent(backend.store, s, sweep_id, function, entity, project,
                       heartbeat=heartbeat)
        return runner.run(count)
    finally:
        backend.close()


def change_state(sweep_id: str, action: str, entity: str | None = None,
                 project: str | None = None, *, settings: Settings | None = None) -> SweepRow:
    """``stop`` (no new trials; running ones finish), ``cancel`` (running ones are
    killed too), ``pause`` or ``resume``."""
    from cairn.backend import open_backend
    from cairn.sweeps.controller import find_sweep

    if action not in ACTIONS:
        raise UsageError(f"a sweep action is one of {', '.join(ACTIONS)}; got {action!r}")
    s = _settings(entity, project, settings)
    backend = open_backend(settings=s, create=False)
    try:
        store = backend.store
        row = find_sweep(store, sweep_id, entity, project)
        if row.state in ("finished", "canceled") and action != "cancel":
            raise UsageError(f"sweep {row.path} is {row.state}; it cannot {action}")
        store.set_sweep_state(row.pk, ACTIONS[action])
        return find_sweep(store, row.path)
    finally:
        backend.close()


__all__ = ["agent", "change_state", "sweep"]
